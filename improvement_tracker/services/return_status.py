"""Where each force's return for each quarter stands: the one rule for a return's status, and the
national returns grid and each force's list of quarters that use it (pages and downloads alike).

| status       | when                                                                       |
|--------------|----------------------------------------------------------------------------|
| reviewed     | the newest submitted version has been marked reviewed                      |
| resubmitted  | a correction (version 2 or later) is the newest, not yet reviewed           |
| submitted    | version 1 is the newest, not yet reviewed                                  |
| overdue      | nothing submitted and the due date has passed                              |
| draft        | a draft has been started, nothing submitted, not yet due                   |
| not_started  | no draft yet, not yet due                                                  |
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from improvement_tracker.models import Force, QuarterlyReturn, ReportingPeriod
from improvement_tracker.models.returns import ReturnVersion
from improvement_tracker.services import reporting_periods
from improvement_tracker.services.dashboards.common import Filters
from improvement_tracker.services.tables import Table

STATUSES = ("not_started", "draft", "submitted", "resubmitted", "reviewed", "overdue")
STATUS_LABELS = {"not_started": "Not started", "draft": "Draft", "submitted": "Submitted",
                 "resubmitted": "Resubmitted", "reviewed": "Reviewed", "overdue": "Overdue"}
# GOV.UK tag colours: the status is in the words too, never only in the colour.
STATUS_TAG_CLASSES = {"not_started": "govuk-tag--grey", "draft": "govuk-tag--blue", "submitted": "govuk-tag--turquoise",
                      "resubmitted": "govuk-tag--purple", "reviewed": "govuk-tag--green", "overdue": "govuk-tag--red"}
COLUMNS_SHOWN = 4


def status(latest_version: int, reviewed: bool, started: bool, period: ReportingPeriod, today: date) -> str:
    if latest_version:
        if reviewed:
            return "reviewed"
        return "resubmitted" if latest_version > 1 else "submitted"
    if reporting_periods.is_overdue(period, today):
        return "overdue"
    return "draft" if started else "not_started"


def status_of(quarterly_return: QuarterlyReturn | None, latest: ReturnVersion | None, period: ReportingPeriod,
              today: date) -> str:
    return status(quarterly_return.latest_version if quarterly_return else 0,
                  latest is not None and latest.reviewed_at is not None, quarterly_return is not None, period, today)


def _states(session: Session, periods: list[ReportingPeriod], force_ids: list[int] | None = None
            ) -> dict[tuple[int, int], tuple[int, bool, bool]]:
    """(force, period) → (newest version, newest reviewed, started), in one query."""
    query = (select(QuarterlyReturn.force_id, QuarterlyReturn.period_id, QuarterlyReturn.latest_version,
                    ReturnVersion.reviewed_at)
             .outerjoin(ReturnVersion, and_(ReturnVersion.return_id == QuarterlyReturn.id,
                                            ReturnVersion.number == QuarterlyReturn.latest_version))
             .where(QuarterlyReturn.period_id.in_([p.id for p in periods])))
    if force_ids is not None:
        query = query.where(QuarterlyReturn.force_id.in_(force_ids))
    return {(force_id, period_id): (latest, reviewed_at is not None, True)
            for force_id, period_id, latest, reviewed_at in session.execute(query)}


@dataclass
class Grid:
    periods: list[ReportingPeriod]
    forces: list[Force]
    cells: dict[tuple[int, int], str]  # (force id, period id) → status
    counts: dict[int, Counter]  # period id → status → forces
    table: Table


def national_grid(session: Session, today: date, filters: Filters, periods: list[ReportingPeriod] | None = None
                  ) -> Grid:
    """Forces × the newest quarters whose drafts have opened, each cell a status."""
    periods = periods if periods is not None else reporting_periods.opened(session, today, COLUMNS_SHOWN)
    forces = [f for f in session.scalars(select(Force).order_by(Force.name)) if filters.matches(f.cohort, f.country)]
    states = _states(session, periods) if periods else {}
    cells: dict[tuple[int, int], str] = {}
    counts: dict[int, Counter] = {p.id: Counter() for p in periods}
    table = Table("returns", "Quarterly returns by force", ["Force", *(reporting_periods.label(p) for p in periods)])
    for force in forces:
        row, links = [force.name], {0: ("returns.force_returns", {"code": force.code})}
        for column, period in enumerate(periods, start=1):
            latest, reviewed, started = states.get((force.id, period.id), (0, False, False))
            found = status(latest, reviewed, started, period, today)
            cells[(force.id, period.id)] = found
            counts[period.id][found] += 1
            row.append(STATUS_LABELS[found])
            if started:
                links[column] = ("returns.view", {"code": force.code, "period": reporting_periods.slug(period)})
        table.add(row, links)
    return Grid(periods, forces, cells, counts, table)


@dataclass(frozen=True)
class GridPage:
    """What the national returns page keeps: how many quarters it shows, and its tables' markup."""

    periods_shown: int
    markup: str


@dataclass(frozen=True)
class ForceQuarter:
    period: ReportingPeriod
    status: str
    latest_version: int


def force_quarters(session: Session, force: Force, today: date) -> list[ForceQuarter]:
    """Every quarter whose drafts have opened, newest first, with where the force's return stands."""
    periods = reporting_periods.opened(session, today)
    states = _states(session, periods, [force.id]) if periods else {}
    result = []
    for period in periods:
        latest, reviewed, started = states.get((force.id, period.id), (0, False, False))
        result.append(ForceQuarter(period, status(latest, reviewed, started, period, today), latest))
    return result
