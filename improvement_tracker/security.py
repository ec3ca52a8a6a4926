"""Who may see and do what, decided here and nowhere else.

Visibility is expressed as query filters, so every list and every lookup goes through the
same rule and anything outside the user's scope simply is not found (a 404). Permission to
change something the user can already see is a separate yes/no (a 403 when refused). One
exception, decided in ``force_or_404``: an action owner opening a page of their own force (its
plan, dashboard, evidence awaiting review…) is told it is for the force's programme managers and
where their actions are (``ForYourManagers``, a 403); another force's pages stay a 404.

| role              | sees                                 | changes                                  |
|-------------------|--------------------------------------|------------------------------------------|
| admin             | everything                           | everything                               |
| oversight         | every force's plan (read-only)       | nothing on plans                         |
| programme_manager | their own force's plan               | their own force's plan; signs off others'|
| action_owner      | the actions they own, in their force | progress, milestones and status of those |

Quarterly returns: a force's programme managers draft, submit, correct and answer questions on
their force's returns; oversight reads every force's submitted returns and writes only its own
assessments, questions and review decisions; administrators do everything, due dates included;
action owners have no access to returns (a 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import abort
from sqlalchemy import Select, false, select, true
from sqlalchemy.orm import Session, lazyload
from werkzeug.exceptions import Forbidden

from improvement_tracker.models import (
    Action,
    DeepDive,
    Evidence,
    Finding,
    Force,
    Milestone,
    Pillar,
    QuarterlyReturn,
    ReportingPeriod,
    ReturnQuestion,
    ReturnVersion,
    User,
)
from improvement_tracker.services import commitments, plan_rules, reporting_periods

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

class ForYourManagers(Forbidden):
    """A page of the user's own force that is for its programme managers, opened by an action owner:
    a 403 that says where their own work is. They know their force exists, so a 404 would only puzzle
    them; another force's pages stay a 404 (nothing about another force is admitted to exist)."""

    description = "This page is for your force's programme managers."


def is_own_force_manager_page(user: User, code: str) -> bool:
    """An action owner asking for a page of their own force (its plan, dashboard, evidence awaiting
    review, returns…): pages for the force's programme managers."""
    return user.role == ACTION_OWNER and user.force is not None and user.force.code == code


def force_or_404(session: Session, user: User, code: str) -> Force:
    force = session.scalar(visible_forces(user).where(Force.code == code))
    if force is None:
        if is_own_force_manager_page(user, code):
            raise ForYourManagers()
        abort(404)
    return force


def _plan_part_or_404(session: Session, user: User, model: type[DeepDive] | type[Finding], force: Force,
                      object_id: int):
    found = session.scalar(select(model).where(model.id == object_id, model.force_id == force.id,
                                               plan_condition(user, model.force_id)))
    if found is None:
        abort(404)
    return found


def deep_dive_or_404(session: Session, user: User, force: Force, deep_dive_id: int) -> DeepDive:
    return _plan_part_or_404(session, user, DeepDive, force, deep_dive_id)


def finding_or_404(session: Session, user: User, force: Force, finding_id: int) -> Finding:
    return _plan_part_or_404(session, user, Finding, force, finding_id)


def action_or_404(session: Session, user: User, action_id: int) -> Action:
    action = session.scalar(visible_actions(user).where(Action.id == action_id))
    if action is None:
        abort(404)
    return action


def milestone_or_404(session: Session, action: Action, milestone_id: int) -> Milestone:
    """A milestone of an action the caller has already found in the user's scope."""
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


def period_or_404(session: Session, slug: str) -> ReportingPeriod:
    """A reporting period by its slug ("2026-27-q2"); every signed-in user may know the quarters."""
    period = reporting_periods.by_slug(session, slug)
    if period is None:
        abort(404)
    return period


def return_or_404(session: Session, force: Force, period: ReportingPeriod) -> QuarterlyReturn:
    """A force's return for a period, once it has been started (the force already found in scope)."""
    found = session.scalar(select(QuarterlyReturn).where(QuarterlyReturn.force_id == force.id,
                                                         QuarterlyReturn.period_id == period.id))
    if found is None:
        abort(404)
    return found


def return_version_or_404(session: Session, force: Force, slug: str,
                          number: int) -> tuple[QuarterlyReturn, ReturnVersion]:
    """A force's return for the quarter a URL names, and one of its versions, in one query (the
    force already found in scope): a version's page is read often."""
    quarter = reporting_periods.parse_slug(slug)
    if quarter is None:
        abort(404)
    found = session.execute(
        select(QuarterlyReturn, ReturnVersion)
        .join(ReturnVersion, ReturnVersion.return_id == QuarterlyReturn.id)
        .join(ReportingPeriod, ReportingPeriod.id == QuarterlyReturn.period_id)
        .where(QuarterlyReturn.force_id == force.id, ReportingPeriod.financial_year == quarter.financial_year,
               ReportingPeriod.quarter == quarter.quarter, ReturnVersion.number == number)
        # The force is in hand; who submitted a version is in its content: no joins for them.
        .options(lazyload(QuarterlyReturn.force), lazyload(ReturnVersion.submitted_by))).first()
    if found is None:
        abort(404)
    return found[0], found[1]


