from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from improvement_tracker.extensions import db
from improvement_tracker.models._types import one_of, utcnow
from improvement_tracker.models.reference import Force, Pillar
from improvement_tracker.models.users import User

FINDING_TYPES = ("cause_of_concern", "recommendation", "area_for_improvement", "promising_practice")
PRIORITIES = ("high", "medium", "low")
STATUSES = ("not_started", "in_progress", "awaiting_sign_off", "complete", "blocked", "closed_not_needed")
CLOSED_STATUSES = ("complete", "closed_not_needed")
RAGS = ("red", "amber", "green")



class DeepDive(db.Model):
    __tablename__ = "deep_dives"

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(100))
    lead: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    force: Mapped[Force] = relationship()
    findings: Mapped[list["Finding"]] = relationship(
        back_populates="deep_dive", order_by="Finding.reference"
    )
    # Every UPDATE says which version it read (SQLAlchemy's version_id_col): a second writer that
    # read the same version changes nothing and is told so (views._helpers), never applied twice.
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": row_version}


class Finding(db.Model):
    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("force_id", "reference", name="uq_findings_force_id_reference"),
        CheckConstraint(one_of("type", FINDING_TYPES), name="type"),
        CheckConstraint(one_of("priority", PRIORITIES), name="priority"),
        Index("ix_findings_force_id_pillar_id", "force_id", "pillar_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deep_dive_id: Mapped[int] = mapped_column(ForeignKey("deep_dives.id"), index=True)
    # Copied from the deep dive so every scoped query is one indexed filter.
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillars.id"))
    reference: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(String(16), default="medium")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    deep_dive: Mapped[DeepDive] = relationship(back_populates="findings")
    force: Mapped[Force] = relationship()
    pillar: Mapped[Pillar] = relationship(lazy="joined")
    actions: Mapped[list["Action"]] = relationship(back_populates="finding", order_by="Action.reference")
    # Every UPDATE says which version it read (SQLAlchemy's version_id_col): a second writer that
    # read the same version changes nothing and is told so (views._helpers), never applied twice.
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": row_version}


class Action(db.Model):
    __tablename__ = "actions"
    __table_args__ = (
        UniqueConstraint("force_id", "reference", name="uq_actions_force_id_reference"),
        CheckConstraint(one_of("status", STATUSES), name="status"),
        CheckConstraint(one_of("priority", PRIORITIES), name="priority"),
        CheckConstraint(f"declared_rag IS NULL OR {one_of('declared_rag', RAGS)}", name="declared_rag"),
        CheckConstraint(
            "status NOT IN ('blocked', 'closed_not_needed') OR status_reason IS NOT NULL",
            name="reason_for_blocked_or_closed",
        ),
        Index("ix_actions_force_id_status", "force_id", "status"),
        Index("ix_actions_force_id_pillar_id", "force_id", "pillar_id"),
        Index("ix_actions_owner_id_status", "owner_id", "status"),
        Index("ix_actions_current_due_date", "current_due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), index=True)
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillars.id"))
    reference: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    success_measure: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    priority: Mapped[str] = mapped_column(String(16), default="medium")
    status: Mapped[str] = mapped_column(String(32), default="not_started")
    # Why it is blocked or closed as not needed; cleared when it moves on.
    status_reason: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None]
    original_due_date: Mapped[date | None]
    current_due_date: Mapped[date | None]
    completed_date: Mapped[date | None]
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Who asked for sign-off (four-eyes: they may not sign it off); cleared when it moves on.
    sign_off_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    declared_rag: Mapped[str | None] = mapped_column(String(8))
    declared_rag_reason: Mapped[str | None] = mapped_column(Text)
    declared_rag_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    declared_rag_at: Mapped[datetime | None]
    # When the current owner was given the action: the assignment email's key.
    assigned_at: Mapped[datetime | None]
    # Time of the newest progress update (or creation): read by RAG and stale reminders.
    last_update_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    force: Mapped[Force] = relationship()
    finding: Mapped[Finding | None] = relationship(back_populates="actions")
    pillar: Mapped[Pillar] = relationship(lazy="joined")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])
    sign_off_requested_by: Mapped[User | None] = relationship(foreign_keys=[sign_off_requested_by_id])
    declared_rag_by: Mapped[User | None] = relationship(foreign_keys=[declared_rag_by_id])
    milestones: Mapped[list["Milestone"]] = relationship(
        back_populates="action", order_by="Milestone.position"
    )
    due_date_changes: Mapped[list["DueDateChange"]] = relationship(
        back_populates="action", order_by="DueDateChange.changed_at.desc()"
    )
    # Every UPDATE says which version it read (SQLAlchemy's version_id_col): a second writer that
    # read the same version changes nothing and is told so (views._helpers), never applied twice.
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": row_version}


class DueDateChange(db.Model):
    """The re-plan history: every move of an action's due date, with the old date and why."""

    __tablename__ = "due_date_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), index=True)
    old_date: Mapped[date | None]
    new_date: Mapped[date | None]
    reason: Mapped[str] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    action: Mapped[Action] = relationship(back_populates="due_date_changes")
    changed_by: Mapped[User | None] = relationship(lazy="joined")


class Milestone(db.Model):
    __tablename__ = "milestones"
    __table_args__ = (
        Index("ix_milestones_action_id_position", "action_id", "position"),
        Index("ix_milestones_due_date", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date | None]
    completed_date: Mapped[date | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    action: Mapped[Action] = relationship(back_populates="milestones")
    # Every UPDATE says which version it read (SQLAlchemy's version_id_col): a second writer that
    # read the same version changes nothing and is told so (views._helpers), never applied twice.
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": row_version}


class ProgressUpdate(db.Model):
    """The plan's narrative: what happened, and the status change it records, if any."""

    __tablename__ = "progress_updates"
    __table_args__ = (Index("ix_progress_updates_action_id_created_at", "action_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    status_from: Mapped[str | None] = mapped_column(String(32))
    status_to: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
