"""When is a job late? Decided from the timetable, the newest run and the scheduler's start, at a
given moment (no sleeping). Times below are naive UTC; March 2027 is GMT, June is BST."""

from __future__ import annotations

from datetime import datetime, timedelta

from improvement_tracker import jobs
from improvement_tracker.extensions import db
from improvement_tracker.jobs import health, runs
from improvement_tracker.jobs.timetable import JOBS, Daily


def _started(at: datetime) -> None:
    with jobs.transactions(db.session)() as session:
        runs.scheduler_started(session, now=at)


def _ran(job: str, at: datetime, error: Exception | None = None, finished: bool = True) -> None:
    with jobs.transactions(db.session)() as session:
        run_id = runs.start(session, job, now=at)
        if finished:
            runs.finish(session, run_id, counts={}, error=error, now=at + timedelta(seconds=3))


def _states(now: datetime) -> dict[str, str]:
    return {s.job.name: s.state for s in health.check(db.session, now).jobs}


def _every_job_ran(at: datetime) -> None:
    for name in JOBS:
        _ran(name, at)


def test_nothing_started_means_the_scheduler_is_not_running(app):
    status = health.check(db.session, datetime(2027, 3, 3, 12, 0))
    assert not status.running and not status.healthy
    assert set(_states(datetime(2027, 3, 3, 12, 0)).values()) == {"waiting"}


def test_a_freshly_started_scheduler_is_not_late_for_times_before_it_started(app):
    # Started at 07:10, after the 07:00 reminders: they are next due tomorrow at 07:00.
    _started(datetime(2027, 3, 3, 7, 10))
    status = health.check(db.session, datetime(2027, 3, 3, 7, 15))
    assert status.healthy and {s.state for s in status.jobs} == {"waiting"}
    reminders = next(s for s in status.jobs if s.job.name == "daily_reminders")
    assert reminders.next_due == datetime(2027, 3, 4, 7, 0)
    # The outbox job is due two minutes after the start; late ten minutes after that.
    assert _states(datetime(2027, 3, 3, 7, 21))["outbox"] == "waiting"
    assert _states(datetime(2027, 3, 3, 7, 22))["outbox"] == "late"


def test_a_daily_job_is_late_once_its_grace_period_passes_without_a_run(app):
    _started(datetime(2027, 3, 1, 12, 0))
    _every_job_ran(datetime(2027, 3, 2, 7, 0))
    assert _states(datetime(2027, 3, 3, 3, 59))["housekeeping"] == "ok"
    assert _states(datetime(2027, 3, 3, 4, 0))["housekeeping"] == "late"
    status = health.check(db.session, datetime(2027, 3, 3, 6, 59))
    assert [s.job.name for s in status.problems] == ["outbox", "housekeeping", "daily_snapshot", "dashboard_cache"]
    assert status.problems[2].problem == (
        "daily_snapshot is late: it was due at 06:00 on 3 March 2027 and has not run since")
    assert _states(datetime(2027, 3, 3, 6, 59))["daily_reminders"] == "ok"
    assert _states(datetime(2027, 3, 3, 7, 30))["daily_reminders"] == "late"


def test_a_failed_run_is_reported_until_one_succeeds(app):
    _started(datetime(2027, 3, 3, 6, 50))
    _ran("daily_reminders", datetime(2027, 3, 3, 7, 0), error=ValueError("bad setting"))
    _ran("outbox", datetime(2027, 3, 3, 7, 4))
    [problem] = health.check(db.session, datetime(2027, 3, 3, 7, 5)).problems
    assert (problem.job.name, problem.state) == ("daily_reminders", "failed")
    assert problem.problem == "daily_reminders failed at 07:00 on 3 March 2027: ValueError: bad setting"
    _ran("daily_reminders", datetime(2027, 3, 3, 7, 6))
    assert _states(datetime(2027, 3, 3, 7, 7))["daily_reminders"] == "ok"


def test_a_run_that_never_finishes_is_stuck_after_its_grace_period(app):
    _started(datetime(2027, 3, 3, 6, 0))
    _ran("daily_snapshot", datetime(2027, 3, 3, 6, 0), finished=False)
    assert _states(datetime(2027, 3, 3, 6, 29))["daily_snapshot"] == "running"
    assert _states(datetime(2027, 3, 3, 6, 31))["daily_snapshot"] == "stuck"


def test_daily_times_are_london_times():
    # 07:00 in London is 06:00 UTC in summer and 07:00 UTC in winter.
    assert Daily(7).next_after(datetime(2027, 6, 14, 12, 0)) == datetime(2027, 6, 15, 6, 0)
    assert Daily(7).next_after(datetime(2027, 12, 14, 12, 0)) == datetime(2027, 12, 15, 7, 0)
    assert Daily(7).next_after(datetime(2027, 6, 15, 5, 59)) == datetime(2027, 6, 15, 6, 0)
    # The clocks go back on 31 October 2027: 03:30 that night is 03:30 GMT.
    assert Daily(3, 30).last_at_or_before(datetime(2027, 10, 31, 12, 0)) == datetime(2027, 10, 31, 3, 30)
