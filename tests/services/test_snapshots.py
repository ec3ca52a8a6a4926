"""Daily snapshots: the SQL agrees with the RAG rules, a rerun never doubles, and the past can be rebuilt."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, DueDateChange, ProgressSnapshot, ProgressUpdate
from improvement_tracker.services import clock, plan_queries, snapshots
from tests import factories

TODAY = clock.today()


def _totals(day: date, force_code: str = "avon-and-somerset") -> dict[str, int]:
    force = factories.force(force_code)
    rows = db.session.scalars(select(ProgressSnapshot).where(ProgressSnapshot.day == day,
                                                            ProgressSnapshot.force_id == force.id)).all()
    return {field: sum(getattr(r, field) for r in rows) for field in ("actions", *snapshots.COUNT_FIELDS)}


def _quiet(action: Action, days: int) -> None:
    action.last_update_at = datetime.combine(TODAY - timedelta(days=days), datetime.min.time()).replace(hour=12)
    factories.changed(action)


def test_sql_rag_matches_the_rules_at_their_boundaries(app):
    owner = factories.create_user()
    cases = [
        factories.create_action(owner, due=TODAY - timedelta(days=1)),                 # red: overdue
        factories.create_action(owner, due=TODAY, status="in_progress"),               # green
        factories.create_action(owner, due=None, status="blocked"),                    # red: blocked
        factories.create_action(owner, due=TODAY + timedelta(days=14)),                # amber if quiet 30
        factories.create_action(owner, due=TODAY + timedelta(days=14)),                # green: quiet 29
        factories.create_action(owner, due=TODAY + timedelta(days=15)),                # green: not due soon
        factories.create_action(owner, due=TODAY + timedelta(days=90)),                # amber: late milestone
        factories.create_action(owner, due=TODAY - timedelta(days=5), status="complete"),  # none
    ]
    _quiet(cases[3], 30)
    _quiet(cases[4], 29)
    _quiet(cases[5], 60)
    factories.create_milestone(cases[6], due=TODAY - timedelta(days=1))
    factories.create_milestone(cases[1], due=TODAY - timedelta(days=3), done=True)
    db.session.commit()
    snapshots.build_live(db.session, TODAY)
    db.session.commit()
    expected = {k: v.rag for k, v in plan_queries.rags_for(db.session, db.session.scalars(select(Action)).all(),
                                                            TODAY).items()}
    totals = _totals(TODAY)
    for colour in ("red", "amber", "green"):
        assert totals[colour] == sum(1 for v in expected.values() if v == colour), colour
    assert (totals["red"], totals["amber"], totals["green"]) == (2, 2, 3)
    assert (totals["actions"], totals["complete"], totals["overdue"]) == (8, 1, 1)
    assert (totals["milestones"], totals["milestones_due"], totals["milestones_done"]) == (2, 2, 1)


def test_rerunning_a_day_replaces_it(app):
    factories.create_action(factories.create_user(), due=TODAY)
    for _ in range(2):
        snapshots.build_live(db.session, TODAY)
        db.session.commit()
    rows = db.session.scalar(select(func.count()).select_from(ProgressSnapshot))
    assert rows == 43 * 6
    assert _totals(TODAY)["actions"] == 1


def _at(days_ago: int) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time()).replace(hour=10)


def test_a_past_day_is_rebuilt_from_the_plans_history(app):
    owner = factories.create_user()
    action = factories.create_action(owner, due=TODAY + timedelta(days=30))
    action.created_at = _at(20)
    action.original_due_date = TODAY - timedelta(days=10)
    db.session.add_all([
        ProgressUpdate(action_id=action.id, status_from="not_started", status_to="in_progress", created_at=_at(15)),
        ProgressUpdate(action_id=action.id, status_from="in_progress", status_to="blocked", created_at=_at(5)),
        DueDateChange(action_id=action.id, old_date=TODAY - timedelta(days=10), new_date=TODAY + timedelta(days=30),
                      reason="Re-planned", changed_at=_at(3)),
    ])
    action.status, action.status_reason = "blocked", "Waiting"
    factories.changed(action)
    db.session.commit()

    reports = snapshots.backfill(db.session, TODAY, 25)
    db.session.commit()
    assert len(reports) == 25 and not any(r.skipped for r in reports)
    assert _totals(TODAY - timedelta(days=21))["actions"] == 0          # before it existed
    assert _totals(TODAY - timedelta(days=18))["not_started"] == 1
    day12 = _totals(TODAY - timedelta(days=12))
    assert (day12["in_progress"], day12["overdue"], day12["red"]) == (1, 0, 0)
    day7 = _totals(TODAY - timedelta(days=7))                            # past the old due date
    assert (day7["in_progress"], day7["overdue"], day7["red"]) == (1, 1, 1)
    day4 = _totals(TODAY - timedelta(days=4))
    assert (day4["blocked"], day4["overdue"]) == (1, 1)
    day1 = _totals(TODAY - timedelta(days=1))                            # after the re-plan
    assert (day1["blocked"], day1["overdue"], day1["red"]) == (1, 0, 1)
    flags = set(db.session.scalars(select(ProgressSnapshot.backfilled).distinct()))
    assert flags == {True}


def test_a_day_recorded_live_is_never_overwritten_by_a_rebuild(app):
    factories.create_action(factories.create_user(), due=TODAY)
    snapshots.build_live(db.session, TODAY - timedelta(days=1))
    db.session.commit()
    assert snapshots.build_from_history(db.session, TODAY - timedelta(days=1)).skipped
    reports = snapshots.backfill(db.session, TODAY, 2)
    assert [r.skipped for r in reports] == [False, True]


def test_cli(app):
    factories.create_action(factories.create_user(), due=TODAY)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["snapshots", "build", "--backfill", "3"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt 3 past days" in result.output and "258 rows" in result.output
    assert db.session.scalar(select(func.count(func.distinct(ProgressSnapshot.day)))) == 4
    future = runner.invoke(args=["snapshots", "build", "--date", (TODAY + timedelta(days=1)).isoformat()])
    assert future.exit_code == 2 and "cannot be in the future" in future.output
    bad = runner.invoke(args=["snapshots", "build", "--date", "yesterday"])
    assert bad.exit_code == 2
