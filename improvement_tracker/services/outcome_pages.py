"""The outcome pages' tables: a force's measures quarter by quarter against its 2019 average and
England and Wales, and the national picture (each measure's figure, forces ranked, the pathfinder
cohort against the rest, and progress beside outcomes). Every chart and download is drawn from
these same tables (services.tables), so the three always agree."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from improvement_tracker.models import Force, ProgressSnapshot, ReportingPeriod
from improvement_tracker.services import outcome_charts, outcome_figures, outcome_rules, plan_rules, reporting_periods
from improvement_tracker.services.dashboards.common import Dashboard
from improvement_tracker.services.outcome_figures import BASELINE, Figures, Measure
from improvement_tracker.services.reference_data import COHORT_LABELS
from improvement_tracker.services.tables import Table

PATHFINDER = "pathfinder"
MEASURE_CODE = re.compile(r"[a-z0-9_]{1,40}")
RECENT_QUARTERS = 12  # three years: each quarter beside the same quarter a year before, twice over
UNIT_SUFFIX = {"count": "", "percentage": " (%)", "days": " (days)"}
ASSOCIATION = ("This shows association, not cause: a force's plan being further on does not show that its "
               "plan moved its figures, and figures move for many reasons a plan does not touch.")
DIRECTION_WORDS = {"higher": "higher is better", "lower": "lower is better",
                   "neither": "neither higher nor lower is better in itself"}


def title(measure: Measure) -> str:
    return measure.name + UNIT_SUFFIX[measure.unit]


def _short(change: outcome_rules.Change | None) -> str:
    return change.short() if change else ""


def _shown(figures: Figures, value: Decimal | None, code: str) -> Any:
    shown = outcome_rules.shown(value, figures.by_code[code].unit)
    return "" if shown is None else shown


def _measure_link(measure: Measure) -> dict[int, Any]:
    return {0: ("outcome_measures.view", {"measure": measure.code})}


# --- a force ---------------------------------------------------------------------------------

def force_page(figures: Figures, force: Force, every_quarter: bool = False) -> Dashboard:
    """The force's latest quarter at a glance, then each measure quarter by quarter: the last
    RECENT_QUARTERS of them unless every quarter is asked for (a page of 11 tables of 30 quarters
    is heavy on a phone; the downloads follow the same choice)."""
    everyone = [f.id for f in figures.forces]
    tables: dict[str, Table] = {}
    periods = [p for p in figures.periods if (force.id, p.id) in figures.typed]
    if not every_quarter:
        periods = periods[-RECENT_QUARTERS:]
    mine = periods[-1] if periods else None
    if mine is not None:
        before = figures.year_before(mine)
        glance = Table("outcomes-latest", f"{reporting_periods.label(mine)} at a glance",
                       ["Measure", reporting_periods.label(mine), "Against the 2019 average",
                        f"Against {reporting_periods.label(before) if before else 'the year before'}",
                        "England and Wales"], numeric=frozenset({1, 4}))
        for measure in figures.measures:
            code = measure.code
            glance.add([title(measure), _shown(figures, figures.value(force.id, mine.id, code), code),
                        _short(figures.change(force.id, code, mine.id, BASELINE)),
                        _short(figures.change(force.id, code, mine.id, before.id) if before else None),
                        _shown(figures, figures.combined(code, mine.id, everyone)[0], code)],
                       _measure_link(measure))
        tables["outcomes-latest"] = glance
    for measure in figures.measures:
        code = measure.code
        baseline = _shown(figures, figures.value(force.id, BASELINE, code), code)
        table = Table(code, title(measure) + (f": 2019 average {baseline}" if baseline != "" else ""),
                      ["Quarter", force.name, "Against the 2019 average", "Against the year before",
                       "England and Wales", "England and Wales against the 2019 average"],
                      numeric=frozenset({1, 4}))
        for period in periods:
            before = figures.year_before(period)
            table.add([reporting_periods.label(period), _shown(figures, figures.value(force.id, period.id, code), code),
                       _short(figures.change(force.id, code, period.id, BASELINE)),
                       _short(figures.change(force.id, code, period.id, before.id) if before else None),
                       _shown(figures, figures.combined(code, period.id, everyone)[0], code),
                       _short(figures.combined_change(code, period.id, BASELINE, everyone))])
        tables[code] = table
    page = Dashboard(title=f"{force.name} outcomes", tables=tables)
    page.figures = {measure.code: outcome_charts.to_json(outcome_charts.force_measure(
        tables[measure.code], measure, baseline=figures.value(force.id, BASELINE, measure.code),
        with_national=measure.unit != "count")) for measure in figures.measures if tables[measure.code].rows}
    return page


# --- the nation ------------------------------------------------------------------------------

def _query(period: ReportingPeriod | reporting_periods.Quarter | None, measure: Measure) -> dict[str, str]:
    """A national page's query string: the measure, and the quarter when there is one."""
    found = {"measure": measure.code}
    if period is not None:
        found["period"] = reporting_periods.slug(period)
    return found


