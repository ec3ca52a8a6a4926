"""The reminders the scheduler would have sent over the generated plans' last weeks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from improvement_tracker.models import Notification, ReminderClaim
from improvement_tracker.services import reminders, settings
from improvement_tracker.services.working_days import is_working_day


def replay_reminders(session: Session, today: date, days: int, commit: Callable[[], None]) -> int:
    """Run the real daily reminders for each working day of the last `days` days, as sent.

    Gives the ledger, the "reminders sent" tables and the claims a history, so the next real
    run is a steady-state day rather than a first-day catch-up. Each day ends at the caller's
    checkpoint, as the scheduler's run would have committed.
    """
    config = settings.load(session)
    emails = 0
    for n in range(days, 0, -1):
        day = today - timedelta(days=n)
        if not is_working_day(day):
            continue
        before = session.scalar(select(func.coalesce(func.max(Notification.id), 0)))
        claims_before = session.scalar(select(func.coalesce(func.max(ReminderClaim.id), 0)))
        report = reminders.run_daily(session, day, config)
        at = datetime.combine(day, time(7, 0))
        session.execute(update(Notification).where(Notification.id > before).values(
            status="sent", attempts=1, created_at=at, next_attempt_at=at, sent_at=at + timedelta(minutes=2)))
        session.execute(update(ReminderClaim).where(ReminderClaim.id > claims_before).values(created_at=at))
        commit()
        emails += len(report.notifications)
    return emails
