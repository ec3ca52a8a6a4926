"""The latest reviewed quarterly-return assessments, shown beside the dashboards' live figures.

A force's latest reviewed assessment of a pillar is the national team's rating of that pillar on
the newest version marked reviewed of the force's return for the most recent period that has such
a version (docs/dashboards.md#latest-reviewed-assessments). Beside it: which quarter that is and
the force's own self-assessment in that version's frozen content, so a disagreement can be shown
in words. A version that is submitted (or assessed) but not yet marked reviewed shows nothing.

Read from the returns as they are, in a fixed number of queries however many forces are shown.
Every assessment and review is an audit event on the return's force, which bumps that force's
plan version and the national one; services.kept keys what it keeps of these by those versions,
so a review shows on both dashboards at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from improvement_tracker.models import Force, Pillar, QuarterlyReturn, ReportingPeriod, ReturnAssessment, ReturnVersion
from improvement_tracker.services import clock, reporting_periods, returns
from improvement_tracker.services.dashboards.common import Filters
from improvement_tracker.services.returns import ASSESSMENT_LABELS
from improvement_tracker.services.tables import Table

NATIONAL_TABLE = "latest-assessments"


@dataclass(frozen=True)
class PillarRating:
    """One pillar of a reviewed version: the national team's rating and the force's own."""

    code: str
    name: str
    national: str | None  # None: not assessed on that version (a pillar added since)
    own: str | None  # None: not in that version's content

    @property
    def differs(self) -> bool:
        return self.national is not None and self.own is not None and self.national != self.own

    @property
    def national_label(self) -> str:
        return ASSESSMENT_LABELS.get(self.national, "") if self.national else ""

    @property
    def own_label(self) -> str:
        return ASSESSMENT_LABELS.get(self.own, "") if self.own else ""


@dataclass(frozen=True)
class Reviewed:
    """A force's latest reviewed return version and its ratings, in today's pillar order."""

    force_id: int
    quarter: str  # "Q2 2026-27"
    version: int
    reviewed_on: date  # the London day it was marked reviewed
    pillars: tuple[PillarRating, ...]

    @property
    def differing(self) -> tuple[PillarRating, ...]:
        return tuple(p for p in self.pillars if p.differs)

    def pillar(self, code: str) -> PillarRating | None:
        return next((p for p in self.pillars if p.code == code), None)


def latest_reviewed(session: Session, force_ids: Sequence[int],
                    pillars: Sequence[tuple[int, str, str]]) -> dict[int, Reviewed]:
    """Each given force's latest reviewed version, by force id (a force with none is left out).

    Two queries whatever the number of forces: the newest reviewed version of the most recent
    period per force (a window over the reviewed versions), then those versions' assessments.
    ``pillars``: (id, code, name) in display order.
    """
    if not force_ids:
        return {}
    newest_first = func.row_number().over(
        partition_by=QuarterlyReturn.force_id,
        order_by=(ReportingPeriod.starts_on.desc(), ReturnVersion.number.desc()))
    ranked = (select(ReturnVersion.id.label("version_id"), newest_first.label("rank"))
              .join(QuarterlyReturn, QuarterlyReturn.id == ReturnVersion.return_id)
              .join(ReportingPeriod, ReportingPeriod.id == QuarterlyReturn.period_id)
              .where(ReturnVersion.reviewed_at.is_not(None), QuarterlyReturn.force_id.in_(list(force_ids)))
              .subquery())
    rows = session.execute(
        select(ReturnVersion, QuarterlyReturn.force_id, ReportingPeriod.financial_year, ReportingPeriod.quarter)
        .join(ranked, ranked.c.version_id == ReturnVersion.id)
        .join(QuarterlyReturn, QuarterlyReturn.id == ReturnVersion.return_id)
        .join(ReportingPeriod, ReportingPeriod.id == QuarterlyReturn.period_id)
        .where(ranked.c.rank == 1)).all()
    if not rows:
        return {}
    ratings: dict[int, dict[int, str]] = {}
    for version_id, pillar_id, rating in session.execute(
            select(ReturnAssessment.version_id, ReturnAssessment.pillar_id, ReturnAssessment.rating)
            .where(ReturnAssessment.version_id.in_([row[0].id for row in rows]))):
        ratings.setdefault(version_id, {})[pillar_id] = rating
    found = {}
    for version, force_id, financial_year, quarter in rows:
        own = {p.get("code"): p.get("assessment") or None for p in returns.content(version).get("pillars", [])}
        national = ratings.get(version.id, {})
        found[force_id] = Reviewed(
            force_id, reporting_periods.label(reporting_periods.Quarter(financial_year, quarter)), version.number,
            clock.london_date(version.reviewed_at),
            tuple(PillarRating(code, name, national.get(pillar_id), own.get(code))
                  for pillar_id, code, name in pillars))
    return found


def _pillars(session: Session) -> list[tuple[int, str, str]]:
    return [tuple(row) for row in session.execute(
        select(Pillar.id, Pillar.code, Pillar.name).order_by(Pillar.display_order))]


def for_force(session: Session, force: Force) -> Reviewed | None:
    """One force's latest reviewed return (three queries), or None when none is reviewed yet."""
    return latest_reviewed(session, [force.id], _pillars(session)).get(force.id)


def national_cell(rating: PillarRating) -> str:
    """The national rating, with the force's own after it in words where the two differ."""
    if rating.differs:
        return f"{rating.national_label} (force said {rating.own_label})"
    return rating.national_label


def own_cell(rating: PillarRating) -> str:
    """The force's self-assessment, marked in words where it differs from the national rating."""
    if rating.differs:
        return f"{rating.own_label} (differs)"
    return rating.own_label


def national_table(session: Session, filters: Filters) -> Table:
    """Forces (in name order, as filtered) × pillars: each cell the latest reviewed national rating.

    Four queries: forces, pillars, and latest_reviewed's two. Forces with no reviewed return are
    left out.
    """
    query = select(Force.id, Force.code, Force.name).order_by(Force.name)
    if filters.cohort:
        query = query.where(Force.cohort == filters.cohort)
    if filters.country:
        query = query.where(Force.country == filters.country)
    forces = session.execute(query).all()
    pillars = _pillars(session)
    reviewed = latest_reviewed(session, [f.id for f in forces], pillars)
    table = Table(NATIONAL_TABLE, "Latest reviewed national assessment of each pillar, by force",
                  ["Force", "Quarter", *[code for _, code, _ in pillars]])
    for force_id, code, name in forces:
        found = reviewed.get(force_id)
        if found is None:
            continue
        table.add([name, found.quarter, *[national_cell(p) for p in found.pillars]],
                  {0: ("dashboards.force", {"code": code})})
    return table
