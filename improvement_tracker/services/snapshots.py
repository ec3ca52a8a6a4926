"""Daily progress snapshots: one row per (day, force, pillar), the source of trend charts.

`build_live` records today's state with a handful of aggregate queries (and each published national
commitment's, services.commitment_snapshots). `build_from_history`
rebuilds a past day from the plan's own history, so a new installation has trends at once:

- exact: which actions existed, their status (from the status changes in progress updates),
  their due date (from the re-plan history), when milestones were completed, and evidence
  uploads, reviews and withdrawals (from their timestamps);
- approximate: a milestone's due date and an action's pillar are today's values, since edits
  to them are kept only in the audit trail.
Either way a rebuild of a day replaces that day's rows: a rerun never doubles them, and a day
recorded live is never overwritten by a rebuild from history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, delete, func, select, true
from sqlalchemy.orm import Session

from improvement_tracker.models import Action, DueDateChange, Force, Milestone, Pillar, ProgressUpdate
from improvement_tracker.models.evidence import Evidence
from improvement_tracker.models.plans import STATUSES
from improvement_tracker.models.snapshots import ProgressSnapshot
from improvement_tracker.services import clock, commitment_snapshots, plan_rules

COUNT_FIELDS = (*STATUSES, "red", "amber", "green", "overdue", "milestones", "milestones_due",
                "milestones_done", "evidence_submitted", "evidence_accepted")


@dataclass
class BuildReport:
    day: date
    rows: int
    skipped: bool = False


def _cells(session: Session) -> list[tuple[int, int]]:
    """Every (force, pillar) pair: a day has a row for each, zeros included."""
    forces = session.scalars(select(Force.id)).all()
    pillars = session.scalars(select(Pillar.id)).all()
    return [(f, p) for f in forces for p in pillars]


def _empty_grid(cells: list[tuple[int, int]]) -> dict[tuple[int, int], dict[str, int]]:
    return {cell: dict.fromkeys(COUNT_FIELDS, 0) for cell in cells}


def _total(column_condition):
    return func.coalesce(func.sum(case((column_condition, 1), else_=0)), 0)


def _store(session: Session, day: date, grid: dict, *, backfilled: bool) -> int:
    session.execute(delete(ProgressSnapshot).where(ProgressSnapshot.day == day))
    rows = [
        {"day": day, "force_id": f, "pillar_id": p, "backfilled": backfilled,
         "actions": sum(counts[s] for s in STATUSES), **counts}
        for (f, p), counts in grid.items()
    ]
    if rows:
        session.execute(ProgressSnapshot.__table__.insert(), rows)
    return len(rows)


def build_live(session: Session, day: date) -> BuildReport:
    """Record `day` from the plan as it stands now (run on the day itself)."""
    grid = _empty_grid(_cells(session))
    rag = plan_rules.rag_sql(day)
    late = plan_rules.overdue_sql(day)
    actions = session.execute(
        select(Action.force_id, Action.pillar_id,
               *[_total(Action.status == s) for s in STATUSES],
               _total(rag == "red"), _total(rag == "amber"), _total(rag == "green"), _total(late))
        .group_by(Action.force_id, Action.pillar_id))
    for force_id, pillar_id, *values in actions:
        grid[(force_id, pillar_id)].update(zip((*STATUSES, "red", "amber", "green", "overdue"), values,
                                               strict=True))
    milestones = session.execute(
        select(Action.force_id, Action.pillar_id, func.count(Milestone.id),
               _total(Milestone.due_date <= day), _total(Milestone.completed_date <= day))
        .join(Action, Action.id == Milestone.action_id).group_by(Action.force_id, Action.pillar_id))
    for force_id, pillar_id, total, due, done in milestones:
        grid[(force_id, pillar_id)].update(milestones=total, milestones_due=due, milestones_done=done)
    evidence = session.execute(
        select(Action.force_id, Action.pillar_id, _total(Evidence.review_state == "submitted"),
               _total(Evidence.review_state == "accepted"))
        .join(Action, Action.id == Evidence.action_id).where(Evidence.withdrawn_at.is_(None))
        .group_by(Action.force_id, Action.pillar_id))
    for force_id, pillar_id, submitted, accepted in evidence:
        grid[(force_id, pillar_id)].update(evidence_submitted=submitted, evidence_accepted=accepted)
    rows = _store(session, day, grid, backfilled=False)
    commitment_snapshots.build_live(session, day)
    return BuildReport(day, rows)


def build_from_history(session: Session, day: date) -> BuildReport:
    """Rebuild a past day from the history the plan keeps; skip a day that was recorded live."""
    recorded_live = session.scalar(select(func.count()).select_from(ProgressSnapshot).where(
        ProgressSnapshot.day == day, ProgressSnapshot.backfilled.is_(False)))
    if recorded_live:
        return BuildReport(day, 0, skipped=True)
    history = History.load(session)
    grid = _empty_grid(_cells(session))
    history.fill(grid, day)
    commitment_snapshots.build_from_history(session, day, history)
    return BuildReport(day, _store(session, day, grid, backfilled=True))


def backfill(session: Session, today: date, days: int) -> list[BuildReport]:
    """Rebuild the `days` days before today, loading the history once."""
    history = History.load(session)
    cells = _cells(session)
    live_days = set(session.scalars(select(ProgressSnapshot.day).where(
        ProgressSnapshot.backfilled.is_(False), ProgressSnapshot.day >= today - timedelta(days=days)).distinct()))
    reports = []
    for n in range(days, 0, -1):
        day = today - timedelta(days=n)
        if day in live_days:
            reports.append(BuildReport(day, 0, skipped=True))
            continue
        grid = _empty_grid(cells)
        history.fill(grid, day)
        reports.append(BuildReport(day, _store(session, day, grid, backfilled=True)))
    commitment_snapshots.backfill(session, today, days, history)
    return reports


@dataclass
class History:
    """Everything needed to replay the plan to any past day, loaded in a few queries."""

    actions: list
    status_changes: dict[int, list[tuple[datetime, str]]]
    updates: dict[int, list[datetime]]
    due_changes: dict[int, list[tuple[datetime, date | None]]]
    milestones: dict[int, list]
    evidence: list

    @classmethod
    def load(cls, session: Session, force_id: int | None = None) -> History:
        """Every force's history, or one force's (a quarterly return's figures)."""
        def scoped(query, model):
            if force_id is None:
                return query
            return query.join(Action, Action.id == model.action_id).where(Action.force_id == force_id)

        actions = session.execute(select(
            Action.id, Action.force_id, Action.pillar_id, Action.created_at, Action.current_due_date).where(
            Action.force_id == force_id if force_id is not None else true())).all()
        status_changes: dict[int, list] = defaultdict(list)
        updates: dict[int, list] = defaultdict(list)
        for action_id, at, status_to in session.execute(scoped(
                select(ProgressUpdate.action_id, ProgressUpdate.created_at, ProgressUpdate.status_to), ProgressUpdate)
                .order_by(ProgressUpdate.created_at, ProgressUpdate.id)):
            updates[action_id].append(at)
            if status_to:
                status_changes[action_id].append((at, status_to))
        due_changes: dict[int, list] = defaultdict(list)
        for action_id, at, old in session.execute(scoped(
                select(DueDateChange.action_id, DueDateChange.changed_at, DueDateChange.old_date), DueDateChange)
                .order_by(DueDateChange.changed_at, DueDateChange.id)):
            due_changes[action_id].append((at, old))
        milestones: dict[int, list] = defaultdict(list)
        for row in session.execute(scoped(select(Milestone.action_id, Milestone.created_at, Milestone.due_date,
                                                 Milestone.completed_date), Milestone)):
            milestones[row.action_id].append(row)
        evidence = session.execute(scoped(select(
            Evidence.action_id, Evidence.uploaded_at, Evidence.review_state, Evidence.reviewed_at,
            Evidence.withdrawn_at), Evidence)).all()
        return cls(actions, status_changes, updates, due_changes, milestones, evidence)

    def status_and_due(self, action_id: int, current_due: date | None, end: datetime) -> tuple[str, date | None]:
        status = "not_started"
        for at, status_to in self.status_changes.get(action_id, []):
            if at >= end:
                break
            status = status_to
        due = current_due
        for at, old in self.due_changes.get(action_id, []):
            if at >= end:
                due = old  # the date it had before the first change made after that day
                break
        return status, due

    def overdue_on(self, day: date) -> set[int]:
        """The actions that were overdue on ``day``, as the plan stood at the end of it."""
        end = clock.start_of_london_day(day + timedelta(days=1))
        late = set()
        for action_id, _force_id, _pillar_id, created_at, current_due in self.actions:
            if created_at < end and plan_rules.is_overdue(*self.status_and_due(action_id, current_due, end), day):
                late.add(action_id)
        return late

    def fill(self, grid: dict, day: date) -> None:
        # Everything stored before the end of that London day.
        end = clock.start_of_london_day(day + timedelta(days=1))
        existing: dict[int, tuple[int, int]] = {}
        for action_id, force_id, pillar_id, created_at, current_due in self.actions:
            if created_at >= end:
                continue
            existing[action_id] = (force_id, pillar_id)
            counts = grid[(force_id, pillar_id)]
            status, due = self.status_and_due(action_id, current_due, end)
            last_update = created_at
            for at in self.updates.get(action_id, []):
                if at >= end:
                    break
                last_update = at
            milestones = [m for m in self.milestones.get(action_id, []) if m.created_at < end]
            late_milestone = any(
                plan_rules.milestone_is_overdue(m.due_date, m.completed_date if m.completed_date and
                                                m.completed_date <= day else None, day)
                for m in milestones)
            counts[status] += 1
            rag = plan_rules.compute_rag(status=status, due_date=due, last_update_at=last_update,
                              has_overdue_milestone=late_milestone, today=day)
            if rag:
                counts[rag] += 1
            if plan_rules.is_overdue(status, due, day):
                counts["overdue"] += 1
            counts["milestones"] += len(milestones)
            counts["milestones_due"] += sum(1 for m in milestones if m.due_date and m.due_date <= day)
            counts["milestones_done"] += sum(1 for m in milestones if m.completed_date and m.completed_date <= day)
        for action_id, uploaded_at, state, reviewed_at, withdrawn_at in self.evidence:
            if action_id not in existing or uploaded_at >= end or (withdrawn_at and withdrawn_at < end):
                continue
            reviewed = reviewed_at is not None and reviewed_at < end
            counts = grid[existing[action_id]]
            if not reviewed:
                counts["evidence_submitted"] += 1
            elif state == "accepted":
                counts["evidence_accepted"] += 1
