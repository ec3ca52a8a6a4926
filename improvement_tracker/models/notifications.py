from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from improvement_tracker.extensions import db
from improvement_tracker.models._types import utcnow
from improvement_tracker.models.users import User

NOTIFICATION_STATUSES = ("pending", "sending", "sent", "failed")


class Notification(db.Model):
    """One email: the outbox row while it waits, the ledger row once it is sent or has failed."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_notifications_recipient_id_created_at", "recipient_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sending_started_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recipient: Mapped[User] = relationship(lazy="joined")


class ReminderClaim(db.Model):
    """One reminder item (recipient, kind, item, threshold), claimed before it is sent.

    The UNIQUE dedupe key is what makes a reminder go once: a rerun, a catch-up or a second
    scheduler inserting the same key gets nothing.
    """

    __tablename__ = "reminder_claims"
    __table_args__ = (
        Index("ix_reminder_claims_action_id", "action_id"),
        Index("ix_reminder_claims_force_id_created_at", "force_id", "created_at"),
        Index("ix_reminder_claims_notification_id", "notification_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id"))
    force_id: Mapped[int | None] = mapped_column(ForeignKey("forces.id"))
    threshold: Mapped[str] = mapped_column(String(32), default="")
    # Why it was sent, as the email said it ("Due in 7 days (milestone: Course designed)").
    label: Mapped[str] = mapped_column(String(255), default="", server_default="")
    due_date: Mapped[date | None]
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recipient: Mapped[User] = relationship(lazy="joined")
    notification: Mapped[Notification | None] = relationship(lazy="joined")


class Setting(db.Model):
    """Settings an admin may change without a deploy (reminder thresholds)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
