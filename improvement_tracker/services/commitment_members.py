"""Which forces carry a published commitment, after it is published (docs/commitments.md): the national
team adds forces (each gets its linked action at once), a force that joins the cohort or is added to
the service joins the commitments that apply to it, and the national team takes a force off a
commitment with a reason (the force keeps its action, closed as not needed with that reason).

Each force's programme managers are told by email. Plain arguments and a session; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from improvement_tracker.formatting import govuk_date
from improvement_tracker.models import (
    Action,
    Commitment,
    CommitmentDateProposal,
    CommitmentForce,
    Force,
    ProgressUpdate,
    User,
)
from improvement_tracker.models._types import utcnow
from improvement_tracker.services import audit, clock, commitments, inputs, plan_rules, plans
from improvement_tracker.services.audit import ServiceError

REASON_LIMIT = 2000
REMOVED = "Taken off the national commitment by the national team"


def _reason(text: str | None) -> str:
    reason = (text or "").strip()
    if not reason:
        raise ServiceError("Enter why the force no longer needs to do this", "reason")
    if len(reason) > REASON_LIMIT:
        raise ServiceError(f"The reason must be {REASON_LIMIT:,} characters or fewer", "reason")
    if inputs.has_control_characters(reason):
        raise ServiceError(inputs.CONTROL_CHARACTER_MESSAGE, "reason")
    return reason


def addable(session: Session, commitment: Commitment) -> list[Force]:
    """The forces the national team could add: every force not carrying the commitment now."""
    carrying = select(CommitmentForce.force_id).where(CommitmentForce.commitment_id == commitment.id,
                                                      CommitmentForce.membership == "active")
    return list(session.scalars(select(Force).where(Force.id.not_in(carrying)).order_by(Force.name)))


def removed(session: Session, commitment: Commitment) -> list[tuple[str, str]]:
    """Forces taken off the commitment, with the national team's reason."""
    return [(name, reason) for name, reason in session.execute(select(Force.name, CommitmentForce.removed_reason)
                                .join(CommitmentForce, CommitmentForce.force_id == Force.id)
                                .where(CommitmentForce.commitment_id == commitment.id,
                                       CommitmentForce.membership == "removed").order_by(Force.name))]


def _rejoin(session: Session, commitment: Commitment, member: CommitmentForce, actor: User) -> None:
    """A force taken off and added again: the same action, open again (a finished one stays finished),
    with what the commitment says now (it may have changed while the force was off)."""
    member.membership, member.removed_at, member.removed_reason = "active", None, None
    action = session.get(Action, member.action_id) if member.action_id else None
    if action is None or action.status != "closed_not_needed":
        return
    now = utcnow()
    action.status, action.status_reason, action.last_update_at = "in_progress", None, now
    session.add(ProgressUpdate(action_id=action.id, author_id=actor.id, created_at=now,
                               text=f"Added back to national commitment {commitment.reference} by the national team",
                               status_from="closed_not_needed", status_to="in_progress"))
    audit.record(session, actor, "action.reopened", "action", action.id, force_id=action.force_id,
                 action_id=action.id, changes={"status": ["closed_not_needed", "in_progress"]},
                 summary=f"Added back to national commitment {commitment.reference}")
    words = audit.apply_changes(action, {"title": commitment.title, "description": commitment.description,
                                         "success_measure": commitment.success_measure})
    if words:
        audit.record(session, actor, "action.updated", "action", action.id, changes=words, force_id=action.force_id,
                     action_id=action.id, summary=f"National commitment {commitment.reference} as it is now")
    if action.current_due_date != commitment.due_date:
        plans.change_due_date(session, action, commitment.due_date,
                              f"Added back to national commitment {commitment.reference}: its due date now",
                              actor=actor, national=True)


def add(session: Session, commitment: Commitment, force: Force, actor: User) -> CommitmentForce | None:
    """The force carries the published commitment from now: its linked action is added to its plan
    (or, for a force taken off before, its action is open again). None when it carries it already."""
    if commitment.state != "published":
        raise ServiceError("Add forces to a draft by changing the draft")
    member = commitments.member_of(session, commitment, force.id)
    if member is not None and member.membership == "active":
        return None
    # Written before anything else, so that two people adding the force at once add it once: the
    # unique (commitment, force) refuses a second new membership, the row version a second rejoining
    # (joining alone would find the other's membership once committed, and tell the force twice).
    if member is None:
        session.add(CommitmentForce(commitment_id=commitment.id, force_id=force.id, membership="active"))
    else:
        _rejoin(session, commitment, member, actor)
    session.flush()
    member = commitments.join(session, commitment, force, actor)
    event = audit.record(session, actor, "commitment.force_added", "commitment", commitment.id, force_id=force.id,
                         action_id=member.action_id, changes={"membership": [None, "active"]},
                         summary=f"{force.name} now carries {commitment.reference}")
    session.flush()
    commitments.tell_managers(session, force.id, {"kind": "commitment_added", "action_id": member.action_id,
                              "reference": commitment.reference, "title": commitment.title,
                              "label": f"Added to your plan by the national team, due "
                                       f"{govuk_date(commitment.due_date)}"},
          f"{commitment.reference} is now in your force's plan", f"commitment-added:{event.id}")
    return member


