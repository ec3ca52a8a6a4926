"""National commitments (docs/commitments.md): the national team drafts a commitment and publishes it,
which gives each force it applies to one linked action in its own plan, with the commitment's text,
owned by the force's programme manager until they assign an owner.

Each rule is written once, here: what a commitment's fields may be, which forces it applies to, and
what stops it being published. Plain arguments and a session; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker.models import (
    Action,
    Commitment,
    CommitmentDateProposal,
    CommitmentForce,
    Force,
    Notification,
    Pillar,
    User,
)
from improvement_tracker.models._types import utcnow
from improvement_tracker.services import audit, inputs
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.reference_data import COHORT_LABELS

# "NC-01": never the shape of a force's own references ("AS-P1-03-A"), so a linked action's
# reference cannot clash with an action a force wrote itself.
REFERENCE = re.compile(r"NC-[0-9]{2,3}")
TITLE_LIMIT = 200
TEXT_LIMIT = 4000
APPLIES_TO_LABELS = {"all": "All 43 forces", "cohort": "A cohort", "chosen": "Chosen forces"}
PROGRAMME_MANAGER = "programme_manager"


@dataclass
class CommitmentFields:
    reference: str
    title: str
    pillar_id: int | None
    due_date: date | None
    applies_to: str
    cohort: str | None = None
    force_ids: list[int] = field(default_factory=list)  # when applies_to is "chosen"
    description: str = ""
    success_measure: str = ""
    evidence_expected: str = ""


def checked_text(value: str | None, label: str, name: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ServiceError(f"Enter {label}", name)
    if len(text) > limit:
        raise ServiceError(f"{label[0].upper()}{label[1:]} must be {limit:,} characters or fewer", name)
    if inputs.has_control_characters(text):
        raise ServiceError(inputs.CONTROL_CHARACTER_MESSAGE, name)
    return text


def _checked(session: Session, fields: CommitmentFields, commitment_id: int | None) -> dict:
    """The fields as stored, or a ServiceError naming the first field that is wrong."""
    reference = (fields.reference or "").strip().upper()
    if not REFERENCE.fullmatch(reference):
        raise ServiceError("Enter a reference like NC-01: NC, a hyphen and two or three digits", "reference")
    clash = session.scalar(select(Commitment.id).where(Commitment.reference == reference))
    if clash is not None and clash != commitment_id:
        raise ServiceError(f"Another commitment already has the reference {reference}", "reference")
    pillar = session.get(Pillar, fields.pillar_id) if fields.pillar_id else None
    if pillar is None:
        raise ServiceError("Select a pillar", "pillar_id")
    if fields.due_date is None:
        raise ServiceError("Enter the due date", "due_date")
    if problem := inputs.date_problem(fields.due_date, "The due date"):
        raise ServiceError(problem, "due_date")
    if fields.applies_to not in APPLIES_TO_LABELS:
        raise ServiceError("Select which forces the commitment applies to", "applies_to")
    cohort = fields.cohort if fields.applies_to == "cohort" else None
    if fields.applies_to == "cohort" and cohort not in COHORT_LABELS:
        raise ServiceError("Select a cohort", "cohort")
    return {
        "reference": reference,
        "title": checked_text(fields.title, "a title", "title", TITLE_LIMIT, required=True),
        "description": checked_text(fields.description, "the description", "description", TEXT_LIMIT),
        "success_measure": checked_text(fields.success_measure, "the success measure", "success_measure", TEXT_LIMIT),
        "evidence_expected": checked_text(fields.evidence_expected, "the evidence expected", "evidence_expected",
                                          TEXT_LIMIT),
        "pillar_id": pillar.id,
        "due_date": fields.due_date,
        "applies_to": fields.applies_to,
        "cohort": cohort,
    }


def _chosen(session: Session, fields: CommitmentFields) -> list[Force]:
    if fields.applies_to != "chosen":
        return []
    ids = sorted(set(fields.force_ids))
    found = list(session.scalars(select(Force).where(Force.id.in_(ids)))) if ids else []
    if len(found) != len(ids):
        raise ServiceError("Select forces from the list", "force_ids")
    return found


def save_draft(session: Session, commitment: Commitment | None, fields: CommitmentFields,
               actor: User) -> Commitment:
    """Create a draft, or change one. A draft changes no force's plan; a published commitment is
    changed through ``change`` (every linked action with it)."""
    if commitment is not None and commitment.state != "draft":
        raise ServiceError("This commitment is published: change it from its page")
    values = _checked(session, fields, commitment.id if commitment else None)
    chosen = _chosen(session, fields)
    if commitment is None:
        commitment = Commitment(state="draft", created_by_id=actor.id, **values)
        session.add(commitment)
        session.flush()  # the unique reference refuses a second draft with it, sent at once
        changes = audit.snapshot(commitment, tuple(values))
        event = "commitment.created"
    else:
        changes = audit.apply_changes(commitment, values)
        event = "commitment.changed"
    members = {m.force_id: m for m in session.scalars(
        select(CommitmentForce).where(CommitmentForce.commitment_id == commitment.id))}
    wanted = {force.id for force in chosen}
    for force_id, member in members.items():
        if force_id not in wanted:
            session.delete(member)
    for force_id in wanted - set(members):
        session.add(CommitmentForce(commitment_id=commitment.id, force_id=force_id, membership="active"))
    if wanted != set(members):
        changes["forces"] = [sorted(members), sorted(wanted)]
    session.flush()
    if changes:
        audit.record(session, actor, event, "commitment", commitment.id, changes=changes,
                     summary=f"{commitment.reference} {commitment.title}")
    return commitment


def applies_to(session: Session, commitment: Commitment) -> list[Force]:
    """The forces a commitment applies to now. A draft's follow its rule (every force, a cohort's
    members, or those chosen); a published one's are those carrying it (joined since, taken off not)."""
    if commitment.state == "published":
        query = select(Force).join(CommitmentForce, CommitmentForce.force_id == Force.id).where(
            CommitmentForce.commitment_id == commitment.id, CommitmentForce.membership == "active")
    elif commitment.applies_to == "all":
        query = select(Force)
    elif commitment.applies_to == "cohort":
        query = select(Force).where(Force.cohort == commitment.cohort)
    else:
        query = select(Force).join(CommitmentForce, CommitmentForce.force_id == Force.id).where(
            CommitmentForce.commitment_id == commitment.id, CommitmentForce.membership == "active")
    return list(session.scalars(query.order_by(Force.name)))


