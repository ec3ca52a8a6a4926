"""What the action page shows from the plan, read once as plain values that outlive the request.

services.kept keeps an `ActionPage` per action until its force's plan changes; the page renders
it on every request with what belongs to the viewer (their buttons, their forms). So nothing
here depends on who is looking, and nothing here is an ORM object (those die with the
request's session). The attribute names follow the models', so templates read alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from improvement_tracker.models import (
    Action,
    Commitment,
    CommitmentForce,
    DueDateChange,
    Evidence,
    ProgressUpdate,
    User,
)
from improvement_tracker.services import plan_rules
from improvement_tracker.services.evidence import EvidenceCounts, no_evidence_reason


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str

    @classmethod
    def of(cls, user: User | None) -> Person | None:
        return None if user is None else cls(user.id, user.name, user.email)


@dataclass(frozen=True)
class Coded:
    """A force, pillar or finding as a page names it."""

    id: int
    code: str
    name: str

    @property
    def reference(self) -> str:
        return self.code

    @property
    def title(self) -> str:
        return self.name


@dataclass(frozen=True)
class MilestoneView:
    id: int
    title: str
    due_date: date | None
    completed_date: date | None
    overdue: bool


@dataclass(frozen=True)
class ReplanView:
    changed_at: datetime
    old_date: date | None
    new_date: date | None
    reason: str
    changed_by: Person | None


@dataclass(frozen=True)
class UpdateView:
    id: int
    author: Person | None
    text: str
    status_from: str | None
    status_to: str | None
    created_at: datetime


@dataclass(frozen=True)
class EvidenceView:
    id: int
    force_id: int
    action_id: int
    original_filename: str
    file_type: str
    size_bytes: int
    description: str
    milestone: MilestoneView | None
    uploaded_by_id: int | None
    uploaded_by: Person | None
    uploaded_at: datetime
    review_state: str
    review_reason: str | None
    withdrawn_at: datetime | None
    withdrawn_by: Person | None
    purged_at: datetime | None


@dataclass(frozen=True)
class ActionView:
    id: int
    reference: str
    title: str
    force_id: int
    force: Coded
    pillar: Coded
    finding_id: int | None
    finding: Coded | None
    owner_id: int | None
    owner: Person | None
    status: str
    status_reason: str | None
    priority: str
    description: str
    success_measure: str
    start_date: date | None
    original_due_date: date | None
    current_due_date: date | None
    completed_date: date | None
    signed_off_by: Person | None
    declared_rag: str | None
    declared_rag_reason: str | None
    declared_rag_by: Person | None
    milestones: tuple[MilestoneView, ...]
    due_date_changes: tuple[ReplanView, ...]


@dataclass(frozen=True)
class NationalView:
    """The national commitment a linked action carries: set by the national team."""

    reference: str
    title: str
    active: bool  # still a member; a force taken off the commitment keeps its action


@dataclass(frozen=True)
class ActionPage:
    action: ActionView
    rag: plan_rules.Rag
    updates: tuple[UpdateView, ...]
    evidence: tuple[EvidenceView, ...]  # live files, oldest first
    withdrawn: tuple[EvidenceView, ...]  # most recently withdrawn first
    evidence_counts: EvidenceCounts
    no_evidence_reason: str | None
    national: NationalView | None = None


def load(session: Session, action_id: int, today: date) -> ActionPage:
    """Five queries, whatever the action holds (its national commitment, if any, read with it)."""
    action, reference, title, membership = session.execute(
        select(Action, Commitment.reference, Commitment.title, CommitmentForce.membership)
        .outerjoin(CommitmentForce, CommitmentForce.action_id == Action.id)
        .outerjoin(Commitment, Commitment.id == CommitmentForce.commitment_id)
        .where(Action.id == action_id)
        .options(joinedload(Action.force), joinedload(Action.finding), joinedload(Action.signed_off_by),
                 joinedload(Action.declared_rag_by), selectinload(Action.milestones),
                 selectinload(Action.due_date_changes).joinedload(DueDateChange.changed_by))).one()
    milestones = {m.id: MilestoneView(m.id, m.title, m.due_date, m.completed_date,
                                      plan_rules.milestone_is_overdue(m.due_date, m.completed_date, today))
                  for m in action.milestones}
    view = ActionView(
        id=action.id, reference=action.reference, title=action.title, force_id=action.force_id,
        force=Coded(action.force.id, action.force.code, action.force.name),
        pillar=Coded(action.pillar.id, action.pillar.code, action.pillar.name),
        finding_id=action.finding_id,
        finding=Coded(action.finding.id, action.finding.reference, action.finding.title) if action.finding else None,
        owner_id=action.owner_id, owner=Person.of(action.owner), status=action.status,
        status_reason=action.status_reason, priority=action.priority, description=action.description,
        success_measure=action.success_measure, start_date=action.start_date,
        original_due_date=action.original_due_date, current_due_date=action.current_due_date,
        completed_date=action.completed_date, signed_off_by=Person.of(action.signed_off_by),
        declared_rag=action.declared_rag, declared_rag_reason=action.declared_rag_reason,
        declared_rag_by=Person.of(action.declared_rag_by), milestones=tuple(milestones.values()),
        due_date_changes=tuple(ReplanView(c.changed_at, c.old_date, c.new_date, c.reason, Person.of(c.changed_by))
                               for c in action.due_date_changes))
    rag = plan_rules.explain_rag(status=action.status, due_date=action.current_due_date,
                                 last_update_at=action.last_update_at,
                                 has_overdue_milestone=any(m.overdue for m in view.milestones), today=today)
    updates = tuple(
        UpdateView(u.id, Person.of(u.author), u.text, u.status_from, u.status_to, u.created_at)
        for u in session.scalars(select(ProgressUpdate).where(ProgressUpdate.action_id == action.id)
                                 .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())))
    files = [
        EvidenceView(e.id, e.force_id, e.action_id, e.original_filename, e.file_type, e.size_bytes, e.description,
                     milestones.get(e.milestone_id), e.uploaded_by_id, Person.of(e.uploaded_by), e.uploaded_at,
                     e.review_state, e.review_reason, e.withdrawn_at, Person.of(e.withdrawn_by), e.purged_at)
        for e in session.scalars(select(Evidence).where(Evidence.action_id == action.id)
                                 .options(joinedload(Evidence.withdrawn_by))
                                 .order_by(Evidence.uploaded_at, Evidence.id))]
    live = tuple(e for e in files if e.withdrawn_at is None)
    counts = EvidenceCounts()
    for e in live:
        setattr(counts, e.review_state, getattr(counts, e.review_state) + 1)
    return ActionPage(
        action=view, rag=rag, updates=updates, evidence=live,
        withdrawn=tuple(sorted((e for e in files if e.withdrawn_at is not None),
                               key=lambda e: (e.withdrawn_at, e.id), reverse=True)),
        evidence_counts=counts,
        no_evidence_reason=no_evidence_reason(session, action) if action.status == "complete" else None,
        national=NationalView(reference, title, membership == "active") if reference else None)
