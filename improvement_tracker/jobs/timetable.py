"""When each job runs, defined once: the scheduler builds its triggers from here, and the
health check and the admin page decide from here whether a job is late.

Times are Europe/London; stored timestamps are naive UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from improvement_tracker.services.clock import LONDON

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger


def _london(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(LONDON)


def _stored(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Daily:
    """Every day at hour:minute, London time."""

    hour: int
    minute: int = 0

    def describe(self) -> str:
        return f"Daily at {self.hour:02d}:{self.minute:02d}"

    def next_after(self, moment: datetime) -> datetime:
        """The first time it is due after ``moment`` (both naive UTC)."""
        local = _london(moment)
        at = time(self.hour, self.minute)
        due = datetime.combine(local.date(), at, tzinfo=LONDON)
        if due <= local:
            due = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=LONDON)
        return _stored(due)

    def last_at_or_before(self, moment: datetime) -> datetime:
        """The last time it was due at or before ``moment`` (both naive UTC)."""
        local = _london(moment)
        at = time(self.hour, self.minute)
        due = datetime.combine(local.date(), at, tzinfo=LONDON)
        if due > local:
            due = datetime.combine(local.date() - timedelta(days=1), at, tzinfo=LONDON)
        return _stored(due)

    def trigger(self) -> BaseTrigger:
        # APScheduler is imported only by the scheduler process; the web app reads the timetable too.
        from apscheduler.triggers.cron import CronTrigger

        return CronTrigger(hour=self.hour, minute=self.minute, timezone=LONDON)


@dataclass(frozen=True)
class Every:
    """Every so many minutes, counted from the scheduler's start (APScheduler's interval)."""

    minutes: int

    def describe(self) -> str:
        return f"Every {self.minutes} minutes"

    def next_after(self, moment: datetime) -> datetime:
        return moment + timedelta(minutes=self.minutes)

    def trigger(self) -> BaseTrigger:
        from apscheduler.triggers.interval import IntervalTrigger

        return IntervalTrigger(minutes=self.minutes, timezone=LONDON)


@dataclass(frozen=True)
class Job:
    name: str  # the scheduler's job id, and the name runs are recorded under
    title: str
    schedule: Daily | Every
    # How long after its time a job may start, or run, before it is reported late.
    grace: timedelta = timedelta(minutes=30)


TIMETABLE: tuple[Job, ...] = (
    Job("outbox", "Tell new owners and send waiting emails", Every(2), grace=timedelta(minutes=10)),
    Job("housekeeping", "Forget old sign-in attempts, job runs and form tokens", Daily(3, 30)),
    Job("daily_snapshot", "Record the day's progress snapshots and create the coming reporting periods",
        Daily(6, 0)),
    Job("dashboard_cache", "Work out the national dashboard figures", Daily(6, 15)),
    Job("daily_reminders", "Send reminders, and the weekly summaries on the week's first run on a working day",
        Daily(7, 0)),
)
JOBS = {job.name: job for job in TIMETABLE}


def summary() -> str:
    """The timetable in one line, for help texts."""
    return "; ".join(f"{job.name} {job.schedule.describe().lower()}" for job in TIMETABLE)
