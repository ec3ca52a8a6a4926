"""Status rules: who may move an action from where to where, and what each move records.

not_started -> in_progress -> awaiting_sign_off -> complete, plus blocked (with a reason)
and closed_not_needed (with a reason). The owner works the action; a programme manager who
is neither the owner nor the person who asked for sign-off signs it off (four-eyes), returns
it, closes it or reopens it.

A move is made once: the action's UPDATE names the row version it was read at, so a second
request that read the same state changes nothing (views._helpers reports it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from improvement_tracker import security
from improvement_tracker.models import Action, ProgressUpdate, User
from improvement_tracker.models._types import utcnow
from improvement_tracker.security import MANAGER, SIGNER, WORKER, Refusal
from improvement_tracker.services import audit, clock, commitments, evidence, plan_rules
from improvement_tracker.services.audit import ServiceError

STATUS_LABELS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "awaiting_sign_off": "Awaiting sign-off",
    "complete": "Complete",
    "blocked": "Blocked",
    "closed_not_needed": "Closed – not needed",
}
# One palette for a status wherever it shows: its tag (a GOV.UK tag colour) and its series in a
# chart (a colour of 3:1 or more against white, or outlined, and a pattern, so colour is never
# alone). Red means a red RAG and nothing else, so a blocked action is pink.
STATUS_PALETTE = {
    "not_started": ("grey", "#505a5f", "."),
    "in_progress": ("blue", "#1d70b8", ""),
    "awaiting_sign_off": ("purple", "#4c2c92", "/"),
    "complete": ("green", "#00703c", ""),
    "blocked": ("pink", "#d53880", "x"),
    "closed_not_needed": ("grey", "#b1b4b6", "-"),
}

@dataclass(frozen=True)
class Transition:
    slug: str
    label: str
    sources: tuple[str, ...]
    target: str
    who: str
    note_required: bool
    note_label: str
    hint: str = ""
    note_error: str = "Enter a reason"


TRANSITIONS: dict[str, Transition] = {
    t.slug: t
    for t in (
        Transition("start", "Start work", ("not_started",), "in_progress", WORKER, False,
                   "What are you doing first? (optional)"),
        Transition("request-sign-off", "Ask for sign-off", ("in_progress",), "awaiting_sign_off", WORKER,
                   False, "What has been done? (optional)",
                   "Your programme manager will check the action meets its success measure."),
        Transition("block", "Mark as blocked", ("not_started", "in_progress"), "blocked", WORKER, True,
                   "What is blocking this action?", note_error="Enter what is blocking this action"),
        Transition("unblock", "Resume work", ("blocked",), "in_progress", WORKER, False,
                   "What changed? (optional)"),
        Transition("sign-off", "Sign off as complete", ("awaiting_sign_off",), "complete", SIGNER, False,
                   "Sign-off comment (optional)"),
        Transition("return", "Return to the owner", ("awaiting_sign_off",), "in_progress", MANAGER, True,
                   "What still needs to be done?",
                   note_error="Enter what still needs to be done"),
        Transition("close", "Close as not needed", ("not_started", "in_progress", "blocked",
                                                    "awaiting_sign_off"),
                   "closed_not_needed", MANAGER, True, "Why is this action not needed?",
                   note_error="Enter why this action is not needed"),
        Transition("reopen", "Reopen", ("complete", "closed_not_needed"), "in_progress", MANAGER, True,
                   "Why is this action being reopened?",
                   note_error="Enter why this action is being reopened"),
    )
}


def refusal(user: User, action: Action, transition: Transition) -> Refusal | None:
    """Why this user may not make this move now (security decides who; four-eyes included)."""
    return security.transition_refusal(user, action, transition.who)


def available(user: User, action: Action, *, national: bool = False) -> list[Transition]:
    """The moves this user can make on this action now, for the action page's buttons. ``national``:
    the action is an active national commitment, which the force cannot close as not needed."""
    return [t for t in TRANSITIONS.values() if action.status in t.sources and refusal(user, action, t) is None
            and not (national and t.target == "closed_not_needed")]


def apply(session: Session, action: Action, slug: str, note: str, *, actor: User,
          no_evidence_reason: str | None = None) -> ProgressUpdate:
    """Make the move. Signing off also needs the evidence rule (services.evidence.check_sign_off):
    nothing awaiting review, and accepted evidence or ``no_evidence_reason``."""
    transition = TRANSITIONS.get(slug)
    if transition is None:
        raise ServiceError("Unknown status change")
    if action.status not in transition.sources:
        raise ServiceError(
            f"This action is {STATUS_LABELS[action.status].lower()}: it cannot be moved that way now"
        )
    audit.enforce(refusal(actor, action, transition))
    if transition.target == "closed_not_needed" and (why := commitments.close_refusal(session, action)):
        raise ServiceError(why)
    note = (note or "").strip()
    if transition.note_required and not note:
        raise ServiceError(transition.note_error, "note")
    evidence_reason = None
    if transition.target == "complete":
        counts = evidence.check_sign_off(session, action, no_evidence_reason)
        evidence_reason = None if counts.accepted else no_evidence_reason.strip()
    old = action.status
    if transition.slug == "reopen":
        commitments.forget_confirmation(session, action)
    action.status = transition.target
    if transition.target == "awaiting_sign_off":
        action.sign_off_requested_by_id = actor.id
    elif transition.target != "complete":
        action.sign_off_requested_by_id = None
    action.status_reason = note if transition.target in ("blocked", "closed_not_needed") else None
    if transition.target == "complete":
        action.completed_date = clock.today()
        action.signed_off_by_id = actor.id
    elif plan_rules.is_closed(old):
        action.completed_date = None
        action.signed_off_by_id = None
    now = utcnow()
    update = ProgressUpdate(action_id=action.id, author_id=actor.id, text=note, status_from=old,
                            status_to=transition.target, created_at=now)
    session.add(update)
    action.last_update_at = now
    changes = {"status": [old, transition.target]}
    if note:
        changes["note"] = [None, note]
    if evidence_reason:
        changes["no_evidence_reason"] = [None, evidence_reason]
    audit.record(session, actor, f"action.{transition.slug.replace('-', '_')}", "action", action.id,
                 changes=changes, force_id=action.force_id, action_id=action.id,
                 summary=f"{transition.label}: {action.reference}")
    return update


def add_progress_update(session: Session, action: Action, text: str, *, actor: User) -> ProgressUpdate:
    text = (text or "").strip()
    if not text:
        raise ServiceError("Enter what has happened since the last update", "text")
    if plan_rules.is_closed(action.status):
        raise ServiceError("This action is finished: reopen it before adding updates", "text")
    now = utcnow()
    update = ProgressUpdate(action_id=action.id, author_id=actor.id, text=text, created_at=now)
    session.add(update)
    action.last_update_at = now
    session.flush()
    audit.record(session, actor, "progress_update.created", "progress_update", update.id,
                 changes={"text": [None, text]}, force_id=action.force_id, action_id=action.id,
                 summary=f"Progress update on {action.reference}")
    return update
