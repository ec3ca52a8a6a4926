"""Outcome figures: the catalogue of measures, a force's figures for a quarter and its 2019 baseline,
saved with their history (every change an audit event, old → new), and the values a page shows,
rates included (worked out by services.outcome_rules, never typed). Aggregates only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker.models import (
    AuditEvent,
    Force,
    OutcomeBaseline,
    OutcomeFigure,
    OutcomeMeasure,
    ReportingPeriod,
    User,
)
from improvement_tracker.services import audit, outcome_rules, reporting_periods
from improvement_tracker.services.audit import ServiceError

# The first financial year a quarter's figures may be given for: 2019 itself is the baseline.
EARLIEST_YEAR = 2019
# The key of an audit event's changes that carries the reason a published quarter was revised.
REASON = "reason"
FIGURE_EVENTS = ("outcomes.figures_saved", "outcomes.baseline_saved")


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


def problems(measures: list[OutcomeMeasure], typed: Mapping[str, Decimal | None],
             stored: Mapping[str, Decimal | None] | None = None) -> dict[str, str]:
    """Each measure code whose value cannot be stored, with why (its name leads the message). A part
    is checked against its whole as they will stand: what is typed over what is ``stored``."""
    by_code = {m.code: m for m in measures}
    standing = {**(stored or {}), **typed}
    found: dict[str, str] = {}
    for code, value in typed.items():
        measure = by_code.get(code)
        if measure is None:
            found[code] = f"{code} is not a measure"
        elif value is not None and (problem := outcome_rules.typed_problem(measure.unit, is_derived(measure), value)):
            found[code] = f"{measure.name} {problem}"
    for measure in measures:
        if is_derived(measure) and measure.numerator_code not in found:
            numerator, denominator = standing.get(measure.numerator_code), standing.get(measure.denominator_code)
            if outcome_rules.parts_problem(numerator, denominator):
                blamed = measure.numerator_code if measure.numerator_code in typed else measure.denominator_code
                found[blamed] = (f"{by_code[measure.numerator_code].name} cannot be more than "
                                                 f"{_lower_first(by_code[measure.denominator_code].name)}")
    return found


def _lower_first(name: str) -> str:
    """A measure's name inside a sentence: "referrals to the CPS", keeping an acronym's capitals."""
    return name[:1].lower() + name[1:]


def quarter_figures(session: Session, force: Force, period: ReportingPeriod) -> dict[str, Decimal | None]:
    """The typed figures a force has stored for a quarter, by measure code."""
    return {f.measure.code: f.value for f in session.scalars(select(OutcomeFigure).where(
        OutcomeFigure.force_id == force.id, OutcomeFigure.period_id == period.id))}


def baseline(session: Session, force: Force) -> dict[str, Decimal | None]:
    return {b.measure.code: b.value for b in session.scalars(
        select(OutcomeBaseline).where(OutcomeBaseline.force_id == force.id))}


def _text(value: Decimal | int | None) -> str | None:
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


def quarter_problem(period: ReportingPeriod, today: date) -> str | None:
    """Why a quarter can have no figures: it has not ended, or it is before the programme's first year."""
    if period.financial_year < EARLIEST_YEAR:
        return (f"{reporting_periods.label(period)} is before April {EARLIEST_YEAR}: give 2019 figures as "
                "the baseline instead")
    if not reporting_periods.submittable(period, today):
        return f"{reporting_periods.label(period)} has not ended yet, so it has no figures"
    return None


def is_published(period: ReportingPeriod, today: date) -> bool:
    """A quarter's figures are published once its returns were due: the national team has used them
    since, so changing one afterwards is a revision, with a reason."""
    return today > period.returns_due_on


def revises(stored: Mapping[str, Decimal | None], typed: Mapping[str, Decimal | None]) -> bool:
    """Whether saving ``typed`` would change or remove a figure already stored (not only add new ones)."""
    return any(code in stored and (value is None or Decimal(stored[code]) != value)
               for code, value in typed.items())


def reason_needed(period: ReportingPeriod, today: date, stored: Mapping[str, Decimal | None],
                  typed: Mapping[str, Decimal | None]) -> bool:
    return is_published(period, today) and revises(stored, typed)


