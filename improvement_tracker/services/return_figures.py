"""The plan as it stood at a quarter's end, for a quarterly return: never typed, always worked out.

Per pillar the counts come from that day's daily snapshot (services.snapshots) when it was
recorded, else from the plan's history replayed to that day (the same replay that rebuilds
missing snapshots). The lists come from the plan's history: actions completed during the quarter,
due dates moved during it (with their reasons), and actions that became overdue during it
(overdue at its end, not overdue the day before it began). A draft made before the quarter ends
shows the figures as at today.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker.models import Action, DueDateChange, Force, Pillar, ProgressSnapshot, ReportingPeriod
from improvement_tracker.services import clock, plan_rules
from improvement_tracker.services.snapshots import COUNT_FIELDS, History

# The counts a return carries per pillar (and in total), in the order its tables show them.
FIGURES = ("actions", "complete", "closed_not_needed", "percent_complete", "overdue", "red", "amber", "green")
FIGURE_LABELS = {
    "actions": "Actions", "complete": "Complete", "closed_not_needed": "Closed as not needed",
    "percent_complete": "% complete", "overdue": "Overdue", "red": "Red", "amber": "Amber", "green": "Green",
}


def as_at_day(period: ReportingPeriod, today: date) -> date:
    return min(period.ends_on, today)


def _figures(counts: dict[str, int]) -> dict[str, Any]:
    figures = {name: counts.get(name, 0) for name in FIGURES if name != "percent_complete"}
    figures["percent_complete"] = plan_rules.percent_complete(
        complete=figures["complete"], actions=figures["actions"], closed_not_needed=figures["closed_not_needed"])
    return {name: figures[name] for name in FIGURES}


def _counts(session: Session, force: Force, pillars: list[Pillar], day: date,
            history: History) -> tuple[dict[int, dict[str, int]], str]:
    rows = session.scalars(select(ProgressSnapshot).where(ProgressSnapshot.force_id == force.id,
                                                          ProgressSnapshot.day == day)).all()
    if rows:
        by_pillar = {row.pillar_id: {name: getattr(row, name) for name in ("actions", *COUNT_FIELDS)}
                     for row in rows}
        return {p.id: by_pillar.get(p.id, {}) for p in pillars}, "snapshot"
    grid = {(force.id, p.id): dict.fromkeys(COUNT_FIELDS, 0) for p in pillars}
    history.fill(grid, day)
    counts = {}
    for pillar in pillars:
        cell = grid[(force.id, pillar.id)]
        cell["actions"] = sum(cell[s] for s in ("not_started", "in_progress", "awaiting_sign_off", "complete",
                                                "blocked", "closed_not_needed"))
        counts[pillar.id] = cell
    return counts, "history"


def _action_line(action: Action, pillars: dict[int, Pillar], **more: Any) -> dict[str, Any]:
    return {"reference": action.reference, "title": action.title, "pillar": pillars[action.pillar_id].code, **more}


def quarter_figures(session: Session, force: Force, period: ReportingPeriod, today: date) -> dict[str, Any]:
    """Everything a return says about the plan, as plain JSON-ready values."""
    pillars = list(session.scalars(select(Pillar).order_by(Pillar.display_order)))
    by_id = {p.id: p for p in pillars}
    day = as_at_day(period, today)
    history = History.load(session, force.id)
    counts, source = _counts(session, force, pillars, day, history)
    per_pillar = {by_id[pillar_id].code: _figures(cell) for pillar_id, cell in counts.items()}
    totals = {name: sum(counts[p.id].get(name, 0) for p in pillars) for name in FIGURES}
    totals = _figures(totals)

    start, end = clock.start_of_london_day(period.starts_on), clock.start_of_london_day(day + timedelta(days=1))
    completed = session.scalars(select(Action).where(
        Action.force_id == force.id, Action.completed_date >= period.starts_on, Action.completed_date <= day)
        .order_by(Action.completed_date, Action.reference))
    replans = session.execute(
        select(DueDateChange, Action).join(Action, Action.id == DueDateChange.action_id).where(
            Action.force_id == force.id, DueDateChange.old_date.is_not(None),
            DueDateChange.changed_at >= start, DueDateChange.changed_at < end)
        .order_by(DueDateChange.changed_at, DueDateChange.id))
    newly_late = history.overdue_on(day) - history.overdue_on(period.starts_on - timedelta(days=1))
    late_actions = session.scalars(select(Action).where(Action.id.in_(newly_late)).order_by(Action.reference)) \
        if newly_late else []
    due_then = {a[0]: a for a in history.actions}
    return {
        "as_at": day.isoformat(),
        "source": source,
        "pillars": per_pillar,
        "totals": totals,
        "completed": [_action_line(a, by_id, completed_on=a.completed_date.isoformat()) for a in completed],
        "replanned": [_action_line(a, by_id, old_date=c.old_date.isoformat(),
                                   new_date=c.new_date.isoformat() if c.new_date else None, reason=c.reason,
                                   changed_on=clock.london_date(c.changed_at).isoformat())
                      for c, a in replans],
        "newly_overdue": [_action_line(a, by_id, due_date=_due_on(history, due_then[a.id], day))
                          for a in late_actions],
    }


def _due_on(history: History, action_row, day: date) -> str | None:
    end = clock.start_of_london_day(day + timedelta(days=1))
    _status, due = history.status_and_due(action_row[0], action_row[4], end)
    return due.isoformat() if due else None
