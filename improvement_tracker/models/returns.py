"""Quarterly returns: the reporting periods, each force's return for a period, its frozen versions
and the national team's assessments, questions and review of them (docs/returns.md)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from improvement_tracker.extensions import db
from improvement_tracker.models._types import one_of, utcnow
from improvement_tracker.models.reference import Force, Pillar
from improvement_tracker.models.users import User

ASSESSMENTS = ("on_track", "at_risk", "off_track")
# A return is a draft until its first submission; "correcting" is a draft of the next version.
RETURN_STATES = ("draft", "submitted", "correcting")



class ReportingPeriod(db.Model):
    """A quarter of the financial year (Q1 April–June … Q4 January–March) and when returns are due."""

    __tablename__ = "reporting_periods"
    __table_args__ = (
        UniqueConstraint("financial_year", "quarter", name="uq_reporting_periods_financial_year_quarter"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The calendar year the financial year starts in: 2026 is April 2026 to March 2027.
    financial_year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    returns_due_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": row_version}


class QuarterlyReturn(db.Model):
    """One force's return for one period: the draft (its sections) and, once submitted, its versions."""

    __tablename__ = "quarterly_returns"
    __table_args__ = (
        UniqueConstraint("force_id", "period_id", name="uq_quarterly_returns_force_id_period_id"),
        CheckConstraint(one_of("state", RETURN_STATES), name="state"),
        Index("ix_quarterly_returns_period_id", "period_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_periods.id"))
    state: Mapped[str] = mapped_column(String(16), default="draft")
    # The newest submitted version's number (0 before the first submission).
    latest_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    force: Mapped[Force] = relationship(lazy="joined")
    period: Mapped[ReportingPeriod] = relationship(lazy="joined")
    sections: Mapped[list["ReturnSection"]] = relationship(back_populates="quarterly_return")
    versions: Mapped[list["ReturnVersion"]] = relationship(back_populates="quarterly_return",
                                                           order_by="ReturnVersion.number")

    __mapper_args__ = {"version_id_col": row_version}


class ReturnSection(db.Model):
    """The draft's words for one pillar: the force's self-assessment and its three narratives."""

    __tablename__ = "return_sections"
    __table_args__ = (
        UniqueConstraint("return_id", "pillar_id", name="uq_return_sections_return_id_pillar_id"),
        CheckConstraint(f"assessment IS NULL OR {one_of('assessment', ASSESSMENTS)}", name="assessment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("quarterly_returns.id"))
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillars.id"))
    assessment: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    help_needed: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    quarterly_return: Mapped[QuarterlyReturn] = relationship(back_populates="sections")
    pillar: Mapped[Pillar] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": row_version}


class ReturnVersion(db.Model):
    """A submitted return: its content (canonical JSON) and that content's SHA-256 never change.

    Only the review columns are written after it is made, once each (services.return_reviews).
    """

    __tablename__ = "return_versions"
    __table_args__ = (
        UniqueConstraint("return_id", "number", name="uq_return_versions_return_id_number"),
        CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("quarterly_returns.id"))
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    # Why a correction was made; None for the first version.
    reason: Mapped[str | None] = mapped_column(Text)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    quarterly_return: Mapped[QuarterlyReturn] = relationship(back_populates="versions")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id], lazy="joined")
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id], lazy="joined")

    __mapper_args__ = {"version_id_col": row_version}


class ReturnAssessment(db.Model):
    """The national team's assessment of one pillar of one version."""

    __tablename__ = "return_assessments"
    __table_args__ = (
        UniqueConstraint("version_id", "pillar_id", name="uq_return_assessments_version_id_pillar_id"),
        CheckConstraint(one_of("rating", ASSESSMENTS), name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("return_versions.id"))
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillars.id"))
    rating: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    pillar: Mapped[Pillar] = relationship(lazy="joined")
    assessed_by: Mapped[User | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": row_version}


class ReturnQuestion(db.Model):
    """A question the national team asks about one version (optionally one pillar), and its answer."""

    __tablename__ = "return_questions"
    __table_args__ = (Index("ix_return_questions_version_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("return_versions.id"))
    pillar_id: Mapped[int | None] = mapped_column(ForeignKey("pillars.id"))
    question: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    pillar: Mapped[Pillar | None] = relationship(lazy="joined")
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id], lazy="joined")
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id], lazy="joined")

    __mapper_args__ = {"version_id_col": row_version}
