"""Daily snapshots of each published national commitment: one row per (day, commitment) counting its
forces by standing (services.commitment_status.stage) and those overdue. The source of a commitment's
completion trend; built beside the plan's snapshots (services.snapshots), by the same job and command.

`build_live` records a day from the commitments as they stand; `fill` rebuilds a past day from the
plan's history (services.snapshots.History), with each force's joining, leaving and confirmation from
its membership row: exact, except that a completion the national team returned and nobody confirmed
again counts as awaiting confirmation on the days it had been confirmed. A day recorded live is never
overwritten by a rebuild; a rerun replaces a day's rows, never doubles them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from improvement_tracker.models import Action, Commitment, CommitmentForce, CommitmentSnapshot
from improvement_tracker.services import clock, plan_rules
from improvement_tracker.services.commitment_status import CONFIRMED, stage
from improvement_tracker.services.tables import Table


class History(Protocol):
    """What a rebuild needs of the plan's history (services.snapshots.History, loaded once per run)."""

    def status_and_due(self, action_id: int, current_due: date | None, end: datetime) -> tuple[str, date | None]:
        ...


STAGES = ("not_started", "in_progress", "blocked", "awaiting_sign_off", "awaiting_confirmation", "confirmed")
WEEKS_SHOWN = 53


def _empty() -> dict[str, int]:
    return dict.fromkeys(("forces", *STAGES, "overdue"), 0)


def _count(counts: dict[str, int], key: str, overdue: bool) -> None:
    counts["forces"] += 1
    if key in counts:
        counts[key] += 1
    if overdue:
        counts["overdue"] += 1


def _store(session: Session, day: date, grid: dict[int, dict[str, int]], *, backfilled: bool) -> int:
    session.execute(delete(CommitmentSnapshot).where(CommitmentSnapshot.day == day))
    rows = [{"day": day, "commitment_id": commitment_id, "backfilled": backfilled, **counts}
            for commitment_id, counts in grid.items()]
    if rows:
        session.execute(CommitmentSnapshot.__table__.insert(), rows)
    return len(rows)


def build_live(session: Session, day: date) -> int:
    """Record ``day`` from the commitments as they stand now (run on the day itself)."""
    grid = {commitment_id: _empty() for commitment_id in
            session.scalars(select(Commitment.id).where(Commitment.state == "published"))}
    for commitment_id, status, due, national in session.execute(
            select(CommitmentForce.commitment_id, Action.status, Action.current_due_date,
                   CommitmentForce.national_state)
            .join(Action, Action.id == CommitmentForce.action_id)
            .where(CommitmentForce.membership == "active", CommitmentForce.commitment_id.in_(list(grid)))):
        _count(grid[commitment_id], stage(status, national), plan_rules.is_overdue(status, due, day))
    return _store(session, day, grid, backfilled=False)


def _members(session: Session) -> list:
    return session.execute(
        select(CommitmentForce.commitment_id, CommitmentForce.action_id, CommitmentForce.joined_at,
               CommitmentForce.removed_at, CommitmentForce.national_state, CommitmentForce.confirmed_at,
               Commitment.published_at, Action.current_due_date)
        .join(Commitment, Commitment.id == CommitmentForce.commitment_id)
        .join(Action, Action.id == CommitmentForce.action_id)
        .where(Commitment.state == "published")).all()


def _fill(day: date, history: History, members: list) -> dict[int, dict[str, int]]:
    end: datetime = clock.start_of_london_day(day + timedelta(days=1))
    grid: dict[int, dict[str, int]] = {}
    for m in members:
        if m.published_at >= end:
            continue
        counts = grid.setdefault(m.commitment_id, _empty())
        if m.joined_at >= end or (m.removed_at is not None and m.removed_at < end):
            continue
        status, due = history.status_and_due(m.action_id, m.current_due_date, end)
        confirmed = m.national_state == "confirmed" and m.confirmed_at is not None and m.confirmed_at < end
        _count(counts, stage(status, "confirmed" if confirmed else None), plan_rules.is_overdue(status, due, day))
    return grid


def backfill(session: Session, today: date, days: int, history: History) -> int:
    """Rebuild the ``days`` days before today from history (days recorded live are kept); the rows made."""
    members = _members(session)
    if not members:
        return 0
    live = set(session.scalars(select(CommitmentSnapshot.day).where(
        CommitmentSnapshot.backfilled.is_(False), CommitmentSnapshot.day >= today - timedelta(days=days)).distinct()))
    made = 0
    for n in range(days, 0, -1):
        day = today - timedelta(days=n)
        if day not in live:
            made += _store(session, day, _fill(day, history, members), backfilled=True)
    return made


def build_from_history(session: Session, day: date, history: History) -> int:
    """Rebuild one past day from history, unless it was recorded live."""
    if session.scalar(select(CommitmentSnapshot.id).where(CommitmentSnapshot.day == day,
                                                          CommitmentSnapshot.backfilled.is_(False)).limit(1)):
        return 0
    return _store(session, day, _fill(day, history, _members(session)), backfilled=True)


def trend(session: Session, commitment: Commitment) -> Table:
    """The commitment's completion week by week (every seventh day back from the newest snapshot, for
    up to a year): the share of its forces signed off and the share confirmed."""
    table = Table("trend", f"{commitment.reference} completion over time, weekly from the daily snapshots "
                           "(% of the forces carrying it)",
                  ["Week ending", "Signed off by the force (%)", f"{CONFIRMED} (%)"],
                  numeric=frozenset({1, 2}))
    rows = session.execute(
        select(CommitmentSnapshot.day, CommitmentSnapshot.forces, CommitmentSnapshot.awaiting_confirmation,
               CommitmentSnapshot.confirmed)
        .where(CommitmentSnapshot.commitment_id == commitment.id).order_by(CommitmentSnapshot.day.desc())
        .limit(WEEKS_SHOWN * 7)).all()
    if not rows:
        return table
    newest = rows[0].day
    for day, forces, awaiting, confirmed in reversed(rows):
        if (newest - day).days % 7:
            continue
        shares = (plan_rules.percent(awaiting + confirmed, forces), plan_rules.percent(confirmed, forces))
        table.add([day, *("" if share is None else share for share in shares)])
    return table