def question_or_404(session: Session, version: ReturnVersion, question_id: int) -> ReturnQuestion:
    found = session.scalar(select(ReturnQuestion).where(ReturnQuestion.id == question_id,
                                                        ReturnQuestion.version_id == version.id))
    if found is None:
        abort(404)
    return found


def pillar_or_404(session: Session, code: str) -> Pillar:
    found = session.scalar(select(Pillar).where(Pillar.code == code))
    if found is None:
        abort(404)
    return found


# --- permissions on what the user can already see ---------------------------------------

def can_manage_plan(user: User, force_id: int) -> bool:
    """Create and edit deep dives, findings, actions; assign owners; review; sign off."""
    if user.role == ADMIN:
        return True
    return user.role == PROGRAMME_MANAGER and user.force_id == force_id


def manages_force(user: User, force: Force) -> bool:
    return can_manage_plan(user, force.id)


def manages_action(user: User, action: Any) -> bool:
    return can_manage_plan(user, action.force_id)


def can_work_on_action(user: User, action: Any) -> bool:
    """Record progress, tick milestones, move the action along, as its owner would."""
    if can_manage_plan(user, action.force_id):
        return True
    return user.role == ACTION_OWNER and action.owner_id == user.id and user.force_id == action.force_id


def can_purge_evidence(user: User) -> bool:
    """Delete the stored bytes of withdrawn evidence: administrators only."""
    return user.role == ADMIN


# --- refusals: whether a user may do something now, and if not, why ---------------------------
#
# The page shows a button exactly when the refusal is None, and the service refuses with the same
# words, so the two cannot disagree. A refusal that is ``forbidden`` is about who the user is
# (a 403); any other is about the state of things (a message the user can act on).

@dataclass(frozen=True)
class Refusal:
    message: str
    forbidden: bool = False


FORBIDDEN = Refusal("You do not have permission to do this", forbidden=True)

# Who makes each status change (services.status).
WORKER, MANAGER, SIGNER = "worker", "manager", "signer"


def transition_refusal(user: User, action: Any, who: str) -> Refusal | None:
    """Whether the user may make a status change made by ``who`` (the worker, a manager, the signer)."""
    if who == WORKER:
        return None if can_work_on_action(user, action) else FORBIDDEN
    if not can_manage_plan(user, action.force_id):
        return FORBIDDEN
    if who == SIGNER and action.owner_id == user.id:
        # Four-eyes: whoever owns the work does not sign it off...
        return Refusal("You own this action, so another programme manager must sign it off")
    if who == SIGNER and action.sign_off_requested_by_id == user.id:
        # ...nor whoever said it was done, whatever their role.
        return Refusal("You asked for this action to be signed off, so another programme manager must sign it off")
    return None


def review_refusal(user: User, evidence: Any, action: Any) -> Refusal | None:
    """Accept or reject: the force's programme manager, never on their own upload, on an open action."""
    if not can_manage_plan(user, evidence.force_id):
        return FORBIDDEN
    if evidence.withdrawn_at is not None:
        return Refusal("This evidence has been withdrawn, so it cannot be reviewed")
    if evidence.uploaded_by_id == user.id:
        return Refusal("You uploaded this evidence, so someone else must review it")
    if plan_rules.is_closed(action.status):
        return Refusal("This action is finished: reopen it before changing the review of its evidence")
    return None


def withdraw_refusal(user: User, evidence: Any, action: Any) -> Refusal | None:
    """The person who uploaded it, while they still work on the action, or a plan manager."""
    manager = can_manage_plan(user, evidence.force_id)
    if not manager and not (evidence.uploaded_by_id == user.id and can_work_on_action(user, action)):
        return FORBIDDEN
    if evidence.withdrawn_at is not None:
        return Refusal("This evidence has already been withdrawn")
    if plan_rules.is_closed(action.status) and not manager:
        return Refusal("This action is finished: ask your programme manager to withdraw the evidence")
    return None


def purge_refusal(user: User, evidence: Any) -> Refusal | None:
    """Delete the stored bytes of withdrawn evidence: administrators only."""
    if not can_purge_evidence(user):
        return FORBIDDEN
    if evidence.purged_at is not None:
        return Refusal("This file has already been deleted")
    if evidence.withdrawn_at is None:
        return Refusal("Withdraw this evidence before deleting its file")
    return None


