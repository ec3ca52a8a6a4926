"""Read models for the plan pages: a bounded number of queries each, whatever the plan's size.

What they return is plain values (no ORM objects), so services.kept can keep it between
requests; the figures are counted by the plan's rules (services.plan_rules).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from improvement_tracker import security
from improvement_tracker.models import (
    Action,
    AuditEvent,
    Commitment,
    CommitmentForce,
    DeepDive,
    Finding,
    Force,
    Milestone,
    Pillar,
    User,
)
from improvement_tracker.models.plans import STATUSES
from improvement_tracker.services import evidence, plan_rules, reference_admin, sorting
from improvement_tracker.services.evidence import EvidenceCounts
from improvement_tracker.services.inputs import whole_number

FILTER_NAMES = ("pillar", "status", "owner", "overdue")


@dataclass(frozen=True)
class PlanFilters:
    pillar: str | None = None
    status: str | None = None
    owner_id: int | None = None
    overdue: bool = False

    @property
    def active(self) -> bool:
        return bool(self.pillar or self.status or self.owner_id or self.overdue)


def parse_filters(args: Mapping[str, str], pillar_codes: set[str]) -> PlanFilters:
    """The force plan's filters from a query string; anything unknown is ignored."""
    return PlanFilters(
        pillar=args.get("pillar") if args.get("pillar") in pillar_codes else None,
        status=args.get("status") if args.get("status") in STATUSES else None,
        owner_id=whole_number(args.get("owner")),
        overdue=args.get("overdue", "") not in ("", "false"),
    )


def pillar_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Pillar.code)))


def filtered_actions(force: Force, filters: PlanFilters, today: date):
    query = select(Action).where(Action.force_id == force.id)
    if filters.pillar:
        query = query.join(Pillar, Pillar.id == Action.pillar_id).where(Pillar.code == filters.pillar)
    if filters.status:
        query = query.where(Action.status == filters.status)
    if filters.owner_id:
        query = query.where(Action.owner_id == filters.owner_id)
    if filters.overdue:
        query = query.where(plan_rules.overdue_sql(today))
    return query


def with_commitment(query):
    """``query`` with each action's national commitment reference (None for a force's own action) as
    one more column: an outer join, so a list reads the links in the query it already makes."""
    return (query.outerjoin(CommitmentForce, CommitmentForce.action_id == Action.id)
            .outerjoin(Commitment, Commitment.id == CommitmentForce.commitment_id)
            .add_columns(Commitment.reference.label("commitment")))


# --- one row per action, as lists show it -------------------------------------------------

@dataclass(frozen=True)
class ActionRow:
    id: int
    reference: str
    title: str
    owner_name: str | None
    status: str
    original_due_date: date | None
    current_due_date: date | None
    declared_rag: str | None
    rag: plan_rules.Rag
    evidence: EvidenceCounts
    commitment: str | None = None  # the national commitment's reference, for a linked action


def _rows(session: Session, actions: list[Action], today: date,
          commitment: Mapping[int, str | None]) -> list[ActionRow]:
    """Each action's computed RAG (one query for late milestones) and evidence counts (one query);
    ``commitment`` is each linked action's commitment reference, read with the actions."""
    late = overdue_milestone_action_ids(session, actions, today)
    counts = evidence.counts_for_actions(session, [a.id for a in actions])
    return [ActionRow(a.id, a.reference, a.title, a.owner.name if a.owner else None, a.status, a.original_due_date,
                      a.current_due_date, a.declared_rag,
                      plan_rules.explain_rag(status=a.status, due_date=a.current_due_date,
                                             last_update_at=a.last_update_at,
                                             has_overdue_milestone=a.id in late, today=today),
                      counts[a.id], commitment.get(a.id))
            for a in actions]


def overdue_milestone_action_ids(session: Session, actions: list[Action], today: date) -> set[int]:
    """Which of these actions have an overdue milestone, in one query."""
    if not actions:
        return set()
    query = select(Milestone.action_id).where(plan_rules.milestone_overdue_sql(today)).distinct()
    forces = {a.force_id for a in actions}
    if len(actions) > 10 and len(forces) == 1:
        # A long list of one force's actions: ask by force, not with a long IN list of ids (each
        # id a bound parameter, the statement rendered anew for every length).
        query = query.join(Action, Action.id == Milestone.action_id).where(Action.force_id == forces.pop())
    else:
        query = query.where(Milestone.action_id.in_([a.id for a in actions]))
    return set(session.scalars(query))


def force_actions_with_overdue_milestones(session: Session, force_id: int, today: date) -> set[int]:
    """Every action of one force with an overdue milestone (a whole plan's export, in one query)."""
    return set(session.scalars(
        select(Milestone.action_id).join(Action, Action.id == Milestone.action_id)
        .where(Action.force_id == force_id, plan_rules.milestone_overdue_sql(today)).distinct()))


