"""Every job run is recorded: start, end, outcome and what it did; the scheduler is built from
the timetable and catches up the daily jobs it missed while it was down."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from improvement_tracker import jobs, scheduler
from improvement_tracker.extensions import db
from improvement_tracker.jobs import runs, timetable
from improvement_tracker.models import JobRun, Setting
from improvement_tracker.models._types import utcnow
from improvement_tracker.services.clock import LONDON
from tests import factories
from tests.conftest import make_app


@pytest.fixture
def mail_app(app, smtp_server, tmp_path, database_url):
    _, port = smtp_server
    return make_app(str(tmp_path), database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=port)


def _runs(job: str) -> list[JobRun]:
    db.session.expire_all()
    return list(db.session.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id)))


def test_a_run_is_recorded_with_what_it_did(mail_app, smtp_server):
    handler, _ = smtp_server
    owner = factories.create_user("action_owner", email="o@example.police.uk")
    factories.create_user("programme_manager", email="pm@example.police.uk")
    factories.create_action(owner, reference="A", due=date(2027, 3, 8))
    before = utcnow()
    scheduler.daily_reminders(mail_app, date(2027, 3, 1))  # a Monday: the manager's weekly summary too
    [run] = _runs("daily_reminders")
    assert (run.outcome, run.trigger, run.error) == ("ok", "schedule", None)
    assert before <= run.started_at <= run.finished_at <= utcnow()
    assert run.counts == {"items_due": 2, "emails_queued": 2, "items_queued": 2, "recipients": 2,
                          "emails_sent": 2, "emails_retrying": 0, "emails_failed": 0}
    assert len(handler.messages) == 2

    scheduler.daily_snapshot(mail_app)
    [snapshot] = _runs("daily_snapshot")
    assert snapshot.outcome == "ok" and snapshot.counts == {"snapshot_rows": 43 * 6}


def test_a_failing_job_is_recorded_as_failed_and_raised(mail_app, caplog):
    # A reminder setting broken by a hand edit in the database.
    db.session.add(Setting(key="reminders", value={"escalation_days": "a fortnight"}))
    db.session.commit()
    # The migrations' logging.config.fileConfig (run when the test database was built) disables the
    # loggers that existed then; the scheduler process never runs it.
    logging.getLogger(runs.__name__).disabled = False
    with caplog.at_level(logging.ERROR), pytest.raises(ValueError):
        scheduler.daily_reminders(mail_app, date(2027, 3, 1))
    [run] = _runs("daily_reminders")
    assert run.outcome == "failed" and run.finished_at is not None
    assert run.error == "ValueError: invalid literal for int() with base 10: 'a fortnight'"
    assert "job daily_reminders failed" in caplog.text and "a fortnight" in caplog.text

    db.session.get(Setting, "reminders").value = {"escalation_days": 14}
    db.session.commit()
    scheduler.daily_reminders(mail_app, date(2027, 3, 1))
    assert [r.outcome for r in _runs("daily_reminders")] == ["failed", "ok"]


def test_a_command_run_for_today_is_recorded_and_one_for_another_day_is_not(app):
    from tests.test_cli import invoke

    result = invoke(app, ["reminders", "run", "--today", "2027-03-06"])
    assert result.exit_code == 0, result.output
    assert _runs("daily_reminders") == []  # a rehearsal must not make a missed 07:00 run look done
    result = invoke(app, ["reminders", "run"])
    assert result.exit_code == 0, result.output
    [run] = _runs("daily_reminders")
    assert (run.outcome, run.trigger, run.counts["emails_queued"]) == ("ok", "command", 0)


def test_housekeeping_forgets_old_runs_but_keeps_the_newest_of_each_job(app):
    now = utcnow()
    transaction = jobs.transactions(db.session)
    with transaction() as session:
        for job, days_ago in (("daily_snapshot", 200), ("daily_snapshot", 120), ("daily_snapshot", 1),
                              ("dashboard_cache", 100), ("scheduler", 95)):
            runs.finish(session, runs.start(session, job, now=now - timedelta(days=days_ago)),
                        counts={}, now=now - timedelta(days=days_ago))
    scheduler.housekeeping(app)
    left = sorted((r.job, max(0, (now - r.started_at).days)) for r in db.session.scalars(select(JobRun)))
    assert left == [("daily_snapshot", 1), ("dashboard_cache", 100), ("housekeeping", 0), ("scheduler", 95)]
    [run] = _runs("housekeeping")
    assert run.counts == {"sign_in_attempts_removed": 0, "job_runs_removed": 2, "form_tokens_removed": 0}


def test_the_scheduler_is_built_from_the_timetable(app):
    built = {job.id: job for job in scheduler.build(app).get_jobs()}
    assert set(built) == {job.name for job in timetable.TIMETABLE}
    reminders = {f.name: str(f) for f in built["daily_reminders"].trigger.fields}
    assert (reminders["hour"], reminders["minute"], str(built["daily_reminders"].trigger.timezone)) == (
        "7", "0", "Europe/London")
    assert built["outbox"].trigger.interval == timedelta(minutes=2)


def _ran(job: str, at: datetime) -> None:
    with jobs.transactions(db.session)() as session:
        runs.finish(session, runs.start(session, job, now=at), counts={}, now=at)


def test_a_restarted_scheduler_catches_up_the_daily_jobs_it_missed(app):
    # Wednesday 3 March 2027, 07:05 in London (GMT): the scheduler was down at 07:00.
    now = datetime(2027, 3, 3, 7, 5)
    for job in ("housekeeping", "daily_snapshot", "dashboard_cache"):
        _ran(job, datetime(2027, 3, 3, 6, 20))
    _ran("daily_reminders", datetime(2027, 3, 2, 7, 0))
    assert scheduler.missed(db.session, now) == ["daily_reminders"]
    assert scheduler.missed(db.session, datetime(2027, 3, 3, 6, 59)) == []
    # After midnight, yesterday's missed times wait for today's.
    assert scheduler.missed(db.session, datetime(2027, 3, 4, 2, 0)) == []

    pending = {job.id: getattr(job, "next_run_time", None)
               for job in scheduler.build(app, ["daily_reminders"]).get_jobs()}
    assert abs(pending["daily_reminders"] - datetime.now(LONDON)) < timedelta(minutes=1)
    assert pending["daily_snapshot"] is None  # when its trigger says, once the scheduler starts