def publish_refusal(session: Session, commitment: Commitment, today: date) -> str | None:
    """Why the commitment cannot be published now, or None."""
    if commitment.state != "draft":
        return "This commitment has already been published"
    if commitment.due_date < today:
        return "The due date has passed: set a later one before publishing"
    forces = applies_to(session, commitment)
    if not forces:
        return "Choose at least one force before publishing"
    # A force's own action with the reference; never this commitment's linked actions (which another
    # person publishing at the same moment may have just made).
    own_actions = select(CommitmentForce.action_id).where(CommitmentForce.commitment_id == commitment.id,
                                                          CommitmentForce.action_id.is_not(None))
    clashes = session.scalars(select(Force.name).join(Action, Action.force_id == Force.id).where(
        Action.force_id.in_([f.id for f in forces]), Action.reference == commitment.reference,
        Action.id.not_in(own_actions)).order_by(Force.name)).all()
    if clashes:
        return (f"{', '.join(clashes)} already {'has an action' if len(clashes) == 1 else 'have actions'} with "
                f"the reference {commitment.reference}: choose another reference")
    return None


def programme_manager(session: Session, force_id: int) -> User | None:
    """Who owns a force's linked action until its programme manager assigns an owner: the force's
    first active programme manager, or no one when it has none yet."""
    return session.scalar(select(User).where(User.force_id == force_id, User.role == PROGRAMME_MANAGER,
                                             User.active.is_(True)).order_by(User.id).limit(1))


