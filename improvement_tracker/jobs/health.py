"""Is every job running on time? For /healthz/scheduler (what a monitor polls) and the admin page.

The rule, per job of the timetable: take the later of its newest run's start and the
scheduler's newest start; the job is next due at the first time its schedule gives after that
(a daily job: its next hh:mm; a frequent one: so many minutes later). It is **late** once that
time plus its grace period has passed with no newer run. So a freshly started scheduler is never
blamed for a time before it started, and a scheduler that has stopped shows up as late jobs
within minutes (the outbox job runs every two). A job whose newest run **failed** is reported
until a run succeeds; one still **running** after its grace period is reported as stuck. With
no start of the scheduler ever recorded, the answer is "scheduler not running".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from improvement_tracker.jobs import runs
from improvement_tracker.jobs.timetable import TIMETABLE, Job
from improvement_tracker.models import JobRun
from improvement_tracker.models.jobs import SCHEDULER
from improvement_tracker.services import clock

STATE_LABELS = {"ok": "On time", "waiting": "Not run yet", "running": "Running", "late": "Late",
                "stuck": "Stuck", "failed": "Failed"}


def _when(moment: datetime) -> str:
    local = clock.to_london(moment)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


@dataclass(frozen=True)
class JobStatus:
    job: Job
    last_run: JobRun | None
    next_due: datetime | None  # naive UTC
    state: str
    problem: str | None = None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class SchedulerStatus:
    started_at: datetime | None  # the scheduler's newest start (naive UTC)
    process: str | None
    jobs: list[JobStatus] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.started_at is not None

    @property
    def problems(self) -> list[JobStatus]:
        return [s for s in self.jobs if s.problem is not None]

    @property
    def healthy(self) -> bool:
        return self.running and not self.problems


def job_status(job: Job, last: JobRun | None, scheduler_started_at: datetime | None, now: datetime) -> JobStatus:
    """One job's state at ``now`` (naive UTC), from its newest run and the scheduler's newest start."""
    references = [t for t in (last.started_at if last else None, scheduler_started_at) if t is not None]
    next_due = job.schedule.next_after(max(references)) if references else None
    if last is not None and last.outcome == "running" and now - last.started_at > job.grace:
        return JobStatus(job, last, next_due, "stuck", f"{job.name} has been running since {_when(last.started_at)}")
    if next_due is not None and now >= next_due + job.grace:
        return JobStatus(job, last, next_due, "late",
                         f"{job.name} is late: it was due at {_when(next_due)} and has not run since")
    if last is not None and last.outcome == "failed":
        return JobStatus(job, last, next_due, "failed",
                         f"{job.name} failed at {_when(last.started_at)}: {last.error or 'no reason recorded'}")
    if last is None:
        return JobStatus(job, None, next_due, "waiting")
    return JobStatus(job, last, next_due, "running" if last.outcome == "running" else "ok")


def check(session: Session, now: datetime) -> SchedulerStatus:
    """Every job's state at ``now`` (naive UTC; pass it, so tests and monitors agree on the time)."""
    newest = runs.latest(session)
    start = newest.get(SCHEDULER)
    started_at = start.started_at if start else None
    return SchedulerStatus(started_at, start.process if start else None,
                           [job_status(job, newest.get(job.name), started_at, now) for job in TIMETABLE])
