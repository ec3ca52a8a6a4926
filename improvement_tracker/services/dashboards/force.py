"""One force's dashboard, for its programme managers and for oversight (docs/dashboards.md)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from improvement_tracker.models import (
    Action,
    Commitment,
    CommitmentForce,
    DueDateChange,
    Evidence,
    Force,
    Milestone,
    Pillar,
    User,
)
from improvement_tracker.models.plans import STATUSES
from improvement_tracker.services import clock, plan_rules
from improvement_tracker.services.dashboards.assessments import Reviewed, own_cell
from improvement_tracker.services.dashboards.common import (
    RAGS,
    TOP_N,
    Dashboard,
    by_month,
    headline,
    headline_table,
)
from improvement_tracker.services.dashboards.national import disagreements_table
from improvement_tracker.services.plan_rules import RAG_LABELS
from improvement_tracker.services.status import STATUS_LABELS
from improvement_tracker.services.tables import Table


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def force_dashboard(session: Session, today: date, force: Force, reviewed: Reviewed | None) -> Dashboard:
    """One force's dashboard from two reads of its plan (actions, milestones) and two small lists.

    A force has a few hundred actions at most: they are read once as plain rows and every table
    is grouped from them here, with the plan's own rules (services.plan_rules). ``reviewed``: the
    force's latest reviewed quarterly return (services.dashboards.assessments), whose national
    assessment and self-assessment of each pillar end the status table's rows.
    """
    pillars = session.execute(select(Pillar.id, Pillar.code, Pillar.name).order_by(Pillar.display_order)).all()
    actions = session.execute(
        select(Action.id, Action.reference, Action.title, Action.pillar_id, Action.status, Action.current_due_date,
               Action.last_update_at, Action.declared_rag, Action.declared_rag_reason, Action.owner_id, User.name,
               Commitment.reference.label("commitment"))
        .outerjoin(User, User.id == Action.owner_id)
        .outerjoin(CommitmentForce, CommitmentForce.action_id == Action.id)  # a linked action is marked
        .outerjoin(Commitment, Commitment.id == CommitmentForce.commitment_id).where(Action.force_id == force.id)
        .order_by(Action.reference)).all()
    milestones = session.execute(
        select(Milestone.action_id, Milestone.due_date, Milestone.completed_date)
        .join(Action, Action.id == Milestone.action_id).where(Action.force_id == force.id)).all()
    late_milestones = {m.action_id for m in milestones
                       if plan_rules.milestone_is_overdue(m.due_date, m.completed_date, today)}
    rags = {a.id: plan_rules.compute_rag(status=a.status, due_date=a.current_due_date,
                                         last_update_at=a.last_update_at,
                                         has_overdue_milestone=a.id in late_milestones, today=today)
            for a in actions}
    overdue = sorted((a for a in actions if plan_rules.is_overdue(a.status, a.current_due_date, today)),
                     key=lambda a: (a.current_due_date, a.reference))
    pillar_codes = {pillar_id: code for pillar_id, code, _ in pillars}

    quarter = f", {reviewed.quarter}" if reviewed else ""
    status = Table("status-by-pillar", "Actions by status and pillar",
                   ["Pillar", *[STATUS_LABELS[s] for s in STATUSES], "Overdue", "Red", "Amber", "Green",
                    f"National assessment{quarter}", f"Self-assessment{quarter}"],
                   numeric=frozenset(range(1, len(STATUSES) + 5)))
    cells = []
    for pillar_id, code, name in pillars:
        mine = [a for a in actions if a.pillar_id == pillar_id]
        by = {s: sum(1 for a in mine if a.status == s) for s in STATUSES}
        by["overdue"] = sum(1 for a in overdue if a.pillar_id == pillar_id)
        by.update({r: sum(1 for a in mine if rags[a.id] == r) for r in RAGS})
        rated = reviewed.pillar(code) if reviewed else None
        status.add([f"{code} {name}", *(by[k] for k in (*STATUSES, "overdue", *RAGS)),
                    rated.national_label if rated else "", own_cell(rated) if rated else ""],
                   {0: ("plans.force_plan", {"code": force.code, "pillar": code})})
        cells.append({"actions": len(mine), "complete": by["complete"], "closed": by["closed_not_needed"],
                      "overdue": by["overdue"], **{r: by[r] for r in RAGS}})
    figures = headline(cells)

    overdue_table = Table("overdue-actions", "Overdue actions, longest overdue first",
                          ["Action", "Title", "Pillar", "Owner", "Due", "Days overdue", "National commitment"],
                          numeric=frozenset({5}))
    for a in overdue:
        overdue_table.add([a.reference, a.title, pillar_codes.get(a.pillar_id, ""), a.name or "No owner",
                           a.current_due_date, plan_rules.days_overdue(a.current_due_date, today), a.commitment or ""],
                          {0: ("actions.show", {"action_id": a.id})})

    owners: dict[int, list] = {}
    for a in overdue:
        if a.owner_id is not None:
            owners.setdefault(a.owner_id, []).append(a)
    ranked = sorted(owners.values(), key=lambda mine: (-len(mine), mine[0].name))[:TOP_N]
    owners_table = Table("owners-most-overdue", f"Owners with the most overdue actions (top {TOP_N})",
                         ["Owner", "Overdue actions", "Longest overdue (days)"], numeric=frozenset({1, 2}))
    for mine in ranked:
        owners_table.add([mine[0].name, len(mine),
                          plan_rules.days_overdue(min(a.current_due_date for a in mine), today)])

    disagree = disagreements_table()
    for a in actions:
        if a.declared_rag is not None and plan_rules.is_open(a.status) and a.declared_rag != rags[a.id]:
            disagree.add([a.reference, a.title, force.name, pillar_codes.get(a.pillar_id, ""),
                          RAG_LABELS.get(a.declared_rag, a.declared_rag), RAG_LABELS.get(rags[a.id], ""),
                          a.declared_rag_reason or ""], {0: ("actions.show", {"action_id": a.id})})

    tables = {t.name: t for t in (
        headline_table(figures), status, burn_up(milestones), overdue_table,
        evidence_awaiting_review(session, force), owners_table, replanned(session, force), disagree)}
    return Dashboard(f"{force.name} dashboard", tables, figures)


def burn_up(milestones) -> Table:
    """Milestones planned (by due date) and done (by completion date), cumulative by week."""
    weeks: dict[date, list[int]] = {}
    for m in milestones:
        if m.due_date is not None:
            weeks.setdefault(week_start(m.due_date), [0, 0])[0] += 1
        if m.completed_date is not None:
            weeks.setdefault(week_start(m.completed_date), [0, 0])[1] += 1
    table = Table("milestone-burn-up", "Milestones planned and done, cumulative, by week",
                  ["Week beginning", "Planned in week", "Done in week", "Planned to date", "Done to date"],
                  numeric=frozenset({1, 2, 3, 4}))
    total_planned = total_done = 0
    for week in sorted(weeks):
        p, d = weeks[week]
        total_planned += p
        total_done += d
        table.add([week, p, d, total_planned, total_done])
    return table


def burn_up_by_month(table: Table) -> Table:
    """The burn-up month by month, for the board pack's print: milestones planned and done in each
    month (by the month each week begins in) and both to date at the month's last week."""
    return by_month(table, "Milestones planned and done, cumulative, by month", added=(1, 2),
                    headers={0: "Month", 1: "Planned in month", 2: "Done in month"}, month_names=True)