def add_forces(session: Session, commitment: Commitment, force_ids: list[int], actor: User) -> list[Force]:
    """Add the chosen forces; returns those that were added (the rest carried it already)."""
    if not force_ids:
        raise ServiceError("Select at least one force to add", "force_ids")
    forces = list(session.scalars(select(Force).where(Force.id.in_(set(force_ids))).order_by(Force.name)))
    if len(forces) != len(set(force_ids)):
        raise ServiceError("Select forces from the list", "force_ids")
    if commitment.due_date < clock.today():
        raise ServiceError("The due date has passed: change the commitment's due date before adding forces",
                           "force_ids")
    added = [force for force in forces if add(session, commitment, force, actor) is not None]
    if not added:
        raise ServiceError("Every force you chose carries this commitment already", "force_ids")
    return added


def remove(session: Session, commitment: Commitment, force_id: int | None, reason: str, actor: User) -> Force:
    """Take a force off the commitment. It keeps its action, closed as not needed with the national
    team's reason (a finished one stays as it was); a date proposal waiting is refused."""
    force = session.get(Force, force_id) if force_id else None
    member = commitments.member_of(session, commitment, force.id) if force is not None else None
    if commitment.state != "published" or member is None or member.membership != "active":
        raise ServiceError("Select a force that carries this commitment", "force_id")
    reason = _reason(reason)
    now = utcnow()
    member.membership, member.removed_at, member.removed_reason = "removed", now, reason
    session.flush()  # two people removing it at once: the membership's row version lets one through
    waiting = session.scalar(select(CommitmentDateProposal).where(
        CommitmentDateProposal.commitment_force_id == member.id, CommitmentDateProposal.state == "pending"))
    if waiting is not None:
        waiting.state, waiting.decided_by_id, waiting.decided_at = "refused", actor.id, now
        waiting.decision_reason = f"{REMOVED}: {reason}"
    action = session.get(Action, member.action_id) if member.action_id else None
    if action is not None and not plan_rules.is_closed(action.status):
        old = action.status
        action.status, action.status_reason, action.last_update_at = "closed_not_needed", f"{REMOVED}: {reason}", now
        action.sign_off_requested_by_id = None
        session.add(ProgressUpdate(action_id=action.id, author_id=actor.id, text=f"{REMOVED}: {reason}",
                                   status_from=old, status_to="closed_not_needed", created_at=now))
        audit.record(session, actor, "action.close", "action", action.id, force_id=action.force_id,
                     action_id=action.id, changes={"status": [old, "closed_not_needed"], "note": [None, reason]},
                     summary=f"{REMOVED}: {action.reference}")
    event = audit.record(session, actor, "commitment.force_removed", "commitment", commitment.id, force_id=force.id,
                         action_id=member.action_id, changes={"membership": ["active", "removed"],
                                                              "reason": [None, reason]},
                         summary=f"{force.name} taken off {commitment.reference}")
    session.flush()
    commitments.tell_managers(session, force.id, {"kind": "commitment_removed", "action_id": member.action_id,
                              "reference": commitment.reference, "title": commitment.title,
                              "label": f"{REMOVED}: {reason}"},
          f"The national team took your force off {commitment.reference}", f"commitment-removed:{event.id}")
    return force


def join_by_rule(session: Session, force: Force, actor: User) -> list[Commitment]:
    """A force added to the service, or moved into a cohort, joins the published commitments that apply
    to all forces or to its cohort and are not yet due (ones it was taken off stay off: that was
    the national team's decision). Returns the commitments it joined."""
    joined = []
    for commitment in session.scalars(select(Commitment).where(
            Commitment.state == "published", Commitment.due_date >= clock.today(),
            or_(Commitment.applies_to == "all",
                (Commitment.applies_to == "cohort") & (Commitment.cohort == force.cohort)))
            .order_by(Commitment.reference)):
        if commitments.member_of(session, commitment, force.id) is None:
            add(session, commitment, force, actor)
            joined.append(commitment)
    return joined