def _linked_action(session: Session, commitment: Commitment, force: Force, actor: User) -> Action:
    owner = programme_manager(session, force.id)
    now = utcnow()
    action = Action(force_id=force.id, finding_id=None, pillar_id=commitment.pillar_id,
                    reference=commitment.reference, title=commitment.title, description=commitment.description,
                    success_measure=commitment.success_measure, owner_id=owner.id if owner else None,
                    priority="high", status="not_started", original_due_date=commitment.due_date,
                    current_due_date=commitment.due_date, last_update_at=now, assigned_at=now)
    session.add(action)
    session.flush()
    changes = audit.snapshot(action, ("reference", "title", "pillar_id", "current_due_date"))
    changes["owner_id"] = [None, owner.email if owner else None]
    audit.record(session, actor, "action.created", "action", action.id, changes=changes, force_id=force.id,
                 action_id=action.id, summary=f"National commitment {commitment.reference} added to the plan")
    return action


def join(session: Session, commitment: Commitment, force: Force, actor: User) -> CommitmentForce:
    """Give a force the commitment's linked action (on publishing, or when it joins later)."""
    member = session.scalar(select(CommitmentForce).where(CommitmentForce.commitment_id == commitment.id,
                                                          CommitmentForce.force_id == force.id))
    if member is None:
        member = CommitmentForce(commitment_id=commitment.id, force_id=force.id, membership="active")
        session.add(member)
    if member.action_id is None:
        member.action_id = _linked_action(session, commitment, force, actor).id
    session.flush()  # (commitment, force) and the action are unique: a second joining at once is refused
    return member


def publish(session: Session, commitment: Commitment, actor: User, today: date) -> list[CommitmentForce]:
    """Publish a draft: one linked action in each force's plan. Two people publishing at once: the
    commitment's row version lets one through; the other's flush fails and nothing of it is kept."""
    if (refusal := publish_refusal(session, commitment, today)) is not None:
        raise ServiceError(refusal)
    forces = applies_to(session, commitment)
    commitment.state = "published"
    commitment.published_at = utcnow()
    commitment.published_by_id = actor.id
    session.flush()
    members = [join(session, commitment, force, actor) for force in forces]
    audit.record(session, actor, "commitment.published", "commitment", commitment.id,
                 changes={"state": ["draft", "published"], "forces": [None, len(members)]},
                 summary=f"{commitment.reference} published to {len(members)} forces")
    return members


def linked(session: Session, action: Action) -> CommitmentForce | None:
    """The commitment membership an action carries, if it is a national commitment's action."""
    return session.scalar(select(CommitmentForce).where(CommitmentForce.action_id == action.id))


def by_reference(session: Session, reference: str) -> Commitment | None:
    if not REFERENCE.fullmatch(reference or ""):
        return None
    return session.scalar(select(Commitment).where(Commitment.reference == reference))


def listed(session: Session, force_id: int | None) -> list[Commitment]:
    """Every commitment, newest reference last; for one force, the published ones it carries."""
    query = select(Commitment).order_by(Commitment.reference)
    if force_id is not None:
        query = query.join(CommitmentForce, CommitmentForce.commitment_id == Commitment.id).where(
            CommitmentForce.force_id == force_id, CommitmentForce.membership == "active",
            Commitment.state == "published")
    return list(session.scalars(query))


def applies_to_force(session: Session, commitment: Commitment, force_id: int | None) -> bool:
    """Whether a published commitment is carried by the force (a draft is carried by none)."""
    return force_id is not None and commitment.state == "published" and session.scalar(
        select(CommitmentForce.id).where(CommitmentForce.commitment_id == commitment.id,
                                         CommitmentForce.force_id == force_id,
                                         CommitmentForce.membership == "active")) is not None


