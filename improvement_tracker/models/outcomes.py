"""Outcome measures and each force's quarterly figures (docs/outcomes.md). Aggregates only: nothing
about any victim or case is ever stored."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from improvement_tracker.extensions import db
from improvement_tracker.models._types import one_of, utcnow

UNITS = ("count", "percentage", "days")
DIRECTIONS = ("higher", "lower", "neither")



class OutcomeMeasure(db.Model):
    """One measure of the catalogue. A rate names its parts and is never typed: it is worked out."""

    __tablename__ = "outcome_measures"
    __table_args__ = (
        CheckConstraint(one_of("unit", UNITS), name="unit"),
        CheckConstraint(one_of("better", DIRECTIONS), name="better"),
        CheckConstraint("(numerator_code IS NULL) = (denominator_code IS NULL)", name="both_parts_or_none"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(16))
    better: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(Text, default="")
    caveat: Mapped[str] = mapped_column(Text, default="")
    # A derived rate: numerator ÷ denominator, both measures' codes.
    numerator_code: Mapped[str | None] = mapped_column(String(40))
    denominator_code: Mapped[str | None] = mapped_column(String(40))
    display_order: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": row_version}


class OutcomeFigure(db.Model):
    """A force's figure for one typed measure and one quarter."""

    __tablename__ = "outcome_figures"
    __table_args__ = (
        UniqueConstraint("force_id", "period_id", "measure_id", name="uq_outcome_figures_force_period_measure"),
        CheckConstraint("value >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_periods.id"), index=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("outcome_measures.id"))
    value: Mapped[Decimal] = mapped_column(Numeric(12, 1))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    measure: Mapped[OutcomeMeasure] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": row_version}


class OutcomeBaseline(db.Model):
    """A force's 2019 quarterly average for one typed measure: what its quarters are compared with."""

    __tablename__ = "outcome_baselines"
    __table_args__ = (
        UniqueConstraint("force_id", "measure_id", name="uq_outcome_baselines_force_id_measure_id"),
        CheckConstraint("value >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    measure_id: Mapped[int] = mapped_column(ForeignKey("outcome_measures.id"))
    value: Mapped[Decimal] = mapped_column(Numeric(12, 1))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    measure: Mapped[OutcomeMeasure] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": row_version}