def rags_for(session: Session, actions: list[Action], today: date) -> dict[int, plan_rules.Rag]:
    late = overdue_milestone_action_ids(session, actions, today)
    return {a.id: plan_rules.explain_rag(status=a.status, due_date=a.current_due_date,
                                         last_update_at=a.last_update_at, has_overdue_milestone=a.id in late,
                                         today=today)
            for a in actions}


# --- a force's plan -----------------------------------------------------------------------

@dataclass(frozen=True)
class FindingRef:
    id: int
    reference: str
    title: str
    pillar_code: str = ""


@dataclass
class FindingGroup:
    finding: FindingRef | None
    actions: list[ActionRow] = field(default_factory=list)


@dataclass
class PillarGroup:
    code: str
    name: str
    findings: list[FindingGroup] = field(default_factory=list)


@dataclass(frozen=True)
class ForcePlan:
    """One page of a force's plan and everything around it that comes from the plan."""

    filters: PlanFilters
    groups: list[PillarGroup]
    total: int
    page: int
    pages: int
    findings_without_actions: list[FindingRef]
    counts: dict[str, int]
    deep_dives: list[dict]
    evidence_awaiting_review: int
    pillar_choices: list[tuple[str, str]]
    owner_choices: list[tuple[str, str]]
    markup: str = ""  # the action tables, written once for every viewer when the page is kept


def force_plan(session: Session, force: Force, args: Mapping[str, str], *, page: int, page_size: int,
               today: date) -> ForcePlan:
    all_pillars = reference_admin.pillars(session)
    owners = session.scalars(select(User).where(User.force_id == force.id).order_by(User.name)).all()
    filters = parse_filters(args, {p.code for p in all_pillars})
    base = filtered_actions(force, filters, today)
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    ordered = base if filters.pillar else base.join(Pillar, Pillar.id == Action.pillar_id)
    ordered = ordered.outerjoin(Finding, Finding.id == Action.finding_id).order_by(
        Pillar.display_order, Finding.reference.is_(None), Finding.reference, Action.reference)
    actions = list(session.execute(
        with_commitment(ordered.add_columns(Finding.id, Finding.reference, Finding.title)).limit(page_size)
        .offset((page - 1) * page_size)).all())
    rows = {row.id: row for row in _rows(session, [a for a, *_ in actions], today,
                                         {a.id: national for a, *_, national in actions})}
    groups: list[PillarGroup] = []
    for action, finding_id, finding_reference, finding_title, _national in actions:
        if not groups or groups[-1].code != action.pillar.code:
            groups.append(PillarGroup(action.pillar.code, action.pillar.name))
        pillar_group = groups[-1]
        finding = FindingRef(finding_id, finding_reference, finding_title) if finding_id else None
        if not pillar_group.findings or pillar_group.findings[-1].finding != finding:
            pillar_group.findings.append(FindingGroup(finding))
        pillar_group.findings[-1].actions.append(rows[action.id])

    without: list[FindingRef] = []
    if not filters.active and page == 1:
        without = [FindingRef(f_id, ref, title, code) for f_id, ref, title, code in session.execute(
            select(Finding.id, Finding.reference, Finding.title, Pillar.code)
            .join(Pillar, Pillar.id == Finding.pillar_id)
            .where(Finding.force_id == force.id, ~select(Action.id).where(Action.finding_id == Finding.id).exists())
            .order_by(Pillar.display_order, Finding.reference))]
    return ForcePlan(
        filters=filters, groups=groups, total=total, page=page, pages=pages, findings_without_actions=without,
        counts=force_counts(session, force, today, filters.pillar),
        deep_dives=[{"id": d.id, "title": d.title, "period": d.period} for d in deep_dives(session, force)],
        evidence_awaiting_review=evidence.awaiting_review_count(session, force),
        pillar_choices=[("", "Any pillar")] + [(p.code, f"{p.code} {p.name}") for p in all_pillars],
        owner_choices=[("", "Anyone")] + [(str(u.id), u.name) for u in owners])


# --- "My actions" -------------------------------------------------------------------------

@dataclass(frozen=True)
class MyActions:
    overdue: list[ActionRow]
    due_soon: list[ActionRow]
    rest: list[ActionRow]
    finished: int

    @property
    def open(self) -> list[ActionRow]:
        return self.overdue + self.due_soon + self.rest


# "My actions" sorted by a column within each of its three lists (services.sorting); by due date
# unless another is chosen. Status in the order work goes; RAG worst first.
MY_ACTION_SORTS: dict[str, Callable[[ActionRow], object]] = {
    "action": lambda a: a.reference,
    "due": lambda a: a.current_due_date,
    "status": lambda a: STATUSES.index(a.status),
    "rag": lambda a: ("red", "amber", "green").index(a.rag.rag) if a.rag.rag else None,
}


