"""The national team's side of a force's linked action (docs/commitments.md): confirming a completion
the force signed off, or returning it with a reason (back to in progress; the owner and the force's
programme managers are emailed), and deciding a force's proposal of a later due date.

Each refusal is written once, here; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker.formatting import govuk_date
from improvement_tracker.models import (
    Action,
    Commitment,
    CommitmentDateProposal,
    CommitmentForce,
    Force,
    Notification,
    ProgressUpdate,
    User,
)
from improvement_tracker.models._types import utcnow
from improvement_tracker.services import audit, commitments, inputs, plan_rules, plans
from improvement_tracker.services.audit import ServiceError

REASON_LIMIT = 2000
PROGRAMME_MANAGER = "programme_manager"


def _reason(text: str | None, missing: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise ServiceError(missing, "reason")
    if len(reason) > REASON_LIMIT:
        raise ServiceError(f"The reason must be {REASON_LIMIT:,} characters or fewer", "reason")
    if inputs.has_control_characters(reason):
        raise ServiceError(inputs.CONTROL_CHARACTER_MESSAGE, "reason")
    return reason


# --- confirming a completion -------------------------------------------------------------------

def completion_refusal(member: CommitmentForce, action: Action) -> str | None:
    """Why the national team cannot confirm or return this force's completion now, or None."""
    if member.membership != "active":
        return "The force no longer carries this commitment"
    if member.national_state == "confirmed":
        return "The national team has already confirmed this completion"
    if action.status != "complete":
        return "The force has not signed this action off yet"
    return None


def confirm(session: Session, commitment: Commitment, member: CommitmentForce, action: Action,
            actor: User) -> None:
    """Confirm the force's completion. Two at once: the membership's row version lets one through."""
    if refusal := completion_refusal(member, action):
        raise ServiceError(refusal)
    confirmed = {"national_state": "confirmed", "confirmed_by_id": actor.id, "confirmed_at": utcnow()}
    for name, value in confirmed.items():
        setattr(member, name, value)
    session.flush()
    audit.record(session, actor, "commitment.completion_confirmed", "commitment", commitment.id,
                 force_id=member.force_id, action_id=action.id, changes={"national_state": [None, "confirmed"]},
                 summary=f"{commitment.reference} completion confirmed")


def _tell(session: Session, action: Action, commitment: Commitment, reason: str, event_id: int) -> int:
    """Email the action's owner and the force's programme managers, once each (the outbox sends it)."""
    people = {u.id: u for u in session.scalars(select(User).where(
        User.force_id == action.force_id, User.role == PROGRAMME_MANAGER, User.active.is_(True)))}
    if action.owner is not None and action.owner.active:
        people[action.owner.id] = action.owner
    item = {"kind": "commitment_returned", "action_id": action.id, "reference": action.reference,
            "title": action.title, "label": f"Returned by the national team: {reason}"}
    for person in people.values():
        session.add(Notification(recipient_id=person.id, kind="digest",
                                 dedupe_key=f"commitment-returned:{event_id}:{person.id}",
                                 subject=f"{commitment.reference} was returned by the national team",
                                 items=[item], status="pending"))
    return len(people)


def return_completion(session: Session, commitment: Commitment, member: CommitmentForce, action: Action,
                      reason: str, actor: User) -> int:
    """Send a completion back: the action is in progress again, with the national team's reason in
    its history; returns how many people are emailed."""
    if refusal := completion_refusal(member, action):
        raise ServiceError(refusal)
    reason = _reason(reason, "Enter what the force still needs to do")
    now, actor_id = utcnow(), actor.id
    action.status = "in_progress"
    action.completed_date = None
    action.signed_off_by_id = None
    action.sign_off_requested_by_id = None
    action.last_update_at = now
    session.add(ProgressUpdate(action_id=action.id, author_id=actor_id, text=f"Returned by the national team: "
                               f"{reason}", status_from="complete", status_to="in_progress", created_at=now))
    session.flush()  # the action's row version: a force reopening it at the same moment wins or loses whole
    event = audit.record(session, actor, "action.returned_by_national_team", "action", action.id,
                         force_id=action.force_id, action_id=action.id,
                         changes={"status": ["complete", "in_progress"], "reason": [None, reason]},
                         summary=f"{commitment.reference} returned by the national team")
    session.flush()
    return _tell(session, action, commitment, reason, event.id)


