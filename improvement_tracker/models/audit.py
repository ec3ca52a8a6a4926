from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from improvement_tracker.extensions import db
from improvement_tracker.models._types import utcnow
from improvement_tracker.models.users import User


class AuditEvent(db.Model):
    """One row per write: who did what to which object, with each changed field's old and new value."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_action_id_at", "action_id", "at"),
        Index("ix_audit_events_force_id_at", "force_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None]
    # Scope columns: which force's history and which action's history the event belongs to.
    force_id: Mapped[int | None] = mapped_column(ForeignKey("forces.id"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))
    summary: Mapped[str] = mapped_column(String(255), default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")
