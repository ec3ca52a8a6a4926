from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from improvement_tracker.extensions import db
from improvement_tracker.models._types import utcnow

COUNTRIES = ("england", "wales")
COHORTS = ("pathfinder", "expansion_2022", "national_2023")


class Force(db.Model):
    __tablename__ = "forces"
    __table_args__ = (
        CheckConstraint("country IN ('england', 'wales')", name="country"),
        CheckConstraint("cohort IN ('pathfinder', 'expansion_2022', 'national_2023')", name="cohort"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    country: Mapped[str] = mapped_column(String(16))
    cohort: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped in the same transaction as every change to the force's plan (services.plan_version):
    # what a page worked out from the plan is kept under it until it moves.
    plan_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<Force {self.code}>"


class Pillar(db.Model):
    __tablename__ = "pillars"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    display_order: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<Pillar {self.code}>"


class NationalVersion(db.Model):
    """One row: the version of every plan at once, bumped with any force's plan version."""

    __tablename__ = "national_version"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
