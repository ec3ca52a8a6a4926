"""The plan's lists as downloadable tables (force plan with its filters, "My actions", forces)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from improvement_tracker.models import (
    Action,
    Commitment,
    CommitmentForce,
    Evidence,
    Finding,
    Force,
    Pillar,
    ProgressUpdate,
    User,
)
from improvement_tracker.services import clock, evidence, plan_queries, plan_rules
from improvement_tracker.services.evidence.queries import live as live_evidence
from improvement_tracker.services.plans import PRIORITY_LABELS
from improvement_tracker.services.reference_data import COHORT_LABELS, COUNTRY_LABELS
from improvement_tracker.services.status import STATUS_LABELS
from improvement_tracker.services.tables import Table

ACTION_HEADERS = ["Reference", "Title", "Pillar", "Finding", "Owner", "Owner email", "Status", "Computed RAG",
                  "Why (computed RAG)", "Declared RAG", "Priority", "Start date", "Original due date",
                  "Current due date", "Completed date", "National commitment"]


def _why(rag: plan_rules.Rag) -> str:
    """The computed RAG's sentence, as the pages say it ("Amber: due in 12 days and no update for 34 days")."""
    return rag.sentence if rag.rag else ""


def _action_rows(session: Session, table: Table, found: list[tuple[Action, str | None]], today: date) -> Table:
    """``found``: each action with its national commitment's reference (None for a force's own)."""
    actions = [a for a, _ in found]
    rags = plan_queries.rags_for(session, actions, today)
    finding_ids = {a.finding_id for a in actions if a.finding_id}
    findings = dict(session.execute(select(Finding.id, Finding.reference).where(Finding.id.in_(finding_ids)))
                    .all()) if finding_ids else {}
    for a, national in found:
        table.add([
            a.reference, a.title, a.pillar.code, findings.get(a.finding_id, ""),
            a.owner.name if a.owner else "", a.owner.email if a.owner else "", STATUS_LABELS[a.status],
            (rags[a.id].rag or "").capitalize(), _why(rags[a.id]), (a.declared_rag or "").capitalize(),
            PRIORITY_LABELS[a.priority],
            a.start_date, a.original_due_date, a.current_due_date, a.completed_date, national or "",
        ])
    return table


# The force plan's download also says how each action stands today: how late it is, what was last
# said about it and what evidence it has.
FORCE_PLAN_HEADERS = [*ACTION_HEADERS[:-1], "Days overdue", "Latest update", "Latest update date",
                      "Evidence accepted", "Evidence awaiting review", ACTION_HEADERS[-1]]


def _latest_updates(force: Force):
    """Each of the force's actions' newest progress update (one row per action: ``n == 1``)."""
    return (select(ProgressUpdate.action_id, ProgressUpdate.text, ProgressUpdate.status_to, ProgressUpdate.created_at,
                   func.row_number().over(partition_by=ProgressUpdate.action_id,
                                          order_by=(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc()))
                   .label("n"))
            .join(Action, Action.id == ProgressUpdate.action_id).where(Action.force_id == force.id)
            .subquery("latest_update"))


def _evidence_counts(force: Force):
    """Live evidence per action of the force: accepted, and awaiting review."""
    return (select(Evidence.action_id,
                   func.sum(case((Evidence.review_state == "accepted", 1), else_=0)).label("accepted"),
                   func.sum(case((Evidence.review_state == "submitted", 1), else_=0)).label("submitted"))
            .where(Evidence.force_id == force.id, live_evidence()).group_by(Evidence.action_id)
            .subquery("evidence_counts"))


def _update_text(text: str | None, status_to: str | None) -> str:
    """An update's words; a status change recorded with none says what it changed to."""
    if text:
        return text
    return f"Status changed to {STATUS_LABELS[status_to]}" if status_to in STATUS_LABELS else ""


