"""Outcome figures: the catalogue of measures, a force's figures for a quarter and its 2019 baseline,
saved with their history (every change an audit event, old → new), and the values a page shows,
rates included (worked out by services.outcome_rules, never typed). Aggregates only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker.models import Force, OutcomeBaseline, OutcomeFigure, OutcomeMeasure, ReportingPeriod, User
from improvement_tracker.services import audit, outcome_rules, reporting_periods
from improvement_tracker.services.audit import ServiceError


def catalogue(session: Session) -> list[OutcomeMeasure]:
    return list(session.scalars(select(OutcomeMeasure).order_by(OutcomeMeasure.display_order)))


def is_derived(measure: OutcomeMeasure) -> bool:
    return measure.numerator_code is not None


def with_rates(measures: list[OutcomeMeasure], typed: Mapping[str, Decimal | None]) -> dict[str, Decimal | None]:
    """Every measure's value: the typed ones as given, each rate worked out from its parts."""
    values: dict[str, Decimal | None] = {m.code: typed.get(m.code) for m in measures if not is_derived(m)}
    for measure in measures:
        if is_derived(measure):
            values[measure.code] = outcome_rules.rate(typed.get(measure.numerator_code),
                                                      typed.get(measure.denominator_code))
    return values


def problems(measures: list[OutcomeMeasure], typed: Mapping[str, Decimal | None]) -> dict[str, str]:
    """Each measure code whose value cannot be stored, with why (its name leads the message)."""
    by_code = {m.code: m for m in measures}
    found: dict[str, str] = {}
    for code, value in typed.items():
        measure = by_code.get(code)
        if measure is None:
            found[code] = f"{code} is not a measure"
        elif value is not None and (problem := outcome_rules.typed_problem(measure.unit, is_derived(measure), value)):
            found[code] = f"{measure.name} {problem}"
    for measure in measures:
        if is_derived(measure) and measure.numerator_code not in found:
            numerator, denominator = typed.get(measure.numerator_code), typed.get(measure.denominator_code)
            if outcome_rules.parts_problem(numerator, denominator):
                found[measure.numerator_code] = (f"{by_code[measure.numerator_code].name} cannot be more than "
                                                 f"{by_code[measure.denominator_code].name.lower()}")
    return found


def quarter_figures(session: Session, force: Force, period: ReportingPeriod) -> dict[str, Decimal | None]:
    """The typed figures a force has stored for a quarter, by measure code."""
    return {f.measure.code: f.value for f in session.scalars(select(OutcomeFigure).where(
        OutcomeFigure.force_id == force.id, OutcomeFigure.period_id == period.id))}


def baseline(session: Session, force: Force) -> dict[str, Decimal | None]:
    return {b.measure.code: b.value for b in session.scalars(
        select(OutcomeBaseline).where(OutcomeBaseline.force_id == force.id))}


def _text(value: Decimal | None) -> str | None:
    """A figure as the history shows it: 9, not 9.0; 123.5 as it is."""
    return None if value is None else f"{Decimal(value).normalize():f}"


def _saved(session: Session, rows: dict[str, OutcomeFigure | OutcomeBaseline], measures: list[OutcomeMeasure],
           typed: Mapping[str, Decimal | None], make, actor: User | None) -> dict[str, list]:
    """Insert, change or remove each typed value; {code: [old, new]} for those that changed."""
    changes: dict[str, list] = {}
    for measure in measures:
        if is_derived(measure) or measure.code not in typed:
            continue
        new, row = typed[measure.code], rows.get(measure.code)
        old = row.value if row is not None else None
        if new is not None and old is not None and Decimal(old) == new:
            continue
        if new is None and row is None:
            continue
        if row is None:
            session.add(make(measure, new))
        elif new is None:
            session.delete(row)
        else:
            row.value, row.entered_by_id = new, actor.id if actor else None
        changes[measure.code] = [_text(old), _text(new)]
    session.flush()  # a second writer of the same figure meets the unique key or the row version
    return changes


def save_quarter(session: Session, force: Force, period: ReportingPeriod, typed: Mapping[str, Decimal | None],
                 actor: User | None, today: date) -> dict[str, list]:
    """A force's figures for an ended quarter: all stored or, if any is wrong, none."""
    if not reporting_periods.submittable(period, today):
        raise ServiceError(f"{reporting_periods.label(period)} has not ended yet, so it has no figures")
    measures = catalogue(session)
    if found := problems(measures, typed):
        code, message = next(iter(found.items()))
        raise ServiceError(message, code)
    rows = {f.measure.code: f for f in session.scalars(select(OutcomeFigure).where(
        OutcomeFigure.force_id == force.id, OutcomeFigure.period_id == period.id))}

    def make(measure: OutcomeMeasure, value: Decimal) -> OutcomeFigure:
        return OutcomeFigure(force_id=force.id, period_id=period.id, measure_id=measure.id, value=value,
                             entered_by_id=actor.id if actor else None)

    changes = _saved(session, rows, measures, typed, make, actor)
    if changes:
        audit.record(session, actor, "outcomes.figures_saved", "outcome_figures", period.id, force_id=force.id,
                     changes=changes, summary=f"{reporting_periods.label(period)} outcome figures")
    return changes


def save_baseline(session: Session, force: Force, typed: Mapping[str, Decimal | None],
                  actor: User | None) -> dict[str, list]:
    """A force's 2019 quarterly averages: all stored or, if any is wrong, none."""
    measures = catalogue(session)
    if found := problems(measures, typed):
        code, message = next(iter(found.items()))
        raise ServiceError(message, code)
    rows = {b.measure.code: b for b in session.scalars(
        select(OutcomeBaseline).where(OutcomeBaseline.force_id == force.id))}

    def make(measure: OutcomeMeasure, value: Decimal) -> OutcomeBaseline:
        return OutcomeBaseline(force_id=force.id, measure_id=measure.id, value=value,
                               entered_by_id=actor.id if actor else None)

    changes = _saved(session, rows, measures, typed, make, actor)
    if changes:
        audit.record(session, actor, "outcomes.baseline_saved", "outcome_baseline", force.id, force_id=force.id,
                     changes=changes, summary="2019 baseline of outcome figures")
    return changes
