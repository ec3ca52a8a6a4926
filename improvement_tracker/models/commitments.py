"""National commitments (docs/commitments.md): one action set by the national team, carried as a
linked action in the plan of every force it applies to, and tracked across them."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from improvement_tracker.extensions import db
from improvement_tracker.models._types import one_of, utcnow
from improvement_tracker.models.reference import Force, Pillar

APPLIES_TO = ("all", "cohort", "chosen")
STATES = ("draft", "published")
MEMBERSHIPS = ("active", "removed")
NATIONAL_STATES = ("confirmed",)
PROPOSAL_STATES = ("pending", "agreed", "refused")


class Commitment(db.Model):
    """What the national team asks of every force it applies to. A draft changes nothing."""

    __tablename__ = "commitments"
    __table_args__ = (
        CheckConstraint(one_of("applies_to", APPLIES_TO), name="applies_to"),
        CheckConstraint(one_of("state", STATES), name="state"),
        CheckConstraint("(applies_to = 'cohort') = (cohort IS NOT NULL)", name="cohort_when_applies_to_cohort"),
        CheckConstraint("state = 'draft' OR published_at IS NOT NULL", name="published_when_published"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillars.id"))
    success_measure: Mapped[str] = mapped_column(Text, default="")
    evidence_expected: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date]
    applies_to: Mapped[str] = mapped_column(String(8))
    cohort: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(12), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    pillar: Mapped[Pillar] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": row_version}


class CommitmentForce(db.Model):
    """A force a commitment applies to: chosen by name, or recorded when a commitment for all forces
    or a cohort is published or the force joins later. Its linked action is in the force's plan."""

    __tablename__ = "commitment_forces"
    __table_args__ = (
        UniqueConstraint("commitment_id", "force_id", name="uq_commitment_forces_commitment_id_force_id"),
        CheckConstraint(one_of("membership", MEMBERSHIPS), name="membership"),
        CheckConstraint(f"national_state IS NULL OR {one_of('national_state', NATIONAL_STATES)}",
                        name="national_state"),
        CheckConstraint("membership = 'active' OR removed_reason IS NOT NULL", name="reason_when_removed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"))
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"), unique=True)
    membership: Mapped[str] = mapped_column(String(8), default="active")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    removed_reason: Mapped[str | None] = mapped_column(Text)
    # The national team's confirmation of a completion the force signed off.
    national_state: Mapped[str | None] = mapped_column(String(12))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    force: Mapped[Force] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": row_version}


class CommitmentDateProposal(db.Model):
    """A force asks for a later due date on its linked action; the national team agrees or refuses.
    At most one proposal per force and commitment waits at a time."""

    __tablename__ = "commitment_date_proposals"
    __table_args__ = (
        CheckConstraint(one_of("state", PROPOSAL_STATES), name="state"),
        CheckConstraint("state = 'pending' OR decided_at IS NOT NULL", name="decided_when_decided"),
        CheckConstraint("state <> 'refused' OR decision_reason IS NOT NULL", name="reason_when_refused"),
        Index("uq_commitment_date_proposals_one_pending", "commitment_force_id", unique=True,
              sqlite_where=text("state = 'pending'"), postgresql_where=text("state = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_force_id: Mapped[int] = mapped_column(ForeignKey("commitment_forces.id"))
    proposed_due_date: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    member: Mapped[CommitmentForce] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": row_version}