# --- a linked action in the force's plan -------------------------------------------------------
# What the national team set stays theirs: the force works the action (owner, priority, start date,
# milestones, updates, evidence, RAG, status and sign-off) but cannot change these, nor drop it.

LOCKED_FIELDS = {"reference": "reference", "title": "title", "pillar_id": "pillar", "description": "description",
                 "success_measure": "success measure", "due_date": "due date"}
NATIONAL = "This is a national commitment"
PROPOSE_LATER = "Propose a later date instead"


def locked_reason(fields: list[str]) -> str:
    """Why these fields of a linked action cannot be changed by the force, after "…: " (one place for
    the words every refusal uses)."""
    names = [LOCKED_FIELDS[f] for f in fields]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    reason = f"its {listed} {'is' if len(names) == 1 else 'are'} set by the national team"
    return f"{reason}. {PROPOSE_LATER}" if "due_date" in fields else reason


def locked_message(field_name: str) -> str:
    return f"{NATIONAL}: {locked_reason([field_name])}"


def refuse_locked(session: Session, action: Action, changing: dict[str, object]) -> None:
    """Refuse, naming the first field, a change to what the national team set on a linked action.

    ``changing`` maps LOCKED_FIELDS names to the values wanted; one equal to the stored value is no change."""
    if action.id is None or linked(session, action) is None:
        return
    stored = {"due_date": action.current_due_date}
    for name, wanted in changing.items():
        if name in LOCKED_FIELDS and wanted != stored.get(name, getattr(action, name, None)):
            raise ServiceError(locked_message(name), name)


def reference_refusal(session: Session, reference: str) -> str | None:
    """A force cannot make an action of its own with a commitment's reference: the national team
    adds that action to the plan when it publishes the commitment."""
    used = session.scalar(select(Commitment.reference).where(Commitment.reference == reference.strip().upper()))
    return None if used is None else (f"{used} is the reference of a national commitment: the national team "
                                      "adds its action to your plan. Choose another reference")


def close_refusal(session: Session, action: Action) -> str | None:
    """A force cannot close a national commitment as not needed (dropping it from the plan): only the
    national team takes a force off a commitment. Once taken off (membership removed), the force may."""
    member = linked(session, action)
    if member is None or member.membership != "active":
        return None
    return f"{NATIONAL}: only the national team can decide it is not needed"


def tell_managers(session: Session, force_id: int, item: dict, subject: str, dedupe: str) -> int:
    """Email a force's programme managers about its linked action, once each (the outbox sends it);
    ``dedupe`` names the event, so the same event never queues a second email."""
    managers = list(session.scalars(select(User).where(User.force_id == force_id, User.role == PROGRAMME_MANAGER,
                                                       User.active.is_(True))))
    for manager in managers:
        session.add(Notification(recipient_id=manager.id, kind="digest", dedupe_key=f"{dedupe}:{manager.id}",
                                 subject=subject, items=[item], status="pending"))
    return len(managers)


def forget_confirmation(session: Session, action: Action) -> None:
    """A force reopening a finished linked action: the national team's confirmation was of that
    completion, so a later one needs confirming again."""
    member = linked(session, action)
    if member is not None and member.national_state is not None:
        member.national_state, member.confirmed_by_id, member.confirmed_at = None, None, None


def member_of(session: Session, commitment: Commitment, force_id: int) -> CommitmentForce | None:
    return session.scalar(select(CommitmentForce).where(CommitmentForce.commitment_id == commitment.id,
                                                        CommitmentForce.force_id == force_id))


def proposal_of(session: Session, commitment: Commitment, proposal_id: int) -> CommitmentDateProposal | None:
    """A date proposal about this commitment (any other id is none of its)."""
    return session.scalar(select(CommitmentDateProposal).join(
        CommitmentForce, CommitmentForce.id == CommitmentDateProposal.commitment_force_id).where(
        CommitmentDateProposal.id == proposal_id, CommitmentForce.commitment_id == commitment.id))
