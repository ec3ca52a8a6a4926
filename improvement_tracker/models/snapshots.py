from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from improvement_tracker.extensions import db
from improvement_tracker.models._types import utcnow


class ProgressSnapshot(db.Model):
    """One row per (day, force, pillar): the plan's state that day. The source of trend charts."""

    __tablename__ = "progress_snapshots"
    __table_args__ = (
        UniqueConstraint("day", "force_id", "pillar_id", name="uq_progress_snapshots_day_force_pillar"),
        Index("ix_progress_snapshots_force_id_day", "force_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillars.id"))
    actions: Mapped[int] = mapped_column(Integer, default=0)
    not_started: Mapped[int] = mapped_column(Integer, default=0)
    in_progress: Mapped[int] = mapped_column(Integer, default=0)
    awaiting_sign_off: Mapped[int] = mapped_column(Integer, default=0)
    complete: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)
    closed_not_needed: Mapped[int] = mapped_column(Integer, default=0)
    red: Mapped[int] = mapped_column(Integer, default=0)
    amber: Mapped[int] = mapped_column(Integer, default=0)
    green: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    milestones: Mapped[int] = mapped_column(Integer, default=0)
    milestones_due: Mapped[int] = mapped_column(Integer, default=0)
    milestones_done: Mapped[int] = mapped_column(Integer, default=0)
    evidence_submitted: Mapped[int] = mapped_column(Integer, default=0)
    evidence_accepted: Mapped[int] = mapped_column(Integer, default=0)
    # True when rebuilt from history rather than recorded on the day.
    backfilled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommitmentSnapshot(db.Model):
    """One row per (day, published commitment): where its forces stood that day. The source of the
    commitment's completion trend."""

    __tablename__ = "commitment_snapshots"
    __table_args__ = (
        UniqueConstraint("day", "commitment_id", name="uq_commitment_snapshots_day_commitment"),
        Index("ix_commitment_snapshots_commitment_id_day", "commitment_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"))
    forces: Mapped[int] = mapped_column(Integer, default=0)  # carrying it that day
    not_started: Mapped[int] = mapped_column(Integer, default=0)
    in_progress: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)
    awaiting_sign_off: Mapped[int] = mapped_column(Integer, default=0)
    # Signed off by the force: awaiting the national team's confirmation, or confirmed.
    awaiting_confirmation: Mapped[int] = mapped_column(Integer, default=0)
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    backfilled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