# --- date proposals ----------------------------------------------------------------------------

def pending_proposal(session: Session, member: CommitmentForce) -> CommitmentDateProposal | None:
    return session.scalar(select(CommitmentDateProposal).where(
        CommitmentDateProposal.commitment_force_id == member.id, CommitmentDateProposal.state == "pending"))


def proposal_refusal(session: Session, member: CommitmentForce, action: Action) -> str | None:
    """Why the force cannot propose a later date now, or None."""
    if member.membership != "active":
        return "The force no longer carries this commitment"
    if plan_rules.is_closed(action.status):
        return "This action is finished: its due date can no longer change"
    if pending_proposal(session, member) is not None:
        return "A proposed date is already waiting for the national team's decision"
    return None


def propose(session: Session, commitment: Commitment, member: CommitmentForce, action: Action,
            proposed: date | None, reason: str, actor: User) -> CommitmentDateProposal:
    if refusal := proposal_refusal(session, member, action):
        raise ServiceError(refusal)
    if proposed is None:
        raise ServiceError("Enter the date you propose", "proposed_due_date")
    if problem := inputs.date_problem(proposed, "The proposed date"):
        raise ServiceError(problem, "proposed_due_date")
    if action.current_due_date is not None and proposed <= action.current_due_date:
        raise ServiceError("Propose a date after the current due date", "proposed_due_date")
    reason = _reason(reason, "Enter why the force needs a later date")
    proposal = CommitmentDateProposal(commitment_force_id=member.id, proposed_due_date=proposed, reason=reason,
                                      state="pending", proposed_by_id=actor.id)
    session.add(proposal)
    session.flush()  # one waiting per force and commitment (a partial unique index)
    audit.record(session, actor, "commitment.date_proposed", "commitment", commitment.id,
                 force_id=member.force_id, action_id=action.id,
                 changes={"proposed_due_date": [None, proposed.isoformat()], "reason": [None, reason]},
                 summary=f"{commitment.reference}: later date proposed")
    return proposal


def decide(session: Session, commitment: Commitment, proposal: CommitmentDateProposal, action: Action,
           agree: bool, reason: str, actor: User) -> None:
    """Agree (the date moves, with the re-plan history as any re-plan) or refuse with a reason."""
    if proposal.state != "pending":
        raise ServiceError("This proposal has already been decided")
    reason = (reason or "").strip()
    if not agree:
        reason = _reason(reason, "Enter why the national team refuses the date")
    elif reason:
        reason = _reason(reason, "")
    # Every value is worked out before any is set: reading an expired attribute (the actor's id)
    # flushes, and the checks in the database refuse a decision without its date or reason.
    decided = {"state": "agreed" if agree else "refused", "decided_by_id": actor.id, "decided_at": utcnow(),
               "decision_reason": reason or None}
    for name, value in decided.items():
        setattr(proposal, name, value)
    session.flush()  # two decisions at once: the proposal's row version lets one through
    if agree:
        plans.change_due_date(session, action, proposal.proposed_due_date,
                              f"Agreed by the national team: {proposal.reason}", actor=actor, national=True)
    event = audit.record(session, actor, f"commitment.date_{proposal.state}", "commitment", commitment.id,
                         force_id=action.force_id, action_id=action.id,
                         changes={"proposal": ["pending", proposal.state],
                                  **({"reason": [None, reason]} if reason else {})},
                         summary=f"{commitment.reference}: proposed date {proposal.state}")
    session.flush()
    proposed = govuk_date(proposal.proposed_due_date)
    label = (f"The national team agreed your proposed date, {proposed}" if agree else
             f"The national team refused your proposed date, {proposed}: {reason}")
    commitments.tell_managers(session, action.force_id, {
        "kind": "commitment_date_decided", "action_id": action.id, "reference": action.reference,
        "title": action.title, "label": label}, f"{commitment.reference}: your proposed date was {proposal.state}",
        f"commitment-date-decided:{event.id}")


