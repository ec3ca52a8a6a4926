"""The scheduler process and its jobs. Run exactly one: `flask --app wsgi scheduler run`.

Web workers never start it (under gunicorn every worker would run every job). Every job is
safe to run twice or in two processes at once: work is claimed in the database first.

Each function here is a job's caller (as are the commands in cli.py): in an app context of its
own, it hands the job (improvement_tracker.jobs) a transaction factory over that context's
session and records the run — start, end, outcome and counts — for the admin page and
/healthz/scheduler. When each job runs is in jobs.timetable, and nowhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask import Flask
from sqlalchemy.orm import Session

from improvement_tracker import jobs
from improvement_tracker.extensions import db
from improvement_tracker.jobs import daily, runs, timetable
from improvement_tracker.jobs import outbox as outbox_job
from improvement_tracker.jobs import reminders as reminders_job
from improvement_tracker.models._types import utcnow
from improvement_tracker.services import clock, reminders
from improvement_tracker.services.mail import sender_from_config

if TYPE_CHECKING:
    from apscheduler.schedulers.blocking import BlockingScheduler

log = logging.getLogger(__name__)


def _deliver(app: Flask, transaction: jobs.Transaction) -> outbox_job.DeliveryReport:
    report = outbox_job.deliver(
        transaction, sender_from_config(app.config), base_url=app.config["BASE_URL"],
        mail_from=app.config["MAIL_FROM"], max_attempts=app.config["MAIL_MAX_ATTEMPTS"])
    if report.sent or report.retrying or report.failed or report.interrupted:
        log.info("outbox: %d sent, %d retrying, %d failed, %d interrupted", len(report.sent),
                 len(report.retrying), len(report.failed), report.interrupted)
    return report


def send_outbox(app: Flask) -> outbox_job.DeliveryReport:
    """Deliver what is waiting now (`flask outbox send`; the scheduled jobs deliver too)."""
    with app.app_context():
        return _deliver(app, jobs.transactions(db.session))


def assignments_and_outbox(app: Flask, *, trigger: str | None = "schedule") -> None:
    """Every few minutes: tell new owners, then deliver what is waiting."""
    with app.app_context():
        transaction = jobs.transactions(db.session)

        def work() -> tuple[reminders.RunReport, outbox_job.DeliveryReport]:
            return reminders_job.assignments(transaction, clock.today()), _deliver(app, transaction)

        runs.record(transaction, "outbox", work,
                    lambda done: {"assignments_queued": len(done[0].notifications), **done[1].counts()},
                    trigger=trigger)


def daily_reminders(app: Flask, today: date | None = None, *, trigger: str | None = "schedule") -> reminders.RunReport:
    """07:00: every reminder due today and, on the week's first run on a working day, the weekly
    summaries; then deliver them."""
    with app.app_context():
        transaction = jobs.transactions(db.session)

        def work() -> tuple[reminders.RunReport, outbox_job.DeliveryReport]:
            return reminders_job.daily(transaction, today or clock.today()), _deliver(app, transaction)

        report, _ = runs.record(transaction, "daily_reminders", work,
                                lambda done: {**reminders_job.counts(done[0]), **done[1].counts()}, trigger=trigger)
    log.info("reminders for %s: %d emails to %d recipients", report.day, len(report.notifications),
             report.recipients)
    return report


def daily_snapshot(app: Flask, *, trigger: str | None = "schedule") -> jobs.Counts:
    """06:00: the day's progress snapshots, then any reporting period not yet made (the next quarter's
    comes a quarter ahead). Part of this run, so a failure shows on /healthz/scheduler like the snapshot's."""
    with app.app_context():
        transaction = jobs.transactions(db.session)

        def work() -> jobs.Counts:
            today = clock.today()
            counts = daily.snapshot(transaction, today)
            made = daily.ensure_periods(transaction, today)
            if made:
                log.info("reporting periods created: %s", ", ".join(made))
            return counts

        return runs.record(transaction, "daily_snapshot", work, dict, trigger=trigger)


def dashboard_cache(app: Flask, today: date | None = None, *, trigger: str | None = "schedule") -> None:
    """Precompute the heavy national dashboard figures (after the day's snapshots)."""
    with app.app_context():
        transaction = jobs.transactions(db.session)
        runs.record(transaction, "dashboard_cache",
                    lambda: daily.national_figures(transaction, today or clock.today()), dict, trigger=trigger)


def housekeeping(app: Flask, *, trigger: str | None = "schedule") -> None:
    """Nightly: forget sign-in attempts and job runs nobody needs any more (the tables would only grow)."""
    with app.app_context():
        transaction = jobs.transactions(db.session)
        counts = runs.record(transaction, "housekeeping", lambda: daily.housekeeping(transaction, utcnow()),
                             dict, trigger=trigger)
    log.info("housekeeping: %s", counts)


JOB_FUNCTIONS: dict[str, Callable[[Flask], object]] = {
    "outbox": assignments_and_outbox,
    "housekeeping": housekeeping,
    "daily_snapshot": daily_snapshot,
    "dashboard_cache": dashboard_cache,
    "daily_reminders": daily_reminders,
}


def missed(session: Session, now: datetime) -> list[str]:
    """The daily jobs whose time today (London) came and went with no run: the scheduler was down.

    Each is safe to run late — reminders catch up without repeating, a snapshot or the figures
    are of today — so a scheduler restarted at 07:05 still sends the day's reminders. A time on
    an earlier day is left to the next one (reminders at 2 a.m. would help nobody).
    """
    newest = runs.latest(session)
    late = []
    for job in timetable.TIMETABLE:
        if isinstance(job.schedule, timetable.Daily):
            due = job.schedule.last_at_or_before(now)
            last = newest.get(job.name)
            if clock.london_date(due) == clock.london_date(now) and (last is None or last.started_at < due):
                late.append(job.name)
    return late


def build(app: Flask, catch_up: Sequence[str] = ()) -> BlockingScheduler:
    """The scheduler with every job of the timetable; those named in ``catch_up`` run at once first."""
    from apscheduler.schedulers.blocking import BlockingScheduler  # only the scheduler process needs it

    scheduler = BlockingScheduler(timezone=clock.LONDON,
                                  job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    for job in timetable.TIMETABLE:
        extra = {"next_run_time": datetime.now(clock.LONDON)} if job.name in catch_up else {}
        scheduler.add_job(JOB_FUNCTIONS[job.name], job.schedule.trigger(), args=[app], id=job.name,
                          name=job.title, **extra)
    return scheduler


def run(app: Flask) -> None:
    """Record the start, then run the jobs until stopped (catching up the daily jobs missed)."""
    with app.app_context(), jobs.transactions(db.session)() as session:
        runs.scheduler_started(session)
        catch_up = missed(session, utcnow())
    if catch_up:
        log.info("catching up: %s", ", ".join(catch_up))
    build(app, catch_up).start()
