"""Read models for the plan pages: each is a bounded number of queries, whatever the plan's size."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from improvement_tracker import security
from improvement_tracker.models import Action, AuditEvent, DeepDive, Finding, Force, Pillar, User
from improvement_tracker.models.plans import CLOSED_STATUSES, STATUSES
from improvement_tracker.services import rag


@dataclass
class PlanFilters:
    pillar: str | None = None
    status: str | None = None
    owner_id: int | None = None
    overdue: bool = False

    @property
    def active(self) -> bool:
        return bool(self.pillar or self.status or self.owner_id or self.overdue)


@dataclass
class FindingGroup:
    finding: Finding | None
    actions: list[Action] = field(default_factory=list)


@dataclass
class PillarGroup:
    pillar: Pillar
    findings: list[FindingGroup] = field(default_factory=list)


@dataclass
class PlanPage:
    groups: list[PillarGroup]
    rags: dict[int, str | None]
    total: int
    page: int
    pages: int
    findings_without_actions: list[Finding]


def filtered_actions(force: Force, filters: PlanFilters, today: date):
    query = select(Action).where(Action.force_id == force.id)
    if filters.pillar:
        query = query.join(Pillar, Pillar.id == Action.pillar_id).where(Pillar.code == filters.pillar)
    if filters.status in STATUSES:
        query = query.where(Action.status == filters.status)
    if filters.owner_id:
        query = query.where(Action.owner_id == filters.owner_id)
    if filters.overdue:
        query = query.where(Action.status.not_in(CLOSED_STATUSES), Action.current_due_date < today)
    return query


def force_plan(
    session: Session, force: Force, filters: PlanFilters, *, page: int, page_size: int, today: date
) -> PlanPage:
    base = filtered_actions(force, filters, today)
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    ordered = (
        base.join(Pillar, Pillar.id == Action.pillar_id, isouter=False)
        if not filters.pillar
        else base
    )
    ordered = ordered.outerjoin(Finding, Finding.id == Action.finding_id).order_by(
        Pillar.display_order, Finding.reference.is_(None), Finding.reference, Action.reference
    )
    actions = list(
        session.scalars(
            ordered.options(selectinload(Action.finding)).limit(page_size).offset((page - 1) * page_size)
        ).unique()
    )
    groups: list[PillarGroup] = []
    for action in actions:
        if not groups or groups[-1].pillar.id != action.pillar_id:
            groups.append(PillarGroup(action.pillar))
        pillar_group = groups[-1]
        if not pillar_group.findings or pillar_group.findings[-1].finding is not action.finding:
            pillar_group.findings.append(FindingGroup(action.finding))
        pillar_group.findings[-1].actions.append(action)

    without: list[Finding] = []
    if not filters.active and page == 1:
        without = list(session.scalars(
            select(Finding).join(Pillar, Pillar.id == Finding.pillar_id)
            .where(Finding.force_id == force.id, ~select(Action.id).where(Action.finding_id == Finding.id).exists())
            .order_by(Pillar.display_order, Finding.reference)
        ))
    return PlanPage(groups, rag.rag_for_actions(session, actions, today), total, page, pages, without)


@dataclass
class MyActions:
    overdue: list[Action]
    due_soon: list[Action]
    rest: list[Action]
    finished: int
    rags: dict[int, str | None]


def my_actions(session: Session, user: User, today: date, due_soon_days: int = 30) -> MyActions:
    """The owner's open actions, most urgent first."""
    actions = list(session.scalars(
        security.visible_actions(user)
        .where(Action.owner_id == user.id, Action.status.not_in(CLOSED_STATUSES))
        .order_by(Action.current_due_date.is_(None), Action.current_due_date, Action.reference)
    ))
    finished = session.scalar(
        select(func.count()).select_from(Action).where(
            Action.owner_id == user.id, Action.status.in_(CLOSED_STATUSES)
        )
    )
    soon = today + timedelta(days=due_soon_days)
    overdue = [a for a in actions if a.current_due_date and a.current_due_date < today]
    due_soon = [a for a in actions if a.current_due_date and today <= a.current_due_date <= soon]
    rest = [a for a in actions if a not in overdue and a not in due_soon]
    return MyActions(overdue, due_soon, rest, finished, rag.rag_for_actions(session, actions, today))


@dataclass
class ForceSummary:
    force: Force
    actions: int
    complete: int
    overdue: int
    blocked: int

    @property
    def percent_complete(self) -> int:
        return round(100 * self.complete / self.actions) if self.actions else 0


def forces_overview(session: Session, user: User, today: date) -> list[ForceSummary]:
    """Every force the user may see, with its headline counts, in one grouped query."""
    counts = (
        select(
            Action.force_id,
            func.count(Action.id).label("actions"),
            func.sum(case((Action.status == "complete", 1), else_=0)).label("complete"),
            func.sum(case((Action.status.not_in(CLOSED_STATUSES) & (Action.current_due_date < today), 1),
                          else_=0)).label("overdue"),
            func.sum(case((Action.status == "blocked", 1), else_=0)).label("blocked"),
        )
        .group_by(Action.force_id)
        .subquery()
    )
    rows = session.execute(
        select(Force, counts.c.actions, counts.c.complete, counts.c.overdue, counts.c.blocked)
        .outerjoin(counts, counts.c.force_id == Force.id)
        .where(security.force_condition(user))
        .order_by(Force.name)
    )
    return [ForceSummary(f, a or 0, c or 0, o or 0, b or 0) for f, a, c, o, b in rows]


def force_counts(session: Session, force: Force, today: date) -> dict[str, int]:
    row = session.execute(
        select(
            func.count(Action.id),
            func.sum(case((Action.status == "complete", 1), else_=0)),
            func.sum(case((Action.status.not_in(CLOSED_STATUSES) & (Action.current_due_date < today), 1),
                          else_=0)),
            func.sum(case((Action.status == "awaiting_sign_off", 1), else_=0)),
        ).where(Action.force_id == force.id)
    ).one()
    return {"actions": row[0] or 0, "complete": row[1] or 0, "overdue": row[2] or 0,
            "awaiting_sign_off": row[3] or 0}


def deep_dives(session: Session, force: Force) -> list[DeepDive]:
    return list(session.scalars(select(DeepDive).where(DeepDive.force_id == force.id)
                                .order_by(DeepDive.created_at.desc())))


def action_history(session: Session, action: Action) -> list[AuditEvent]:
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.action_id == action.id).order_by(AuditEvent.at.desc(),
                                                                             AuditEvent.id.desc())
    ))
