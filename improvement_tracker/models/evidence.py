from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from improvement_tracker.extensions import db
from improvement_tracker.models._types import utcnow
from improvement_tracker.models.plans import Action, Milestone
from improvement_tracker.models.users import User

REVIEW_STATES = ("submitted", "accepted", "rejected")
SCAN_STATES = ("not_scanned", "clean")


class Evidence(db.Model):
    """One uploaded file on an action (optionally for one of its milestones).

    Never hard-deleted by a user: withdrawing it hides it from the action and keeps the row
    (who, when, why, hash); only an administrator purges the stored bytes, and the row says so.
    """

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("storage_key", name="uq_evidence_storage_key"),
        CheckConstraint("review_state IN ('submitted', 'accepted', 'rejected')", name="review_state"),
        CheckConstraint("scan_state IN ('not_scanned', 'clean')", name="scan_state"),
        CheckConstraint("review_state != 'rejected' OR review_reason IS NOT NULL", name="reason_for_rejected"),
        CheckConstraint("withdrawn_at IS NULL OR withdrawal_reason IS NOT NULL", name="reason_for_withdrawn"),
        CheckConstraint("purged_at IS NULL OR withdrawn_at IS NOT NULL", name="purged_only_when_withdrawn"),
        CheckConstraint("size_bytes > 0", name="not_empty"),
        Index("ix_evidence_action_id_uploaded_at", "action_id", "uploaded_at"),
        Index("ix_evidence_action_id_sha256", "action_id", "sha256"),
        Index("ix_evidence_force_id_review_state", "force_id", "review_state"),
        # One live copy of a file per action, whatever arrives at once (a double click, two tabs).
        Index("uq_evidence_action_id_sha256_live", "action_id", "sha256", unique=True,
              sqlite_where=text("withdrawn_at IS NULL"), postgresql_where=text("withdrawn_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Copied from the action so the force's lists are one indexed filter.
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # For display only: never used to build a path.
    original_filename: Mapped[str] = mapped_column(String(255))
    # Generated; where the bytes live in the storage backend.
    storage_key: Mapped[str] = mapped_column(String(64))
    # Decided from the bytes: a short code ("pdf", "docx", ...) and the MIME type served.
    file_type: Mapped[str] = mapped_column(String(8))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    scan_state: Mapped[str] = mapped_column(String(16), default="not_scanned")

    review_state: Mapped[str] = mapped_column(String(16), default="submitted")
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]

    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    purged_at: Mapped[datetime | None]
    purged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    purge_reason: Mapped[str | None] = mapped_column(Text)

    action: Mapped[Action] = relationship()
    milestone: Mapped[Milestone | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id], lazy="joined")
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    purged_by: Mapped[User | None] = relationship(foreign_keys=[purged_by_id])
    # Reviews and withdrawals say which version they read (as the plan's tables do).
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def is_image(self) -> bool:
        return self.file_type in ("png", "jpeg")

    @property
    def live(self) -> bool:
        return self.withdrawn_at is None
