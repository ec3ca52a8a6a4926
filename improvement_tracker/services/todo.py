"""A programme manager's to-do page, their start page: what in their force's plan is waiting for them.

Nothing here is a definition of its own. Overdue and the days without an update are the plan's rules
(services.plan_rules): an action is listed as overdue with no recent update when it is overdue and has
had no progress update for ``plan_rules.RAG_NO_UPDATE_DAYS`` days or more (the amber rule's number).
Whom an action waits for to sign it off is security's four-eyes rule, and which evidence this person
may review is security's review rule. What the national team sent back comes from the records its
decisions leave: date proposals (services.commitment_reviews), the audit event of a returned completion,
and the questions about the force's quarterly returns still without an answer (services.return_reviews).

Five queries, whatever the plan's size; plain values only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from improvement_tracker import security
from improvement_tracker.models import (
    Action,
    AuditEvent,
    Commitment,
    CommitmentDateProposal,
    CommitmentForce,
    Force,
    Pillar,
    QuarterlyReturn,
    ReportingPeriod,
    ReturnQuestion,
    ReturnVersion,
    User,
)
from improvement_tracker.services import evidence, plan_queries, plan_rules, reporting_periods

# The audit events a returned completion and a sign-off leave (services.commitment_reviews, services.status).
RETURNED_EVENT = "action.returned_by_national_team"
SIGN_OFF_EVENT = "action.sign_off"
# The days without an update that make an overdue action "quiet": the amber rule's number.
NO_UPDATE_DAYS = plan_rules.RAG_NO_UPDATE_DAYS


@dataclass(frozen=True)
class ActionItem:
    """An action as the to-do page lists it."""

    id: int
    reference: str
    title: str
    owner_name: str | None
    status: str
    original_due_date: date | None
    current_due_date: date | None
    days_overdue: int | None
    days_without_update: int | None  # None: never updated
    evidence_awaiting_review: int
    commitment: str | None  # the national commitment's reference, for a linked action

    @property
    def ready_to_sign_off(self) -> bool:
        """Nothing awaits review: the sign-off page offers its form (the evidence rule's first part)."""
        return self.evidence_awaiting_review == 0


@dataclass(frozen=True)
class ProposalItem:
    """The force's latest proposal of a later date for a national commitment's action, still open."""

    commitment: str
    action_id: int
    action_reference: str
    action_title: str
    current_due_date: date | None
    proposed_due_date: date
    state: str  # "pending": waiting for the national team; "refused": the date stays
    reason: str
    decision_reason: str | None
    proposed_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class ReturnedItem:
    """A completion the national team returned, not signed off again since."""

    commitment: str
    action_id: int
    action_reference: str
    action_title: str
    owner_name: str | None
    status: str
    reason: str
    returned_at: datetime


@dataclass(frozen=True)
class QuestionItem:
    """A question from the national team about one of the force's quarterly returns, not yet answered."""

    id: int
    quarter: str  # "Q2 2026-27"
    period: str  # its slug, for the URLs
    version: int
    about: str  # "P2 Identifying and disrupting repeat suspects", or "" for the whole return
    question: str
    asked_by: str
    asked_at: datetime


@dataclass(frozen=True)
class ToDo:
    evidence_to_review: int  # awaiting review, and this person may review it
    evidence_for_someone_else: int  # awaiting review, uploaded by this person: someone else reviews it
    awaiting_your_sign_off: list[ActionItem]
    awaiting_another_signer: int  # four-eyes: this person owns it or asked for its sign-off
    overdue_without_update: list[ActionItem]
    blocked: int
    proposals: list[ProposalItem] = field(default_factory=list)
    returned: list[ReturnedItem] = field(default_factory=list)
    questions: list[QuestionItem] = field(default_factory=list)

    @property
    def no_update_days(self) -> int:
        return NO_UPDATE_DAYS


# --- one action ----------------------------------------------------------------------------------

def _yours_to_sign(user: User, action: Any) -> bool:
    """It awaits sign-off and four-eyes lets this person sign it (security's rule)."""
    return action.status == "awaiting_sign_off" and security.transition_refusal(user, action, security.SIGNER) is None


def may_sign_off_now(session: Session, user: User, action: Action) -> bool:
    """Whether ``user`` can sign ``action`` off now: it awaits sign-off, four-eyes lets this person sign
    it, and none of its evidence awaits review (the evidence rule's first part: the sign-off page shows
    its form). The evidence is counted only when the rest allows it."""
    return _yours_to_sign(user, action) and evidence.counts_for_action(session, action).submitted == 0


# --- the page --------------------------------------------------------------------------------------

def _item(action: Action, national: str | None, today: date, awaiting: int) -> ActionItem:
    overdue = plan_rules.is_overdue(action.status, action.current_due_date, today)
    return ActionItem(
        action.id, action.reference, action.title, action.owner.name if action.owner else None, action.status,
        action.original_due_date, action.current_due_date,
        plan_rules.days_overdue(action.current_due_date, today) if overdue else None,
        plan_rules.days_without_update(action.last_update_at, today), awaiting, national)


def _quiet(item: ActionItem) -> bool:
    return item.days_without_update is None or item.days_without_update >= NO_UPDATE_DAYS


def for_manager(session: Session, user: User, force: Force, today: date) -> ToDo:
    """What waits for ``user``, a manager of ``force``'s plan, today."""
    waiting = evidence.awaiting_review(session, force)
    reviewable = [e for e in waiting if security.review_refusal(user, e, e.action) is None]
    mine = [e for e in waiting if e.uploaded_by_id == user.id]
    awaiting_review: dict[int, int] = {}
    for item in waiting:
        awaiting_review[item.action_id] = awaiting_review.get(item.action_id, 0) + 1

    rows = session.execute(plan_queries.with_commitment(
        select(Action).where(Action.force_id == force.id, or_(
            Action.status.in_(("awaiting_sign_off", "blocked")), plan_rules.overdue_sql(today))))
        .order_by(Action.current_due_date.is_(None), Action.current_due_date, Action.reference)).all()
    items = [(action, _item(action, national, today, awaiting_review.get(action.id, 0))) for action, national in rows]
    to_sign = [i for a, i in items if _yours_to_sign(user, a)]
    awaiting_sign_off = sum(1 for a, _ in items if a.status == "awaiting_sign_off")
    return ToDo(
        evidence_to_review=len(reviewable), evidence_for_someone_else=len(mine),
        awaiting_your_sign_off=to_sign, awaiting_another_signer=awaiting_sign_off - len(to_sign),
        overdue_without_update=sorted((i for _, i in items if i.days_overdue is not None and _quiet(i)),
                                      key=lambda i: (-(i.days_overdue or 0), i.reference)),
        blocked=sum(1 for a, _ in items if a.status == "blocked"),
        proposals=proposals(session, force), returned=returned(session, force), questions=questions(session, force))


def proposals(session: Session, force: Force) -> list[ProposalItem]:
    """For each open linked action of the force, its latest date proposal when that is waiting for the
    national team or was refused (an agreed one has moved the date: nothing is left to do)."""
    rows = session.execute(
        select(CommitmentDateProposal.commitment_force_id, CommitmentDateProposal.state,
               CommitmentDateProposal.proposed_due_date, CommitmentDateProposal.reason,
               CommitmentDateProposal.decision_reason, CommitmentDateProposal.proposed_at,
               CommitmentDateProposal.decided_at, Commitment.reference, Action.id, Action.reference, Action.title,
               Action.current_due_date)
        .join(CommitmentForce, CommitmentForce.id == CommitmentDateProposal.commitment_force_id)
        .join(Commitment, Commitment.id == CommitmentForce.commitment_id)
        .join(Action, Action.id == CommitmentForce.action_id)
        .where(CommitmentForce.force_id == force.id, CommitmentForce.membership == "active", plan_rules.open_sql())
        .order_by(CommitmentDateProposal.proposed_at, CommitmentDateProposal.id))
    latest: dict[int, ProposalItem] = {}
    for (member, state, proposed, reason, decision, proposed_at, decided_at, commitment, action_id, reference,
         title, due) in rows:
        latest[member] = ProposalItem(commitment, action_id, reference, title, due, proposed, state, reason, decision,
                                      proposed_at, decided_at)
    return sorted((p for p in latest.values() if p.state in ("pending", "refused")),
                  key=lambda p: (p.state != "refused", p.commitment))


def returned(session: Session, force: Force) -> list[ReturnedItem]:
    """The force's open linked actions whose completion the national team returned and nobody has signed
    off again since (the newest return is later than the newest sign-off)."""
    signed = (select(AuditEvent.action_id, func.max(AuditEvent.at).label("at"))
              .where(AuditEvent.force_id == force.id, AuditEvent.event == SIGN_OFF_EVENT)
              .group_by(AuditEvent.action_id).subquery())
    rows = session.execute(
        select(AuditEvent.at, AuditEvent.changes, signed.c.at, Commitment.reference, Action.id, Action.reference,
               Action.title, Action.status, User.name)
        .join(Action, Action.id == AuditEvent.action_id)
        .join(CommitmentForce, CommitmentForce.action_id == Action.id)
        .join(Commitment, Commitment.id == CommitmentForce.commitment_id)
        .outerjoin(User, User.id == Action.owner_id)
        .outerjoin(signed, signed.c.action_id == Action.id)
        .where(AuditEvent.force_id == force.id, AuditEvent.event == RETURNED_EVENT,
               CommitmentForce.membership == "active", plan_rules.open_sql())
        .order_by(AuditEvent.at, AuditEvent.id))
    latest: dict[int, ReturnedItem] = {}
    for at, changes, signed_at, commitment, action_id, reference, title, status, owner in rows:
        if signed_at is not None and signed_at > at:
            continue  # signed off again since (the rows come oldest first: a later return replaces it)
        reason = ((changes or {}).get("reason") or [None, ""])[1] or ""
        latest[action_id] = ReturnedItem(commitment, action_id, reference, title, owner, status, reason, at)
    return sorted(latest.values(), key=lambda r: (r.returned_at, r.action_reference))


def questions(session: Session, force: Force) -> list[QuestionItem]:
    """The national team's questions about the force's quarterly returns still waiting for its answer,
    the longest waiting first."""
    rows = session.execute(
        select(ReturnQuestion.id, ReturnQuestion.question, ReturnQuestion.asked_at, ReturnVersion.number,
               ReportingPeriod.financial_year, ReportingPeriod.quarter, Pillar.code, Pillar.name, User.name)
        .join(ReturnVersion, ReturnVersion.id == ReturnQuestion.version_id)
        .join(QuarterlyReturn, QuarterlyReturn.id == ReturnVersion.return_id)
        .join(ReportingPeriod, ReportingPeriod.id == QuarterlyReturn.period_id)
        .outerjoin(Pillar, Pillar.id == ReturnQuestion.pillar_id)
        .outerjoin(User, User.id == ReturnQuestion.asked_by_id)
        .where(QuarterlyReturn.force_id == force.id, ReturnQuestion.answer.is_(None))
        .order_by(ReturnQuestion.asked_at, ReturnQuestion.id))
    found = []
    for question_id, text, asked_at, number, year, quarter, pillar_code, pillar_name, asker in rows:
        period = reporting_periods.Quarter(year, quarter)
        found.append(QuestionItem(question_id, reporting_periods.label(period), reporting_periods.slug(period),
                                  number, f"{pillar_code} {pillar_name}" if pillar_code else "", text,
                                  asker or "The national team", asked_at))
    return found