def may_download_evidence(user: User, evidence: Any) -> bool:
    """Live evidence, for anyone who can see it; withdrawn evidence, for administrators until purged."""
    if evidence.purged_at is not None:
        return False
    return evidence.withdrawn_at is None or can_purge_evidence(user)


def may_upload_evidence(user: User, action: Any) -> bool:
    return can_work_on_action(user, action) and not plan_rules.is_closed(action.status)


# --- quarterly returns ---------------------------------------------------------------------

def may_see_returns(user: User, force: Any) -> bool:
    """A force's returns: oversight, administrators and the force's programme managers."""
    if _sees_all(user):
        return True
    return user.role == PROGRAMME_MANAGER and user.force_id == force.id


def may_draft_return(user: User, force: Any) -> bool:
    """Start, write, submit and correct a force's return, and answer the national team's questions."""
    return can_manage_plan(user, force.id)


def may_review_returns(user: User, force: Any = None) -> bool:
    """Assess, ask questions, mark reviewed: the national team and administrators."""
    return _sees_all(user)


def may_read_drafts(user: User, force: Any) -> bool:
    """A draft's words are the force's until submitted: the national team sees only that it exists."""
    return may_draft_return(user, force)


def may_set_due_dates(user: User) -> bool:
    return user.role == ADMIN


# --- outcome figures -------------------------------------------------------------------------

def may_see_outcomes(user: User, force: Any) -> bool:
    """A force's outcome figures: oversight, administrators and the force's programme managers."""
    return may_see_returns(user, force)


def may_enter_outcomes(user: User, force: Any) -> bool:
    """Enter or correct a force's quarter figures and its 2019 baseline by hand."""
    return can_manage_plan(user, force.id)


def may_see_national_outcomes(user: User) -> bool:
    """Every force's figures side by side, and loading a file of them: the national team and administrators."""
    return _sees_all(user)


def may_import_outcomes(user: User) -> bool:
    return _sees_all(user)


def may_read_measures(user: User) -> bool:
    """The catalogue's definitions and caveats: everyone who sees any outcome figures."""
    return user.role != ACTION_OWNER


def may_edit_measures(user: User) -> bool:
    """The catalogue's words (name, definition, source, caveat): administrators."""
    return user.role == ADMIN


# --- national commitments ---------------------------------------------------------------------

def may_set_commitments(user: User) -> bool:
    """Draft, publish and change national commitments: the national team and administrators."""
    return _sees_all(user)


def may_see_commitments(user: User) -> bool:
    """The commitments list: the national team and administrators (every commitment), programme
    managers (those their force carries)."""
    return _sees_all(user) or user.role == PROGRAMME_MANAGER


def may_decide_for_commitments(user: User) -> bool:
    """Confirm or return a force's completion, agree or refuse its proposed date: the national team."""
    return _sees_all(user)


def may_propose_commitment_date(user: User, force: Any) -> bool:
    """Propose a later date for a force's linked action: the force's programme managers (and admins)."""
    return can_manage_plan(user, force.id)


def commitment_member_or_404(session: Session, user: User, reference: str, code: str) -> tuple[Any, Any, Any]:
    """(commitment, the force's membership, its linked action) for a force the user may see that
    carries the commitment; anything else does not exist."""
    commitment = commitment_or_404(session, user, reference)
    force = force_or_404(session, user, code)
    member = commitments.member_of(session, commitment, force.id)
    if member is None or member.action_id is None:
        abort(404)
    return commitment, member, session.get(Action, member.action_id)


def proposal_or_404(session: Session, commitment: Any, proposal_id: int) -> Any:
    found = commitments.proposal_of(session, commitment, proposal_id)
    if found is None:
        abort(404)
    return found


def commitment_or_404(session: Session, user: User, reference: str) -> Any:
    """A commitment the user may see: any, for the national team and administrators; for a programme
    manager, a published one their force carries. Anything else does not exist."""
    found = commitments.by_reference(session, reference)
    if found is None or not (_sees_all(user) or (
            user.role == PROGRAMME_MANAGER and commitments.applies_to_force(session, found, user.force_id))):
        abort(404)
    return found


def can_administer(user: User) -> bool:
    return user.role == ADMIN


def require(allowed: bool) -> None:
    """Refuse with 403 something the user can see but may not do."""
    if not allowed:
        abort(403)


def has_todo(user: User) -> bool:
    """The to-do page (services.todo): what waits in their force's plan, for its programme managers."""
    return user.role == PROGRAMME_MANAGER and user.force_id is not None


def landing_endpoint(user: User) -> tuple[str, dict]:
    """Where each role's work is, right after sign-in."""
    if user.role == ADMIN:
        return "admin.index", {}
    if user.role == OVERSIGHT:
        return "plans.forces", {}
    if has_todo(user):
        return "todo.index", {}
    return "plans.my_actions", {}
