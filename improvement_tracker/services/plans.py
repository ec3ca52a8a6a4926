"""Deep dives, findings and actions: creating and changing the plan itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker.models import Action, DeepDive, DueDateChange, Finding, Force, Pillar, User
from improvement_tracker.models._types import utcnow
from improvement_tracker.models.plans import FINDING_TYPES, PRIORITIES
from improvement_tracker.services import audit, commitments, inputs, plan_rules
from improvement_tracker.services.audit import ServiceError

FINDING_TYPE_LABELS = {
    "cause_of_concern": "Cause of concern",
    "recommendation": "Recommendation",
    "area_for_improvement": "Area for improvement",
    "promising_practice": "Promising practice",
}
PRIORITY_LABELS = {"high": "High", "medium": "Medium", "low": "Low"}


def _save(session: Session, obj: DeepDive | Finding, values: dict, *, actor: User, name: str):
    """Record a new deep dive or finding, or the fields of one that changed, with its audit event."""
    kind = obj.__tablename__.rstrip("s")  # deep_dive, finding
    if obj.id is None:
        session.add(obj)
        session.flush()
        audit.record(session, actor, f"{kind}.created", kind, obj.id, changes=audit.snapshot(obj, tuple(values)),
                     force_id=obj.force_id, summary=f"Recorded {name}")
    elif changes := audit.apply_changes(obj, values):
        audit.record(session, actor, f"{kind}.updated", kind, obj.id, changes=changes, force_id=obj.force_id,
                     summary=f"Changed {name}")
    return obj


# --- deep dives -------------------------------------------------------------------------

@dataclass
class DeepDiveFields:
    title: str
    period: str
    lead: str
    summary: str = ""


def save_deep_dive(
    session: Session, force: Force, fields: DeepDiveFields, *, actor: User, deep_dive: DeepDive | None = None
) -> DeepDive:
    values = {
        "title": fields.title.strip(),
        "period": fields.period.strip(),
        "lead": fields.lead.strip(),
        "summary": (fields.summary or "").strip(),
    }
    for name, label in (("title", "a title"), ("period", "the period"), ("lead", "the lead")):
        if not values[name]:
            raise ServiceError(f"Enter {label}", name)
    if deep_dive is None:
        deep_dive = DeepDive(force_id=force.id, **values)
    return _save(session, deep_dive, values, actor=actor, name=f"deep dive {values['title']}")


# --- findings ---------------------------------------------------------------------------

@dataclass
class FindingFields:
    pillar_id: int
    reference: str
    type: str
    title: str
    detail: str = ""
    priority: str = "medium"


def _pillar(session: Session, pillar_id: int | None) -> Pillar:
    pillar = session.get(Pillar, pillar_id) if pillar_id else None
    if pillar is None:
        raise ServiceError("Select a pillar", "pillar_id")
    return pillar


def save_finding(
    session: Session, deep_dive: DeepDive, fields: FindingFields, *, actor: User, finding: Finding | None = None
) -> Finding:
    pillar = _pillar(session, fields.pillar_id)
    reference = fields.reference.strip()
    if not reference:
        raise ServiceError("Enter a reference, like AS-P1-03", "reference")
    if fields.type not in FINDING_TYPES:
        raise ServiceError("Select the type of finding", "type")
    if fields.priority not in PRIORITIES:
        raise ServiceError("Select a priority", "priority")
    if not fields.title.strip():
        raise ServiceError("Enter a title", "title")
    clash = session.scalar(
        select(Finding.id).where(Finding.force_id == deep_dive.force_id, Finding.reference == reference)
    )
    if clash is not None and (finding is None or clash != finding.id):
        raise ServiceError(f"Another finding in this force already has the reference {reference}", "reference")
    values = {
        "pillar_id": pillar.id,
        "reference": reference,
        "type": fields.type,
        "title": fields.title.strip(),
        "detail": (fields.detail or "").strip(),
        "priority": fields.priority,
    }
    if finding is None:
        finding = Finding(deep_dive_id=deep_dive.id, force_id=deep_dive.force_id, **values)
    return _save(session, finding, values, actor=actor, name=f"finding {reference}")


# --- actions ----------------------------------------------------------------------------

@dataclass
class ActionFields:
    reference: str
    title: str
    pillar_id: int | None
    owner_id: int | None
    priority: str = "medium"
    description: str = ""
    success_measure: str = ""
    start_date: date | None = None


def _owner(session: Session, force_id: int, owner_id: int | None) -> User:
    owner = session.get(User, owner_id) if owner_id else None
    if owner is None or owner.force_id != force_id or not owner.active:
        raise ServiceError("Select an owner from this force", "owner_id")
    return owner


def _plausible(value: date | None, field: str, label: str) -> None:
    """A date being set must be one a plan can mean (services.inputs); dates already stored are
    compared with, not judged again."""
    if value is not None and (problem := inputs.date_problem(value, label)):
        raise ServiceError(problem, field)


def _check_dates(start: date | None, due: date | None, field: str) -> None:
    if start is not None and due is not None and due < start:
        raise ServiceError("The due date must be the same as or after the start date", field)


def create_action(
    session: Session,
    force: Force,
    fields: ActionFields,
    *,
    due_date: date | None,
    actor: User,
    finding: Finding | None = None,
) -> Action:
    if finding is not None:
        if finding.force_id != force.id:
            raise ServiceError("That finding belongs to another force", "finding")
        pillar_id = finding.pillar_id
    else:
        pillar_id = _pillar(session, fields.pillar_id).id
    values = _action_values(session, force.id, fields, pillar_id)
    if refusal := commitments.reference_refusal(session, values["reference"]):
        raise ServiceError(refusal, "reference")
    _check_unique_reference(session, force.id, values["reference"], None)
    _plausible(values["start_date"], "start_date", "Start date")
    _plausible(due_date, "due_date", "Due date")
    _check_dates(values["start_date"], due_date, "due_date")
    action = Action(
        force_id=force.id,
        finding_id=finding.id if finding else None,
        status="not_started",
        original_due_date=due_date,
        current_due_date=due_date,
        last_update_at=utcnow(),
        assigned_at=utcnow(),
        **values,
    )
    session.add(action)
    session.flush()
    changes = audit.snapshot(action, (*values, "current_due_date"))
    changes["owner_id"] = [None, action.owner.email if action.owner else None]
    audit.record(session, actor, "action.created", "action", action.id, changes=changes,
                 force_id=force.id, action_id=action.id, summary=f"Created action {action.reference}")
    return action


def _action_values(session: Session, force_id: int, fields: ActionFields, pillar_id: int) -> dict:
    reference = fields.reference.strip()
    if not reference:
        raise ServiceError("Enter a reference, like AS-P1-03-A", "reference")
    if not fields.title.strip():
        raise ServiceError("Enter a title", "title")
    if fields.priority not in PRIORITIES:
        raise ServiceError("Select a priority", "priority")
    owner = _owner(session, force_id, fields.owner_id)
    return {
        "reference": reference,
        "title": fields.title.strip(),
        "pillar_id": pillar_id,
        "owner_id": owner.id,
        "priority": fields.priority,
        "description": (fields.description or "").strip(),
        "success_measure": (fields.success_measure or "").strip(),
        "start_date": fields.start_date,
    }


def _check_unique_reference(session: Session, force_id: int, reference: str, action_id: int | None) -> None:
    clash = session.scalar(select(Action.id).where(Action.force_id == force_id, Action.reference == reference))
    if clash is not None and clash != action_id:
        raise ServiceError(f"Another action in this force already has the reference {reference}", "reference")


def update_action(session: Session, action: Action, fields: ActionFields, *, actor: User) -> dict:
    pillar_id = action.finding.pillar_id if action.finding else _pillar(session, fields.pillar_id).id
    values = _action_values(session, action.force_id, fields, pillar_id)
    commitments.refuse_locked(session, action, {name: values[name] for name in commitments.LOCKED_FIELDS
                                                if name in values})
    _check_unique_reference(session, action.force_id, values["reference"], action.id)
    _plausible(values["start_date"], "start_date", "Start date")
    _check_dates(values["start_date"], action.current_due_date, "start_date")
    old_owner = action.owner.email if action.owner else None
    changes = audit.apply_changes(action, values)
    if "owner_id" in changes:
        action.assigned_at = utcnow()  # the new owner is told; the old owner's reminders stop
        session.flush()
        session.refresh(action, ["owner"])
        changes["owner_id"] = [old_owner, action.owner.email if action.owner else None]
    if changes:
        audit.record(session, actor, "action.updated", "action", action.id, changes=changes,
                     force_id=action.force_id, action_id=action.id,
                     summary=f"Changed action {action.reference}")
    return changes


def change_due_date(session: Session, action: Action, new_date: date, reason: str, *, actor: User,
                    national: bool = False) -> None:
    """Move the due date, keeping the old one and why in the re-plan history. A national commitment's
    date is the national team's: only their decisions (``national``) move it."""
    reason = (reason or "").strip()
    if new_date is None:
        raise ServiceError("Enter the new due date", "due_date")
    if not national:
        commitments.refuse_locked(session, action, {"due_date": new_date})
    if plan_rules.is_closed(action.status):
        raise ServiceError("This action is finished: its due date can no longer change", "due_date")
    if new_date == action.current_due_date:
        raise ServiceError("The new due date is the same as the current one", "due_date")
    _plausible(new_date, "due_date", "Due date")
    _check_dates(action.start_date, new_date, "due_date")
    first_date = action.current_due_date is None
    if not reason and not first_date:
        raise ServiceError("Enter why the due date is changing", "reason")
    old = action.current_due_date
    session.add(DueDateChange(action_id=action.id, old_date=old, new_date=new_date,
                              reason=reason or "First due date set", changed_by_id=actor.id if actor else None))
    action.current_due_date = new_date
    if action.original_due_date is None:
        action.original_due_date = new_date
    audit.record(session, actor, "action.due_date_changed", "action", action.id,
                 changes={"current_due_date": [audit._jsonable(old), new_date.isoformat()],
                          "reason": [None, reason or "First due date set"]},
                 force_id=action.force_id, action_id=action.id,
                 summary=f"Moved the due date of {action.reference}")