def force_plan(session: Session, force: Force, filters: plan_queries.PlanFilters, today: date) -> Table:
    """Every action of the plan matching the filters, as plain rows (a whole plan at once: no ORM
    objects), with each one's latest update and evidence counts joined in: one query for the rows."""
    query = plan_queries.filtered_actions(force, filters, today)
    if not filters.pillar:
        query = query.join(Pillar, Pillar.id == Action.pillar_id)
    latest, counts = _latest_updates(force), _evidence_counts(force)
    rows = session.execute(
        query.with_only_columns(
            Action.id, Action.reference, Action.title, Pillar.code, Finding.reference, User.name, User.email,
            Action.status, Action.current_due_date, Action.last_update_at, Action.declared_rag, Action.priority,
            Action.start_date, Action.original_due_date, Action.completed_date, Commitment.reference,
            latest.c.text, latest.c.status_to, latest.c.created_at, counts.c.accepted, counts.c.submitted,
            maintain_column_froms=True)
        .outerjoin(Finding, Finding.id == Action.finding_id).outerjoin(User, User.id == Action.owner_id)
        .outerjoin(CommitmentForce, CommitmentForce.action_id == Action.id)
        .outerjoin(Commitment, Commitment.id == CommitmentForce.commitment_id)
        .outerjoin(latest, and_(latest.c.action_id == Action.id, latest.c.n == 1))
        .outerjoin(counts, counts.c.action_id == Action.id)
        .order_by(Pillar.display_order, Action.reference)).all()
    late = plan_queries.force_actions_with_overdue_milestones(session, force.id, today) if rows else set()
    table = Table("plan", f"{force.name} plan", list(FORCE_PLAN_HEADERS),
                  numeric=frozenset(FORCE_PLAN_HEADERS.index(h) for h in (
                      "Days overdue", "Evidence accepted", "Evidence awaiting review")))
    for (action_id, reference, title, pillar, finding, owner, email, status, due, last_update, declared, priority,
         start, original_due, completed, national, update_text, update_status, update_at, accepted,
         awaiting) in rows:
        computed = plan_rules.explain_rag(status=status, due_date=due, last_update_at=last_update,
                                          has_overdue_milestone=action_id in late, today=today)
        overdue = plan_rules.days_overdue(due, today) if plan_rules.is_overdue(status, due, today) else ""
        table.add([reference, title, pillar, finding or "", owner or "", email or "", STATUS_LABELS[status],
                   (computed.rag or "").capitalize(), _why(computed), (declared or "").capitalize(),
                   PRIORITY_LABELS[priority],
                   start, original_due, due, completed, overdue, _update_text(update_text, update_status),
                   clock.london_date(update_at) if update_at else None, int(accepted or 0), int(awaiting or 0),
                   national or ""])
    return table


def my_actions(session: Session, user: User, today: date) -> Table:
    # Most urgent first, as on the page: overdue, then due soon, then later or with no date.
    actions = plan_queries.my_open_actions(session, user)
    return _action_rows(session, Table("my-actions", "My open actions", list(ACTION_HEADERS)), actions, today)


def forces(session: Session, user: User, today: date) -> Table:
    table = Table("forces", "Forces", ["Force", "Code", "Cohort", "Country", "Actions", "Complete",
                                       "% complete", "Overdue", "Blocked"], numeric=frozenset({4, 5, 6, 7, 8}))
    for s in plan_queries.forces_overview(session, user, today):
        table.add([s.force.name, s.force.code, COHORT_LABELS[s.force.cohort], COUNTRY_LABELS[s.force.country],
                   s.actions, s.complete, "" if s.percent_complete is None else s.percent_complete, s.overdue,
                   s.blocked])
    return table



def evidence_awaiting_review(session: Session, force: Force) -> Table:
    table = Table("evidence-awaiting-review", "Evidence awaiting review",
                  ["Action", "Action title", "File", "Description", "Type", "Size (bytes)", "SHA-256",
                   "Uploaded by", "Uploaded at"])
    for e in evidence.awaiting_review(session, force):
        table.add([e.action.reference, e.action.title, e.original_filename, e.description, e.file_type,
                   e.size_bytes, e.sha256, e.uploaded_by.name if e.uploaded_by else "", e.uploaded_at])
    return table
