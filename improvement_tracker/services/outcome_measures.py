"""The catalogue of outcome measures as people read it and administrators reword it (docs/outcomes.md).

Only the words change: name, definition, source and caveat. A measure's code, unit, which direction
is better and how a rate is made never change here, because figures, imports and comparisons are
keyed by them. Each save that changes something is one audit event with each field old -> new. Rule
breaks raise ServiceError naming the field they belong next to. Nothing here commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker import security
from improvement_tracker.models import OutcomeMeasure, User
from improvement_tracker.services import audit, inputs, outcomes
from improvement_tracker.services.audit import ServiceError

EVENT = "outcomes.measure_changed"
OBJECT_TYPE = "outcome_measure"
# The words an administrator may change, with their labels and longest lengths (the name's is its column's).
LABELS = {"name": "Name", "definition": "Definition", "source": "Source", "caveat": "Caveat"}
LIMITS = {"name": 200, "definition": 2000, "source": 2000, "caveat": 2000}
WORDS = tuple(LABELS)

UNIT_LABELS = {"count": "Count", "percentage": "Percentage", "days": "Days"}
BETTER_LABELS = {"higher": "Higher is better", "lower": "Lower is better",
                 "neither": "Neither: a change is not better or worse in itself"}


def by_code(session: Session, code: str) -> OutcomeMeasure | None:
    return session.scalar(select(OutcomeMeasure).where(OutcomeMeasure.code == code))


def catalogue(session: Session) -> list[OutcomeMeasure]:
    """Every measure, in the catalogue's order."""
    return outcomes.catalogue(session)


def how_made(measure: OutcomeMeasure, names: dict[str, str]) -> str:
    """'Typed', or the rate's parts by name: ``names`` maps each measure's code to its name."""
    if measure.numerator_code is None:
        return "Typed"
    numerator = names.get(measure.numerator_code, measure.numerator_code)
    denominator = names.get(measure.denominator_code or "", measure.denominator_code or "")
    return f"Worked out from {numerator} ÷ {denominator}"


def names(session: Session) -> dict[str, str]:
    return {m.code: m.name for m in catalogue(session)}


def _clean(field: str, value: Any) -> str:
    text = "" if value is None else str(value)
    # A browser sends a text area's line breaks as CRLF: keep one form, so a save of unchanged
    # words records no change and lengths count what a reader sees.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if inputs.has_control_characters(text):
        raise ServiceError(inputs.CONTROL_CHARACTER_MESSAGE, field)
    text = " ".join(text.split()) if field == "name" else text.strip()
    if field == "name" and not text:
        raise ServiceError("Enter the measure's name", field)
    if len(text) > LIMITS[field]:
        raise ServiceError(f"{LABELS[field]} must be {LIMITS[field]} characters or fewer", field)
    return text


def change_words(session: Session, measure: OutcomeMeasure, fields: dict[str, Any], actor: User) -> dict:
    """Reword a measure; return {field: [old, new]} for what changed (nothing recorded if nothing did).

    Any field other than the words is refused outright: the code, unit, direction and parts are
    not the page's to change, and a caller asking to is a mistake, not a user's typing."""
    if not security.may_edit_measures(actor):
        raise PermissionError(security.FORBIDDEN.message)
    others = set(fields) - set(WORDS)
    if others:
        raise ValueError(f"Only a measure's words can be changed, not {', '.join(sorted(others))}")
    values = {field: _clean(field, value) for field, value in fields.items()}
    changes = audit.apply_changes(measure, values)
    if changes:
        # No force: every force's pages show the measures' names, so every plan is marked changed.
        audit.record(session, actor, EVENT, OBJECT_TYPE, measure.id, changes=changes, force_id=None,
                     summary=f"Changed the wording of outcome measure {measure.code}")
        session.flush()  # a colleague's save at the same moment is found here (the row's version)
    return changes
