"""A national commitment's daily snapshots: recorded live, rebuilt for past days from the plan's
history (each force's joining, work, sign-off, confirmation and leaving), and read as a weekly trend."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import CommitmentForce, CommitmentSnapshot, ProgressUpdate
from improvement_tracker.services import charts, clock, commitment_snapshots, commitments, snapshots
from tests import factories

TODAY = clock.today()


def _at(days_ago: int) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time()).replace(hour=10)


def _day(days_ago: int) -> dict[str, int] | None:
    day = TODAY - timedelta(days=days_ago)
    row = db.session.scalar(select(CommitmentSnapshot).where(CommitmentSnapshot.day == day))
    if row is None:
        return None
    return {k: getattr(row, k) for k in ("forces", *commitment_snapshots.STAGES, "overdue") if getattr(row, k)}


def _history(national):
    """NC-01, published 20 days ago to Durham and Kent, due in 9 days' time. Durham started 15 days ago,
    asked for sign-off 9 days ago, was signed off 8 days ago and confirmed 4 days ago; Kent never started
    and was taken off 3 days ago."""
    durham_action, kent_action = factories.publish_commitment(national, ["durham", "kent"],
                                                              due=TODAY + timedelta(days=9))
    commitment = commitments.by_reference(db.session, "NC-01")
    commitment.published_at = _at(20)
    for action in (durham_action, kent_action):
        action.created_at = _at(20)
    durham, kent = (db.session.scalar(select(CommitmentForce).where(CommitmentForce.action_id == a.id))
                    for a in (durham_action, kent_action))
    durham.joined_at = kent.joined_at = _at(20)
    db.session.add_all([
        ProgressUpdate(action_id=durham_action.id, status_from="not_started", status_to="in_progress",
                       created_at=_at(15)),
        ProgressUpdate(action_id=durham_action.id, status_from="in_progress", status_to="awaiting_sign_off",
                       created_at=_at(9)),
        ProgressUpdate(action_id=durham_action.id, status_from="awaiting_sign_off", status_to="complete",
                       created_at=_at(8)),
    ])
    durham_action.status, durham_action.completed_date = "complete", TODAY - timedelta(days=8)
    durham.national_state, durham.confirmed_at = "confirmed", _at(4)
    kent.membership, kent.removed_at, kent.removed_reason = "removed", _at(3), "Done regionally"
    kent_action.status, kent_action.status_reason = "closed_not_needed", "Done regionally"
    for action in (durham_action, kent_action):
        factories.changed(action)
    db.session.commit()
    return commitment


def test_past_days_are_rebuilt_from_history_and_today_is_recorded_live(app):
    national = factories.create_user("oversight", None)
    commitment = _history(national)
    snapshots.backfill(db.session, TODAY, 21)
    snapshots.build_live(db.session, TODAY)
    db.session.commit()
    assert _day(21) is None  # not yet published
    assert _day(18) == {"forces": 2, "not_started": 2}
    assert _day(10) == {"forces": 2, "not_started": 1, "in_progress": 1}
    assert _day(6) == {"forces": 2, "not_started": 1, "awaiting_confirmation": 1}
    assert _day(2) == {"forces": 1, "confirmed": 1}
    assert _day(0) == {"forces": 1, "confirmed": 1}
    trend = commitment_snapshots.trend(db.session, commitment)
    assert trend.rows == [[TODAY - timedelta(days=14), 0, 0], [TODAY - timedelta(days=7), 50, 0], [TODAY, 100, 100]]
    # Its chart is a figure plotly's own schema accepts.
    import plotly.graph_objects as go

    go.Figure(json.loads(charts.commitment_figures({"trend": trend})["trend"]))


def test_a_day_recorded_live_is_kept_and_a_rerun_never_doubles(app):
    national = factories.create_user("oversight", None)
    [action] = factories.publish_commitment(national, ["durham"], due=TODAY + timedelta(days=30))
    commitments.by_reference(db.session, "NC-01").published_at = action.created_at = _at(5)
    db.session.scalar(select(CommitmentForce)).joined_at = _at(5)
    factories.changed(action)
    db.session.commit()
    yesterday = TODAY - timedelta(days=1)
    snapshots.build_live(db.session, yesterday)
    db.session.commit()
    assert snapshots.build_from_history(db.session, yesterday).skipped
    assert commitment_snapshots.build_from_history(db.session, yesterday, snapshots.History.load(db.session)) == 0
    for _ in range(2):
        snapshots.backfill(db.session, TODAY, 3)
        snapshots.build_live(db.session, TODAY)
        db.session.commit()
    days = db.session.scalars(select(CommitmentSnapshot.day).order_by(CommitmentSnapshot.day)).all()
    assert days == [TODAY - timedelta(days=n) for n in (3, 2, 1, 0)]
    live = db.session.scalars(select(CommitmentSnapshot.day).where(CommitmentSnapshot.backfilled.is_(False))).all()
    assert sorted(live) == [yesterday, TODAY]


def test_an_overdue_force_is_counted(app):
    national = factories.create_user("oversight", None)
    [action] = factories.publish_commitment(national, ["durham"], due=TODAY + timedelta(days=5))
    snapshots.build_live(db.session, TODAY + timedelta(days=6))
    db.session.commit()
    row = db.session.scalar(select(CommitmentSnapshot))
    assert (row.forces, row.not_started, row.overdue) == (1, 1, 1)
    assert isinstance(row.day, date) and action.status == "not_started"
