"""Who may see and do what, decided here and nowhere else.

Visibility is expressed as query filters, so every list and every lookup goes through the
same rule and anything outside the user's scope simply is not found (a 404). Permission to
change something the user can already see is a separate yes/no (a 403 when refused).

| role              | sees                                 | changes                                  |
|-------------------|--------------------------------------|------------------------------------------|
| admin             | everything                           | everything                               |
| oversight         | every force's plan (read-only)       | nothing on plans                         |
| programme_manager | their own force's plan               | their own force's plan; signs off others'|
| action_owner      | the actions they own, in their force | progress, milestones and status of those |
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import abort
from sqlalchemy import Select, false, select, true
from sqlalchemy.orm import Session

from improvement_tracker.models import Action, DeepDive, Evidence, Finding, Force, Milestone, User

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement

ADMIN = "admin"
OVERSIGHT = "oversight"
PROGRAMME_MANAGER = "programme_manager"
ACTION_OWNER = "action_owner"

ROLE_LABELS = {
    ADMIN: "Administrator",
    OVERSIGHT: "Oversight (national)",
    PROGRAMME_MANAGER: "Force programme manager",
    ACTION_OWNER: "Action owner",
}


def _sees_all(user: User) -> bool:
    return user.role in (ADMIN, OVERSIGHT)


# --- visibility, as SQL conditions -------------------------------------------------------

def force_condition(user: User) -> ColumnElement[bool]:
    """Forces whose plan page the user may open."""
    if _sees_all(user):
        return true()
    if user.role == PROGRAMME_MANAGER and user.force_id is not None:
        return Force.id == user.force_id
    return false()


def plan_condition(user: User, force_column) -> ColumnElement[bool]:
    """Deep dives and findings: the whole plan of a force."""
    if _sees_all(user):
        return true()
    if user.role == PROGRAMME_MANAGER and user.force_id is not None:
        return force_column == user.force_id
    return false()


def action_condition(user: User) -> ColumnElement[bool]:
    if _sees_all(user):
        return true()
    if user.force_id is None:
        return false()
    if user.role == PROGRAMME_MANAGER:
        return Action.force_id == user.force_id
    if user.role == ACTION_OWNER:
        return (Action.force_id == user.force_id) & (Action.owner_id == user.id)
    return false()


def visible_forces(user: User) -> Select:
    return select(Force).where(force_condition(user))


def visible_actions(user: User) -> Select:
    return select(Action).where(action_condition(user))


# --- lookups that 404 outside scope -----------------------------------------------------

def force_or_404(session: Session, user: User, code: str) -> Force:
    force = session.scalar(visible_forces(user).where(Force.code == code))
    if force is None:
        abort(404)
    return force


def deep_dive_or_404(session: Session, user: User, force: Force, deep_dive_id: int) -> DeepDive:
    deep_dive = session.scalar(
        select(DeepDive).where(
            DeepDive.id == deep_dive_id,
            DeepDive.force_id == force.id,
            plan_condition(user, DeepDive.force_id),
        )
    )
    if deep_dive is None:
        abort(404)
    return deep_dive


def finding_or_404(session: Session, user: User, force: Force, finding_id: int) -> Finding:
    finding = session.scalar(
        select(Finding).where(
            Finding.id == finding_id,
            Finding.force_id == force.id,
            plan_condition(user, Finding.force_id),
        )
    )
    if finding is None:
        abort(404)
    return finding


def action_or_404(session: Session, user: User, action_id: int) -> Action:
    action = session.scalar(visible_actions(user).where(Action.id == action_id))
    if action is None:
        abort(404)
    return action


def milestone_or_404(session: Session, user: User, action: Action, milestone_id: int) -> Milestone:
    milestone = session.scalar(
        select(Milestone).where(Milestone.id == milestone_id, Milestone.action_id == action.id)
    )
    if milestone is None:
        abort(404)
    return milestone


def evidence_or_404(session: Session, user: User, evidence_id: int) -> Evidence:
    """Evidence is visible exactly when its action is."""
    evidence = session.scalar(
        select(Evidence).join(Action, Action.id == Evidence.action_id)
        .where(Evidence.id == evidence_id, action_condition(user))
    )
    if evidence is None:
        abort(404)
    return evidence


# --- permissions on what the user can already see ---------------------------------------

def can_manage_plan(user: User, force_id: int) -> bool:
    """Create and edit deep dives, findings, actions; assign owners; review; sign off."""
    if user.role == ADMIN:
        return True
    return user.role == PROGRAMME_MANAGER and user.force_id == force_id


def can_work_on_action(user: User, action: Action) -> bool:
    """Record progress, tick milestones, move the action along, as its owner would."""
    if can_manage_plan(user, action.force_id):
        return True
    return user.role == ACTION_OWNER and action.owner_id == user.id and user.force_id == action.force_id


def can_sign_off(user: User, action: Action) -> bool:
    """Four-eyes: a plan manager who is not the action's owner."""
    return can_manage_plan(user, action.force_id) and action.owner_id != user.id


def can_review_evidence(user: User, evidence: Evidence) -> bool:
    """Accept or reject: the force's programme manager (the service refuses their own uploads)."""
    return can_manage_plan(user, evidence.force_id)


def can_withdraw_evidence(user: User, evidence: Evidence) -> bool:
    """The person who uploaded it, while they still work on the action, or a plan manager."""
    if can_manage_plan(user, evidence.force_id):
        return True
    return evidence.uploaded_by_id == user.id and can_work_on_action(user, evidence.action)


def can_purge_evidence(user: User) -> bool:
    """Delete the stored bytes of withdrawn evidence: administrators only."""
    return user.role == ADMIN


def can_administer(user: User) -> bool:
    return user.role == ADMIN


def require(allowed: bool) -> None:
    """Refuse with 403 something the user can see but may not do."""
    if not allowed:
        abort(403)


def landing_endpoint(user: User) -> tuple[str, dict]:
    """Where each role's work is, right after sign-in."""
    if user.role == ADMIN:
        return "admin.index", {}
    if user.role == OVERSIGHT:
        return "plans.forces", {}
    if user.role == PROGRAMME_MANAGER and user.force is not None:
        return "plans.force_plan", {"code": user.force.code}
    return "plans.my_actions", {}