@dataclass(frozen=True)
class Choice:
    """The quarter and measure a national page is about (from its query string, checked)."""

    period: ReportingPeriod | None
    measure: Measure

    @property
    def args(self) -> dict[str, str]:
        return _query(self.period, self.measure)


def choose(figures: Figures, args: Mapping[str, str]) -> Choice:
    """The quarter asked for if it has figures, else the latest; the measure asked for, else the charge rate."""
    period = next((p for p in figures.periods if reporting_periods.slug(p) == args.get("period")), figures.latest())
    measure = figures.by_code.get(args.get("measure") or "") or figures.by_code["charge_rate"]
    return Choice(period, measure)


def _groups(figures: Figures) -> dict[str, list[int]]:
    pathfinders = [f.id for f in figures.forces if f.cohort == PATHFINDER]
    return {"England and Wales": [f.id for f in figures.forces], "Pathfinder forces": pathfinders,
            "Other forces": [f.id for f in figures.forces if f.cohort != PATHFINDER]}


def _summary(figures: Figures, period: ReportingPeriod) -> Table:
    groups = _groups(figures)
    before = figures.year_before(period)
    table = Table("outcomes-summary", f"England and Wales, {reporting_periods.label(period)}",
                  ["Measure", "England and Wales", "Against the 2019 average",
                   f"Against {reporting_periods.label(before) if before else 'the year before'}",
                   "Pathfinder forces", "Other forces", "Forces giving figures"], numeric=frozenset({1, 4, 5, 6}))
    for measure in figures.measures:
        code = measure.code
        nation, giving = figures.combined(code, period.id, groups["England and Wales"])
        table.add([title(measure), _shown(figures, nation, code),
                   _short(figures.combined_change(code, period.id, BASELINE, groups["England and Wales"])),
                   _short(figures.combined_change(code, period.id, before.id, groups["England and Wales"])
                          if before else None),
                   _shown(figures, figures.combined(code, period.id, groups["Pathfinder forces"])[0], code),
                   _shown(figures, figures.combined(code, period.id, groups["Other forces"])[0], code), giving],
                  _measure_link(measure))
    return table


def ranking_basis(measure: Measure) -> str:
    """What forces are ranked by: counts by their change against the force's own 2019 average (forces
    differ in size); rates and medians by the figure itself."""
    if measure.unit == "count":
        return "change against the force's 2019 average, since forces differ in size"
    return "the figure itself"


def _ranking(figures: Figures, period: ReportingPeriod, measure: Measure) -> Table:
    code = measure.code
    before = figures.year_before(period)
    ranked = []
    for force in figures.forces:
        value = figures.value(force.id, period.id, code)
        against = figures.change(force.id, code, period.id, BASELINE)
        key = (against.value if against else None) if measure.unit == "count" else value
        if key is not None:
            ranked.append((key, force, value, against))
    ranked.sort(key=lambda r: (-r[0] if measure.better != "lower" else r[0], r[1].name))
    table = Table("outcomes-ranking", f"Forces ranked: {title(measure)}, {reporting_periods.label(period)}",
                  ["Rank", "Force", "Cohort", "Figure", "Against the 2019 average",
                   f"Against {reporting_periods.label(before) if before else 'the year before'}"],
                  numeric=frozenset({0, 3}))
    for rank, (_key, force, value, against) in enumerate(ranked, start=1):
        table.add([rank, force.name, COHORT_LABELS.get(force.cohort, force.cohort), _shown(figures, value, code),
                   _short(against), _short(figures.change(force.id, code, period.id, before.id) if before else None)],
                  {1: ("outcomes.force", {"code": force.code})})
    return table


def _trend(figures: Figures, measure: Measure) -> Table:
    """Each quarter for the three groups: counts as a multiple of the 2019 average (groups differ in
    size), rates and medians as they are."""
    code, groups = measure.code, _groups(figures)
    as_multiple = measure.unit == "count"
    heading = f"{measure.name} against the 2019 average (×)" if as_multiple else title(measure)
    table = Table("outcomes-trend", f"Trend: {heading}", ["Quarter", *groups], numeric=frozenset({1, 2, 3}))
    for period in figures.periods:
        row: list[Any] = [reporting_periods.label(period)]
        for ids in groups.values():
            if as_multiple:
                change = figures.combined_change(code, period.id, BASELINE, ids)
                row.append(change.value if change else "")
            else:
                row.append(_shown(figures, figures.combined(code, period.id, ids)[0], code))
        table.add(row)
    return table