def save_quarter(session: Session, force: Force, period: ReportingPeriod, typed: Mapping[str, Decimal | None],
                 actor: User | None, today: date, reason: str | None = None) -> dict[str, list]:
    """A force's figures for an ended quarter: all stored or, if any is wrong, none. Changing a
    published quarter's figures needs a reason, kept in the history with the change."""
    if problem := quarter_problem(period, today):
        raise ServiceError(problem)
    measures = catalogue(session)
    rows = {f.measure.code: f for f in session.scalars(select(OutcomeFigure).where(
        OutcomeFigure.force_id == force.id, OutcomeFigure.period_id == period.id))}
    stored = {code: row.value for code, row in rows.items()}
    if found := problems(measures, typed, stored):
        code, message = next(iter(found.items()))
        raise ServiceError(message, code)
    reason = (reason or "").strip()
    if not reason and reason_needed(period, today, stored, typed):
        raise ServiceError(f"Give a reason for revising {reporting_periods.label(period)}'s published figures",
                           "reason")

    def make(measure: OutcomeMeasure, value: Decimal) -> OutcomeFigure:
        return OutcomeFigure(force_id=force.id, period_id=period.id, measure_id=measure.id, value=value,
                             entered_by_id=actor.id if actor else None)

    changes = _saved(session, rows, measures, typed, make, actor)
    if changes:
        if reason:
            changes[REASON] = [None, reason]
        audit.record(session, actor, "outcomes.figures_saved", "outcome_figures", period.id, force_id=force.id,
                     changes=changes, summary=f"{reporting_periods.label(period)} outcome figures")
    return changes


def save_baseline(session: Session, force: Force, typed: Mapping[str, Decimal | None],
                  actor: User | None) -> dict[str, list]:
    """A force's 2019 quarterly averages: all stored or, if any is wrong, none."""
    measures = catalogue(session)
    rows = {b.measure.code: b for b in session.scalars(
        select(OutcomeBaseline).where(OutcomeBaseline.force_id == force.id))}
    if found := problems(measures, typed, {code: row.value for code, row in rows.items()}):
        code, message = next(iter(found.items()))
        raise ServiceError(message, code)

    def make(measure: OutcomeMeasure, value: Decimal) -> OutcomeBaseline:
        return OutcomeBaseline(force_id=force.id, measure_id=measure.id, value=value,
                               entered_by_id=actor.id if actor else None)

    changes = _saved(session, rows, measures, typed, make, actor)
    if changes:
        audit.record(session, actor, "outcomes.baseline_saved", "outcome_baseline", force.id, force_id=force.id,
                     changes=changes, summary="2019 baseline of outcome figures")
    return changes


@dataclass(frozen=True)
class HistoryEntry:
    """One saving of a force's figures, as the history shows it: who, when, what changed, and why."""

    at: datetime
    by: str
    quarter: str  # "Q2 2026-27", or "2019 baseline"
    changes: list[tuple[str, str | None, str | None]]  # (measure name, old, new)
    reason: str


def history(session: Session, force: Force, limit: int = 200) -> list[HistoryEntry]:
    """Every saving of the force's figures and baseline, newest first."""
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.force_id == force.id, AuditEvent.event.in_(FIGURE_EVENTS))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)).all()
    names = {m.code: m.name for m in catalogue(session)}
    periods = {p.id: p for p in session.scalars(select(ReportingPeriod).where(ReportingPeriod.id.in_(
        {e.object_id for e in events if e.event == "outcomes.figures_saved"})))}
    entries = []
    for event in events:
        period = periods.get(event.object_id) if event.event == "outcomes.figures_saved" else None
        changes = [(names.get(code, code), old, new) for code, (old, new) in event.changes.items() if code != REASON]
        entries.append(HistoryEntry(
            at=event.at, by=event.actor.name if event.actor else "The service",
            quarter=reporting_periods.label(period) if period else "2019 baseline", changes=changes,
            reason=(event.changes.get(REASON) or [None, ""])[1] or ""))
    return entries


def _shown_text(value: Decimal | None, unit: str) -> str | None:
    """A figure as text the way pages show it: a rate always to one place (3.0), others as typed."""
    shown = outcome_rules.shown(value, unit)
    if shown is None:
        return None
    return f"{shown}" if unit == "percentage" else _text(shown)


def for_return(session: Session, force: Force, period: ReportingPeriod) -> list[dict[str, str | None]]:
    """The quarter's figures as a quarterly return freezes them (its content's "outcomes"): each
    measure's value and its 2019 average as text, and the change between them in words."""
    measures = catalogue(session)
    values = with_rates(measures, quarter_figures(session, force, period))
    averages = with_rates(measures, baseline(session, force))
    frozen = []
    for measure in measures:
        value, average = values.get(measure.code), averages.get(measure.code)
        change = outcome_rules.change(value, average, measure.unit)
        frozen.append({"code": measure.code, "name": measure.name, "unit": measure.unit,
                       "value": _shown_text(value, measure.unit), "baseline": _shown_text(average, measure.unit),
                       "against_baseline": change.short() if change else ""})
    return frozen