def waiting_proposals(session: Session, commitment: Commitment) -> list[tuple[CommitmentDateProposal, str]]:
    """Proposals waiting for a decision, with the force's name, oldest first."""
    return [(proposal, name) for proposal, name in session.execute(
        select(CommitmentDateProposal, Force.name)
        .join(CommitmentForce, CommitmentForce.id == CommitmentDateProposal.commitment_force_id)
        .join(Force, Force.id == CommitmentForce.force_id)
        .where(CommitmentForce.commitment_id == commitment.id, CommitmentDateProposal.state == "pending")
        .order_by(CommitmentDateProposal.proposed_at))]


# --- changing a published commitment -----------------------------------------------------------

@dataclass
class PublishedChange:
    title: str
    description: str
    success_measure: str
    due_date: date | None
    reason: str


def change_published(session: Session, commitment: Commitment, change: PublishedChange, actor: User) -> int:
    """Change what every force carries: each open linked action takes the new words (an audit event on
    its force) and the new due date (a re-plan with the national team's reason, as any re-plan); each
    force's programme managers are told once. Finished actions keep what they were finished against.
    Returns how many forces' actions changed."""
    if commitment.state != "published":
        raise ServiceError("Only a published commitment is changed this way")
    words = {"title": commitments.checked_text(change.title, "a title", "title", commitments.TITLE_LIMIT,
                                               required=True),
             "description": commitments.checked_text(change.description, "the description", "description",
                                                     commitments.TEXT_LIMIT),
             "success_measure": commitments.checked_text(change.success_measure, "the success measure",
                                                         "success_measure", commitments.TEXT_LIMIT)}
    if change.due_date is None:
        raise ServiceError("Enter the due date", "due_date")
    if problem := inputs.date_problem(change.due_date, "The due date"):
        raise ServiceError(problem, "due_date")
    reason = _reason(change.reason, "Enter why the commitment is changing")
    changes = audit.apply_changes(commitment, {**words, "due_date": change.due_date})
    if not changes:
        raise ServiceError("Nothing has changed: change the words or the due date, or go back")
    session.flush()  # two people changing it at once: the commitment's row version lets one through
    event = audit.record(session, actor, "commitment.changed", "commitment", commitment.id,
                         changes={**changes, "reason": [None, reason]}, summary=f"{commitment.reference} changed")
    session.flush()
    changed = 0
    for member in session.scalars(select(CommitmentForce).where(
            CommitmentForce.commitment_id == commitment.id, CommitmentForce.membership == "active",
            CommitmentForce.action_id.is_not(None))):
        action = session.get(Action, member.action_id)
        if plan_rules.is_closed(action.status):
            continue
        action_changes = audit.apply_changes(action, words)
        if action_changes:
            audit.record(session, actor, "action.updated", "action", action.id, changes=action_changes,
                         force_id=action.force_id, action_id=action.id,
                         summary=f"National commitment {commitment.reference} changed: {reason}"[:255])
        if action.current_due_date != change.due_date:
            plans.change_due_date(session, action, change.due_date, f"National commitment changed: {reason}",
                                  actor=actor, national=True)
        changed += 1
        _tell_managers(session, action, commitment, reason, event.id)
    return changed


def _tell_managers(session: Session, action: Action, commitment: Commitment, reason: str, event_id: int) -> None:
    commitments.tell_managers(session, action.force_id, {
        "kind": "commitment_changed", "action_id": action.id, "reference": action.reference, "title": action.title,
        "label": f"Changed by the national team: {reason}"}, f"The national team changed {commitment.reference}",
        f"commitment-changed:{event_id}")