def sorted_my_actions(mine: MyActions, args: Mapping[str, str]) -> tuple[MyActions, sorting.Sorting]:
    """Each list of the owner's actions in the order asked for (the kept lists are left as they are)."""
    chosen = sorting.parse(args, list(MY_ACTION_SORTS), "due")
    if chosen.key == chosen.default and not chosen.descending:
        return mine, chosen
    lists = (sorting.apply(rows, chosen, MY_ACTION_SORTS) for rows in (mine.overdue, mine.due_soon, mine.rest))
    return MyActions(*lists, mine.finished), chosen


def my_open_actions(session: Session, user: User) -> list[tuple[Action, str | None]]:
    """The owner's open actions, most urgent first, each with its national commitment's reference."""
    return [(action, national) for action, national in session.execute(
        with_commitment(security.visible_actions(user))
        .where(Action.owner_id == user.id, plan_rules.open_sql())
        .order_by(Action.current_due_date.is_(None), Action.current_due_date, Action.reference))]


def my_actions(session: Session, user: User, today: date) -> MyActions:
    """The owner's open actions, most urgent first."""
    found = my_open_actions(session, user)
    rows = _rows(session, [a for a, _ in found], today, {a.id: national for a, national in found})
    finished = session.scalar(
        select(func.count()).select_from(Action).where(Action.owner_id == user.id, plan_rules.closed_sql()))
    overdue = [a for a in rows if plan_rules.is_overdue(a.status, a.current_due_date, today)]
    due_soon = [a for a in rows if plan_rules.is_due_within(a.status, a.current_due_date, today,
                                                            plan_rules.DUE_SOON_DAYS)]
    rest = [a for a in rows if a not in overdue and a not in due_soon]
    return MyActions(overdue, due_soon, rest, finished)


# --- every force's headline figures -------------------------------------------------------

@dataclass(frozen=True)
class ForceSummary:
    force: Force
    actions: int
    complete: int
    closed_not_needed: int
    overdue: int
    blocked: int
    red: int = 0  # open actions by computed RAG
    amber: int = 0
    green: int = 0

    @property
    def percent_complete(self) -> int | None:
        return plan_rules.percent_complete(complete=self.complete, actions=self.actions,
                                           closed_not_needed=self.closed_not_needed)


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def forces_overview(session: Session, user: User, today: date) -> list[ForceSummary]:
    """Every force the user may see, with its headline counts and its open actions by computed RAG,
    in one grouped query."""
    rag = plan_rules.rag_sql(today)
    counts = (
        select(Action.force_id, func.count(Action.id).label("actions"),
               _count(Action.status == "complete").label("complete"),
               _count(Action.status == "closed_not_needed").label("closed"),
               _count(plan_rules.overdue_sql(today)).label("overdue"),
               _count(Action.status == "blocked").label("blocked"),
               _count(rag == "red").label("red"), _count(rag == "amber").label("amber"),
               _count(rag == "green").label("green"))
        .group_by(Action.force_id).subquery())
    rows = session.execute(
        select(Force, counts.c.actions, counts.c.complete, counts.c.closed, counts.c.overdue, counts.c.blocked,
               counts.c.red, counts.c.amber, counts.c.green)
        .outerjoin(counts, counts.c.force_id == Force.id)
        .where(security.force_condition(user))
        .order_by(Force.name))
    return [ForceSummary(f, *(int(v or 0) for v in values)) for f, *values in rows]


def force_counts(session: Session, force: Force, today: date, pillar: str | None = None) -> dict[str, int | None]:
    """The plan's headline figures: the whole plan's, or one pillar's (the plan filtered to it)."""
    query = (select(func.count(Action.id), _count(Action.status == "complete"),
                    _count(Action.status == "closed_not_needed"), _count(plan_rules.overdue_sql(today)),
                    _count(Action.status == "awaiting_sign_off"))
             .where(Action.force_id == force.id))
    if pillar:
        query = query.join(Pillar, Pillar.id == Action.pillar_id).where(Pillar.code == pillar)
    row = session.execute(query).one()
    actions, complete, closed, overdue, awaiting = (int(v or 0) for v in row)
    return {"actions": actions, "complete": complete, "closed_not_needed": closed, "overdue": overdue,
            "awaiting_sign_off": awaiting,
            "percent_complete": plan_rules.percent_complete(complete=complete, actions=actions,
                                                            closed_not_needed=closed)}


def deep_dives(session: Session, force: Force) -> list[DeepDive]:
    return list(session.scalars(select(DeepDive).where(DeepDive.force_id == force.id)
                                .order_by(DeepDive.created_at.desc())))


def action_history(session: Session, action: Action) -> list[AuditEvent]:
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.action_id == action.id).order_by(AuditEvent.at.desc(),
                                                                             AuditEvent.id.desc())))
