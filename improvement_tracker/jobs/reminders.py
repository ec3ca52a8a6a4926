"""The reminder jobs: the 07:00 daily run (reminders, and the weekly summaries with the week's
first run on a working day) and the frequent assignments run. What they send, and on which
working day, is decided by services.reminders.plan; they claim and queue it one email per
transaction."""

from __future__ import annotations

from datetime import date

from improvement_tracker.jobs import Counts, Transaction
from improvement_tracker.services import reminders, settings


def _queue(transaction: Transaction, planned: reminders.Plan, report: reminders.RunReport) -> None:
    """One transaction per email: its items claimed and the email queued, together or not at all.

    An item claimed by another run in the meantime is simply not won here (INSERT … ON CONFLICT
    DO NOTHING), so two schedulers racing never send it twice.
    """
    for email in planned.emails:
        with transaction() as session:
            queued = reminders.queue(session, email, planned.day)
        if queued is not None:
            report.notifications.append(queued)


def daily(transaction: Transaction, today: date) -> reminders.RunReport:
    """Claim and queue every email due today (nothing on a weekend or bank holiday)."""
    with transaction() as session:
        planned = reminders.plan(session, today, settings.load(session))
        todo = reminders.unclaimed(session, planned)
    report = reminders.RunReport(today, planned.working_day, [c for e in planned.emails for c in e.claims])
    _queue(transaction, todo, report)
    return report


def preview(transaction: Transaction, today: date) -> reminders.Plan:
    """What ``daily`` would queue today, with nothing written (the dry run)."""
    with transaction() as session:
        return reminders.unclaimed(session, reminders.plan(session, today, settings.load(session)))


def assignments(transaction: Transaction, today: date) -> reminders.RunReport:
    """Tell new owners now rather than tomorrow morning."""
    with transaction() as session:
        planned = reminders.plan_assignments(session, today)
        todo = reminders.unclaimed(session, planned)
    report = reminders.RunReport(today, True, [c for e in planned.emails for c in e.claims])
    _queue(transaction, todo, report)
    return report


def counts(report: reminders.RunReport) -> Counts:
    return {"items_due": len(report.items), "emails_queued": len(report.notifications),
            "items_queued": report.items_queued, "recipients": report.recipients}
