"""Red, amber, green: computed from the plan's dates, never typed in.

- red: the action is overdue (its current due date has passed) or it is blocked;
- amber: one of its milestones is overdue, or the action is due within 14 days and has had
  no progress update for 30 days or more;
- green: otherwise.
Complete and closed actions have no RAG. A programme manager may declare a different RAG
with a reason; the computed one is always kept and shown beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker.models import Action, Milestone
from improvement_tracker.models.plans import CLOSED_STATUSES

DUE_SOON_DAYS = 14
NO_UPDATE_DAYS = 30
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green"}


def compute_rag(
    *,
    status: str,
    due_date: date | None,
    last_update_at: datetime | None,
    has_overdue_milestone: bool,
    today: date,
) -> str | None:
    if status in CLOSED_STATUSES:
        return None
    if status == "blocked" or (due_date is not None and due_date < today):
        return "red"
    if has_overdue_milestone:
        return "amber"
    if due_date is not None and (due_date - today).days <= DUE_SOON_DAYS:
        last = last_update_at.date() if last_update_at is not None else None
        if last is None or (today - last).days >= NO_UPDATE_DAYS:
            return "amber"
    return "green"


def actions_with_overdue_milestones(session: Session, action_ids: Iterable[int], today: date) -> set[int]:
    ids = list(action_ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Milestone.action_id)
            .where(
                Milestone.action_id.in_(ids),
                Milestone.completed_date.is_(None),
                Milestone.due_date.is_not(None),
                Milestone.due_date < today,
            )
            .distinct()
        )
    )


def force_actions_with_overdue_milestones(session: Session, force_id: int, today: date) -> set[int]:
    return set(session.scalars(
        select(Milestone.action_id).join(Action, Action.id == Milestone.action_id)
        .where(Action.force_id == force_id, Milestone.completed_date.is_(None), Milestone.due_date.is_not(None),
               Milestone.due_date < today)
        .distinct()))


def rag_for_actions(session: Session, actions: list[Action], today: date) -> dict[int, str | None]:
    """Computed RAG for a page of actions in one extra query."""
    forces = {a.force_id for a in actions}
    if len(actions) > 10 and len(forces) == 1:
        # A long list of one force's actions: ask by force, not with a long IN list of ids
        # (each id a bound parameter, the statement rendered anew for every length).
        overdue = force_actions_with_overdue_milestones(session, forces.pop(), today)
    else:
        overdue = actions_with_overdue_milestones(session, (a.id for a in actions), today)
    return {
        a.id: compute_rag(
            status=a.status,
            due_date=a.current_due_date,
            last_update_at=a.last_update_at,
            has_overdue_milestone=a.id in overdue,
            today=today,
        )
        for a in actions
    }


def rag_for_action(session: Session, action: Action, today: date) -> str | None:
    return rag_for_actions(session, [action], today)[action.id]


def rag_with_milestones(action: Action, today: date) -> str | None:
    """The computed RAG of an action whose milestones the page loads anyway (no extra query)."""
    late = any(m.completed_date is None and m.due_date is not None and m.due_date < today for m in action.milestones)
    return compute_rag(status=action.status, due_date=action.current_due_date,
                       last_update_at=action.last_update_at, has_overdue_milestone=late, today=today)


def is_overdue(action: Action, today: date) -> bool:
    return (
        action.status not in CLOSED_STATUSES
        and action.current_due_date is not None
        and action.current_due_date < today
    )


def is_due_soon(action: Action, today: date, days: int = 30) -> bool:
    return (
        action.status not in CLOSED_STATUSES
        and action.current_due_date is not None
        and today <= action.current_due_date <= today + timedelta(days=days)
    )
