"""The plan's lists as downloadable tables (force plan with its filters, "My actions", forces)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, selectinload

from improvement_tracker.models import Action, Force, Pillar, User
from improvement_tracker.services import plan_queries, rag
from improvement_tracker.services.dashboards import Table
from improvement_tracker.services.plans import PRIORITY_LABELS
from improvement_tracker.services.status import STATUS_LABELS

ACTION_HEADERS = ["Reference", "Title", "Pillar", "Finding", "Owner", "Owner email", "Status", "Computed RAG",
                  "Declared RAG", "Priority", "Start date", "Original due date", "Current due date",
                  "Completed date"]


def _action_rows(session: Session, table: Table, actions: list[Action], today: date) -> Table:
    rags = rag.rag_for_actions(session, actions, today)
    for a in actions:
        table.add([
            a.reference, a.title, a.pillar.code, a.finding.reference if a.finding else "",
            a.owner.name if a.owner else "", a.owner.email if a.owner else "", STATUS_LABELS[a.status],
            (rags[a.id] or "").capitalize(), (a.declared_rag or "").capitalize(), PRIORITY_LABELS[a.priority],
            a.start_date, a.original_due_date, a.current_due_date, a.completed_date,
        ])
    return table


def force_plan(session: Session, force: Force, filters: plan_queries.PlanFilters, today: date) -> Table:
    query = plan_queries.filtered_actions(force, filters, today)
    if not filters.pillar:
        query = query.join(Pillar, Pillar.id == Action.pillar_id)
    actions = list(session.scalars(
        query.options(selectinload(Action.finding)).order_by(Pillar.display_order, Action.reference)))
    return _action_rows(session, Table("plan", f"{force.name} improvement plan", list(ACTION_HEADERS)),
                        actions, today)


def my_actions(session: Session, user: User, today: date) -> Table:
    mine = plan_queries.my_actions(session, user, today)
    actions = mine.overdue + mine.due_soon + mine.rest
    return _action_rows(session, Table("my-actions", "My open actions", list(ACTION_HEADERS)), actions, today)


def forces(session: Session, user: User, today: date) -> Table:
    table = Table("forces", "Forces", ["Force", "Code", "Cohort", "Country", "Actions", "Complete",
                                       "% complete", "Overdue", "Blocked"], numeric=frozenset({4, 5, 6, 7, 8}))
    for s in plan_queries.forces_overview(session, user, today):
        table.add([s.force.name, s.force.code, s.force.cohort, s.force.country, s.actions, s.complete,
                   s.percent_complete, s.overdue, s.blocked])
    return table