def declare_rag(session: Session, action: Action, rag: str | None, reason: str, *, actor: User) -> None:
    reason = (reason or "").strip()
    if rag not in (None, "red", "amber", "green"):
        raise ServiceError("Select red, amber, green or no declared RAG", "rag")
    if rag is not None and not reason:
        raise ServiceError("Enter why you are declaring this RAG", "reason")
    changes = audit.apply_changes(action, {"declared_rag": rag, "declared_rag_reason": reason or None})
    if not changes:
        return
    action.declared_rag_by_id = actor.id if rag else None
    action.declared_rag_at = utcnow() if rag else None
    audit.record(session, actor, "action.rag_declared", "action", action.id, changes=changes,
                 force_id=action.force_id, action_id=action.id,
                 summary=f"Declared RAG {rag or 'cleared'} on {action.reference}")


def suggest_reference(session: Session, force: Force, pillar: Pillar | None, *, kind: str = "finding") -> str:
    """A reference in the house style, like AS-P1-03: force initials, pillar, next number."""
    words = [w for w in force.name.replace("-", " ").split() if w.lower() not in {"and", "of", "the"}]
    initials = "".join(w[0].upper() for w in words)[:4] or "F"
    pillar_code = pillar.code if pillar else "X"
    prefix = f"{initials}-{pillar_code}-"
    model = Finding if kind == "finding" else Action
    taken = set(session.scalars(select(model.reference).where(
        model.force_id == force.id, model.reference.like(f"{prefix}%"))))
    number = 1
    while f"{prefix}{number:02d}" in taken:
        number += 1
    return f"{prefix}{number:02d}"


def _letters(n: int) -> str:
    """0 → A, 25 → Z, 26 → AA, 27 → AB …: as many suffixes as a finding has actions."""
    text = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def next_action_reference(session: Session, finding: Finding) -> str:
    """The next free reference for an action on a finding: its reference and a letter (AS-P1-03-B)."""
    taken = set(session.scalars(select(Action.reference).where(Action.force_id == finding.force_id,
                                                               Action.reference.like(f"{finding.reference}-%"))))
    n = 0
    while f"{finding.reference}-{_letters(n)}" in taken:
        n += 1
    return f"{finding.reference}-{_letters(n)}"
