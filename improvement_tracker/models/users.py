from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from improvement_tracker.extensions import db
from improvement_tracker.models._types import utcnow
from improvement_tracker.models.reference import Force

ROLES = ("admin", "oversight", "programme_manager", "action_owner")
FORCE_ROLES = ("programme_manager", "action_owner")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'oversight', 'programme_manager', 'action_owner')", name="role"
        ),
        CheckConstraint(
            "role IN ('admin', 'oversight') OR force_id IS NOT NULL", name="force_role_has_force"
        ),
        Index("ix_users_force_id_active", "force_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(32))
    force_id: Mapped[int | None] = mapped_column(ForeignKey("forces.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Rotated when the password changes or the account is deactivated, so old sessions die.
    session_token: Mapped[str] = mapped_column(String(64))
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    reminders_paused_until: Mapped[date | None]
    weekly_summary: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_signed_in_at: Mapped[datetime | None]

    force: Mapped[Force | None] = relationship(lazy="joined")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginAttempt(db.Model):
    """Failed and successful sign-ins, kept in the database so every worker sees the same count."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(default=utcnow)