def plan_complete(session: Session, today: date) -> dict[int, int | None]:
    """Each force's % of its plan complete on the latest daily snapshot (docs/rules.md#percent-complete)."""
    latest = session.scalar(select(func.max(ProgressSnapshot.day)).where(ProgressSnapshot.day <= today))
    if latest is None:
        return {}
    rows = session.execute(select(ProgressSnapshot.force_id, func.sum(ProgressSnapshot.complete),
                                  func.sum(ProgressSnapshot.actions), func.sum(ProgressSnapshot.closed_not_needed))
                           .where(ProgressSnapshot.day == latest).group_by(ProgressSnapshot.force_id))
    return {force_id: plan_rules.percent_complete(complete=int(done), actions=int(actions),
                                                  closed_not_needed=int(closed))
            for force_id, done, actions, closed in rows}


def _progress(figures: Figures, period: ReportingPeriod, complete: dict[int, int | None]) -> Table:
    table = Table("outcomes-progress", f"Progress and outcomes, {reporting_periods.label(period)}",
                  ["Force", "Cohort", "% of plan complete", "Charge rate against 2019 (percentage points)",
                   "Referrals against the 2019 average (×)"], numeric=frozenset({2, 3, 4}))
    for force in figures.forces:
        rate = figures.change(force.id, "charge_rate", period.id, BASELINE)
        referrals = figures.change(force.id, "referrals", period.id, BASELINE)
        percent = complete.get(force.id)
        table.add([force.name, COHORT_LABELS.get(force.cohort, force.cohort), "" if percent is None else percent,
                   rate.value if rate else "", referrals.value if referrals else ""],
                  {0: ("outcomes.force", {"code": force.code})})
    return table


def national_page(figures: Figures, choice: Choice, complete: dict[int, int | None]) -> Dashboard:
    tables: dict[str, Table] = {}
    if choice.period is not None:
        tables["outcomes-summary"] = _summary(figures, choice.period)
        tables["outcomes-ranking"] = _ranking(figures, choice.period, choice.measure)
        tables["outcomes-trend"] = _trend(figures, choice.measure)
        tables["outcomes-progress"] = _progress(figures, choice.period, complete)
    page = Dashboard(title="Outcomes across England and Wales", tables=tables)
    if "outcomes-trend" in tables and tables["outcomes-trend"].rows:
        page.figures["outcomes-trend"] = outcome_charts.to_json(
            outcome_charts.trend(tables["outcomes-trend"], choice.measure))
    if "outcomes-progress" in tables:
        page.figures["outcomes-progress"] = outcome_charts.to_json(
            outcome_charts.progress(tables["outcomes-progress"]))
    return page


def quarters_with_figures(figures: Figures) -> list[ReportingPeriod]:
    return list(reversed(figures.periods))


def _quarter(period: ReportingPeriod | None) -> reporting_periods.Quarter | None:
    return None if period is None else reporting_periods.Quarter(period.financial_year, period.quarter)


@dataclass(frozen=True)
class NationalOutcomes:
    """The national outcomes page as kept between requests (services.kept): plain values only."""

    page: Dashboard
    period: reporting_periods.Quarter | None  # the quarter shown
    measure: Measure  # the measure ranked and trended
    quarters: list[reporting_periods.Quarter]  # every quarter with figures, newest first
    measures: list[Measure]

    @property
    def args(self) -> dict[str, str]:
        return _query(self.period, self.measure)


def asked(args: Mapping[str, str]) -> tuple[str, str]:
    """The quarter and measure a query string asks for, as a kept page's key: anything that cannot
    name one is nothing, so made-up values do not fill the keep with copies of the default page."""
    period = args.get("period") or ""
    measure = args.get("measure") or ""
    return (period if reporting_periods.parse_slug(period) else "",
            measure if MEASURE_CODE.fullmatch(measure) else "")


def national(session: Session, today: date, args: Mapping[str, str]) -> NationalOutcomes:
    figures = outcome_figures.load(session)
    choice = choose(figures, args)
    page = national_page(figures, choice, plan_complete(session, today))
    return NationalOutcomes(page, _quarter(choice.period), choice.measure,
                            [_quarter(p) for p in quarters_with_figures(figures)], figures.measures)


@dataclass(frozen=True)
class ForceOutcomes:
    """A force's outcomes page as kept between requests (services.kept): plain values only."""

    page: Dashboard
    measures: list[Measure]


def force(session: Session, force_row: Force, every_quarter: bool = False) -> ForceOutcomes:
    figures = outcome_figures.load(session)
    return ForceOutcomes(force_page(figures, force_row, every_quarter), figures.measures)

