"""Milestones: the steps of an action, each with a due date, ticked off as they are done."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from improvement_tracker.models import Action, Milestone, User
from improvement_tracker.services import audit, clock, plan_rules
from improvement_tracker.services.audit import ServiceError


def _check(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ServiceError("Enter what the milestone is", "title")
    return title


def add(session: Session, action: Action, title: str, due_date: date | None, *, actor: User) -> Milestone:
    title = _check(title)
    position = session.scalar(select(func.coalesce(func.max(Milestone.position), 0)).where(
        Milestone.action_id == action.id)) + 1
    milestone = Milestone(action_id=action.id, title=title, due_date=due_date, position=position)
    session.add(milestone)
    session.flush()
    audit.record(session, actor, "milestone.created", "milestone", milestone.id,
                 changes={"title": [None, title], "due_date": [None, audit._jsonable(due_date)]},
                 force_id=action.force_id, action_id=action.id,
                 summary=f"Added milestone to {action.reference}")
    return milestone


def update(session: Session, milestone: Milestone, title: str, due_date: date | None, *, actor: User) -> None:
    title = _check(title)
    changes = audit.apply_changes(milestone, {"title": title, "due_date": due_date})
    if changes:
        action = milestone.action
        audit.record(session, actor, "milestone.updated", "milestone", milestone.id, changes=changes,
                     force_id=action.force_id, action_id=action.id,
                     summary=f"Changed milestone on {action.reference}")


def set_complete(session: Session, milestone: Milestone, complete: bool, *, actor: User) -> None:
    if plan_rules.is_closed(milestone.action.status):
        # The page offers no button then; a form sent from an older page must not change a finished plan.
        raise ServiceError("This action is finished: reopen it before changing its milestones")
    if (milestone.completed_date is not None) == complete:
        return
    new = clock.today() if complete else None
    changes = audit.apply_changes(milestone, {"completed_date": new})
    milestone.completed_by_id = actor.id if complete else None
    action = milestone.action
    audit.record(session, actor, "milestone.completed" if complete else "milestone.reopened", "milestone",
                 milestone.id, changes=changes, force_id=action.force_id, action_id=action.id,
                 summary=f"{'Completed' if complete else 'Reopened'} milestone on {action.reference}")


def move(session: Session, milestone: Milestone, direction: str, *, actor: User) -> None:
    """Swap a milestone with its neighbour above or below."""
    if direction not in ("up", "down"):
        raise ServiceError("Unknown direction")
    siblings = list(session.scalars(select(Milestone).where(Milestone.action_id == milestone.action_id)
                                    .order_by(Milestone.position, Milestone.id)))
    index = siblings.index(milestone)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position
    action = milestone.action
    audit.record(session, actor, "milestone.reordered", "milestone", milestone.id,
                 changes={"position": [index + 1, other + 1]}, force_id=action.force_id, action_id=action.id,
                 summary=f"Moved milestone {direction} on {action.reference}")