def evidence_awaiting_review(session: Session, force: Force) -> Table:
    rows = session.execute(
        select(Evidence.id, Evidence.original_filename, Evidence.uploaded_at, Action.id, Action.reference,
               User.name)
        .join(Action, Action.id == Evidence.action_id).outerjoin(User, User.id == Evidence.uploaded_by_id)
        .where(Evidence.force_id == force.id, Evidence.review_state == "submitted", Evidence.withdrawn_at.is_(None))
        .order_by(Evidence.uploaded_at, Evidence.id))
    table = Table("evidence-awaiting-review", "Evidence awaiting review, oldest first",
                  ["File", "Action", "Uploaded by", "Uploaded"])
    for evidence_id, filename, uploaded_at, action_id, ref, uploader in rows:
        table.add([filename, ref, uploader or "", clock.london_date(uploaded_at)],
                  {0: ("evidence.show", {"evidence_id": evidence_id}), 1: ("actions.show", {"action_id": action_id})})
    return table


def replanned(session: Session, force: Force) -> Table:
    moves = (select(DueDateChange.action_id, func.count(DueDateChange.id).label("moves"))
             .group_by(DueDateChange.action_id).subquery())
    rows = session.execute(
        select(Action.id, Action.reference, Action.title, moves.c.moves, Action.original_due_date,
               Action.current_due_date)
        .join(moves, moves.c.action_id == Action.id).where(Action.force_id == force.id)
        .order_by(moves.c.moves.desc(), Action.reference))
    table = Table("replanned-actions", "Re-planned actions: how many times the due date moved",
                  ["Action", "Title", "Times moved", "Original due", "Current due", "Days moved"],
                  numeric=frozenset({2, 5}))
    for action_id, ref, title, n, original, current in rows:
        shift = (current - original).days if current and original else ""
        table.add([ref, title, n, original or "", current or "", shift],
                  {0: ("actions.show", {"action_id": action_id})})
    return table
