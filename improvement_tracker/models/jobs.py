from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from improvement_tracker.extensions import db
from improvement_tracker.models._types import utcnow

JOB_OUTCOMES = ("running", "ok", "failed")
# The scheduler process's own start is kept as a run of this name (see jobs.runs).
SCHEDULER = "scheduler"


class JobRun(db.Model):
    """One run of a scheduled job: when it started and ended, how it went and what it did.

    A row is written as `running` before the work starts, so a run that dies half-way is seen.
    """

    __tablename__ = "job_runs"
    __table_args__ = (
        CheckConstraint("outcome IN ('running', 'ok', 'failed')", name="outcome"),
        Index("ix_job_runs_job_started_at", "job", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    # "schedule" (the scheduler), "command" (flask … from a shell) or "start" (the scheduler starting).
    trigger: Mapped[str] = mapped_column(String(16), default="schedule")
    # host:pid, so two scheduler processes started by mistake can be told apart.
    process: Mapped[str] = mapped_column(String(120), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(16), default="running")
    error: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
