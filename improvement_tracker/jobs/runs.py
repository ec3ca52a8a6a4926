"""The record of every job run, and of each start of the scheduler process.

A run's row is committed as ``running`` before the work starts and finished as ``ok`` (with
what it did) or ``failed`` (with the error's type and message) after; a process that dies
half-way leaves ``running``, which the health check reports once it has gone on too long.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from improvement_tracker.jobs import Counts, Transaction
from improvement_tracker.models import JobRun
from improvement_tracker.models._types import utcnow
from improvement_tracker.models.jobs import SCHEDULER

log = logging.getLogger(__name__)
T = TypeVar("T")
# Runs are kept this long (the newest of each job always stays, however old).
KEEP_RUNS = timedelta(days=90)


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def start(session: Session, job: str, *, trigger: str = "schedule", now: datetime | None = None) -> int:
    run = JobRun(job=job, trigger=trigger, process=this_process(), started_at=now or utcnow(), outcome="running",
                 counts={})
    session.add(run)
    session.flush()
    return run.id


def finish(session: Session, run_id: int, *, counts: Counts | None = None, error: BaseException | None = None,
           now: datetime | None = None) -> None:
    values: dict = {"finished_at": now or utcnow(), "outcome": "ok" if error is None else "failed"}
    if counts is not None:
        values["counts"] = dict(counts)
    if error is not None:
        values["error"] = f"{type(error).__name__}: {error}"[:2000]
    session.execute(update(JobRun).where(JobRun.id == run_id).values(**values))


def record(transaction: Transaction, job: str, work: Callable[[], T], counts: Callable[[T], Counts], *,
           trigger: str | None = "schedule") -> T:
    """Run ``work`` as one recorded run of ``job`` and return what it returns, keeping
    ``counts(result)`` with the run. On failure the error is recorded and logged, then raised
    again for the caller (APScheduler logs it too; a command exits non-zero).

    ``trigger=None`` does the work without recording it: a command rehearsing another day is
    not the job's run, and must not make a missed one look done.
    """
    if trigger is None:
        return work()
    with transaction() as session:
        run_id = start(session, job, trigger=trigger)
    try:
        result = work()
    except Exception as error:
        with transaction() as session:
            finish(session, run_id, error=error)
        log.exception("job %s failed", job)
        raise
    with transaction() as session:
        finish(session, run_id, counts=counts(result))
    return result


def scheduler_started(session: Session, *, now: datetime | None = None) -> None:
    """The scheduler process has started: no job is late for a time before this."""
    moment = now or utcnow()
    session.add(JobRun(job=SCHEDULER, trigger="start", process=this_process(), started_at=moment,
                       finished_at=moment, outcome="ok", counts={}))


def latest(session: Session) -> dict[str, JobRun]:
    """The newest run of each job (and the newest start of the scheduler), by name."""
    newest = (select(JobRun.job, func.max(JobRun.id).label("id")).group_by(JobRun.job)).subquery()
    rows = session.scalars(select(JobRun).join(newest, newest.c.id == JobRun.id))
    return {run.job: run for run in rows}


def recent(session: Session, limit: int = 20) -> list[JobRun]:
    return list(session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(limit)))


def prune(session: Session, now: datetime, keep: timedelta = KEEP_RUNS) -> int:
    """Forget runs older than ``keep``, except the newest of each job (the page shows it)."""
    newest = select(func.max(JobRun.id)).group_by(JobRun.job)
    return session.execute(delete(JobRun).where(JobRun.started_at < now - keep, JobRun.id.not_in(newest))
                           ).rowcount
