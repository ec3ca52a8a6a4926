"""Every force's outcome figures, read at once, and how figures combine across forces.

How a group of forces (England and Wales, the pathfinder cohort, the rest) is given one figure is
written once, here (docs/outcomes.md#across-forces):
- a count is the sum over the forces that gave it;
- a rate is worked out from the summed parts of the forces that gave both parts (pooled), never
  an average of the forces' rates;
- a median cannot be combined, so a group's figure is the middle of its forces' medians.
A group's figure against the 2019 average uses only the forces that gave both the quarter's
figure and a baseline, so a force joining or missing a quarter does not move the comparison.
A group's figure is shown only when at least MIN_FORCES forces gave it: a force's page shows
England and Wales, and from a total of two forces either could work out the other's figure before
it is published.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker.models import Force, OutcomeBaseline, OutcomeFigure, ReportingPeriod
from improvement_tracker.services import outcome_rules, outcomes

BASELINE = 0  # the key of a force's 2019 average where a period's id would be
MIN_FORCES = 3


@dataclass(frozen=True)
class Measure:
    """A measure as the pages read it: plain values, read thousands of times a page (an ORM
    attribute costs far more to read than a plain one)."""

    id: int
    code: str
    name: str
    unit: str
    better: str
    caveat: str
    numerator_code: str | None
    denominator_code: str | None


@dataclass(frozen=True)
class ForceRow:
    id: int
    code: str
    name: str
    cohort: str


@dataclass
class Figures:
    """The catalogue, the quarters that have any figure (oldest first) and every force's figures."""

    measures: list[Measure]
    periods: list[ReportingPeriod]
    forces: list[ForceRow]
    # (force id, period id or BASELINE) → {measure code: value}, typed measures only.
    typed: dict[tuple[int, int], dict[str, Decimal]] = field(default_factory=dict)
    _values: dict[tuple[int, int], dict[str, Decimal | None]] = field(default_factory=dict)
    # A group's figure and change, worked out once per page: a force's page asks for England and
    # Wales in every quarter of every measure.
    _combined: dict[tuple, tuple[Decimal | None, int]] = field(default_factory=dict)
    _combined_change: dict[tuple, outcome_rules.Change | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_code = {m.code: m for m in self.measures}
        self._by_quarter = {(p.financial_year, p.quarter): p for p in self.periods}

    def values(self, force_id: int, period_id: int) -> dict[str, Decimal | None]:
        """Every measure's figure for a force and quarter (or BASELINE), rates worked out."""
        key = (force_id, period_id)
        if key not in self._values:
            self._values[key] = outcomes.with_rates(self.measures, self.typed.get(key, {}))
        return self._values[key]

    def value(self, force_id: int, period_id: int, code: str) -> Decimal | None:
        return self.values(force_id, period_id).get(code)

    def year_before(self, period: ReportingPeriod) -> ReportingPeriod | None:
        return self._by_quarter.get((period.financial_year - 1, period.quarter))

    def latest(self) -> ReportingPeriod | None:
        return self.periods[-1] if self.periods else None

    # --- groups of forces ------------------------------------------------------------------

    def combined(self, code: str, period_id: int, force_ids: Iterable[int]) -> tuple[Decimal | None, int]:
        """A group's figure for a measure and quarter (or BASELINE), and how many forces it counts."""
        ids = tuple(force_ids)
        key = (code, period_id, ids)
        if key not in self._combined:
            value, giving = self._combine(code, period_id, ids)
            self._combined[key] = (value if giving >= MIN_FORCES else None, giving)
        return self._combined[key]

    def _combine(self, code: str, period_id: int, ids: tuple[int, ...]) -> tuple[Decimal | None, int]:
        measure = self.by_code[code]
        if outcomes.is_derived(measure):
            both = [self.typed.get((f, period_id), {}) for f in ids]
            both = [t for t in both if measure.numerator_code in t and measure.denominator_code in t]
            return (outcome_rules.rate(sum(t[measure.numerator_code] for t in both),
                                       sum(t[measure.denominator_code] for t in both)) if both else None,
                    len(both))
        given = [self.typed[(f, period_id)][code] for f in ids if code in self.typed.get((f, period_id), {})]
        if not given:
            return None, 0
        if measure.unit == "days":
            return outcome_rules.rounded(Decimal(statistics.median(given))), len(given)
        return sum(given), len(given)

    def combined_change(self, code: str, period_id: int, reference_id: int,
                        force_ids: Iterable[int]) -> outcome_rules.Change | None:
        """A group's quarter against its 2019 average (or another quarter), over the forces that
        gave figures for both."""
        ids = tuple(force_ids)
        key = (code, period_id, reference_id, ids)
        if key not in self._combined_change:
            self._combined_change[key] = self._change_of_group(code, period_id, reference_id, ids)
        return self._combined_change[key]

    def _change_of_group(self, code: str, period_id: int, reference_id: int,
                         force_ids: tuple[int, ...]) -> outcome_rules.Change | None:
        measure = self.by_code[code]
        parts = [measure.numerator_code, measure.denominator_code] if outcomes.is_derived(measure) else [code]
        both = [f for f in force_ids
                if all(p in self.typed.get((f, period_id), {}) and p in self.typed.get((f, reference_id), {})
                       for p in parts)]
        if len(both) < MIN_FORCES:
            return None
        now, _ = self.combined(code, period_id, both)
        then, _ = self.combined(code, reference_id, both)
        return outcome_rules.change(now, then, measure.unit)

    def change(self, force_id: int, code: str, period_id: int, reference_id: int) -> outcome_rules.Change | None:
        """A force's figure against its 2019 average (reference BASELINE) or another quarter."""
        return outcome_rules.change(self.value(force_id, period_id, code), self.value(force_id, reference_id, code),
                                    self.by_code[code].unit)


def load(session: Session) -> Figures:
    """Every force's figures and baselines in two queries (at national scale about 10,000 rows)."""
    measures = [Measure(m.id, m.code, m.name, m.unit, m.better, m.caveat, m.numerator_code, m.denominator_code)
                for m in outcomes.catalogue(session)]
    codes = {m.id: m.code for m in measures}
    typed: dict[tuple[int, int], dict[str, Decimal]] = {}
    period_ids = set()
    for force_id, period_id, measure_id, value in session.execute(select(
            OutcomeFigure.force_id, OutcomeFigure.period_id, OutcomeFigure.measure_id, OutcomeFigure.value)):
        typed.setdefault((force_id, period_id), {})[codes[measure_id]] = Decimal(value)
        period_ids.add(period_id)
    for force_id, measure_id, value in session.execute(select(
            OutcomeBaseline.force_id, OutcomeBaseline.measure_id, OutcomeBaseline.value)):
        typed.setdefault((force_id, BASELINE), {})[codes[measure_id]] = Decimal(value)
    periods = list(session.scalars(select(ReportingPeriod).where(ReportingPeriod.id.in_(period_ids)).order_by(
        ReportingPeriod.financial_year, ReportingPeriod.quarter))) if period_ids else []
    forces = [ForceRow(*row) for row in session.execute(
        select(Force.id, Force.code, Force.name, Force.cohort).order_by(Force.name))]
    return Figures(measures=measures, periods=periods, forces=forces, typed=typed)
