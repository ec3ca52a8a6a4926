"""The 06:00 job makes the reporting periods ahead of time (docs/reminders.md#the-scheduler), so a
quarter's return pages and its reminders find its period long before its drafts open."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from improvement_tracker import scheduler
from improvement_tracker.extensions import db
from improvement_tracker.jobs import timetable
from improvement_tracker.models import JobRun, ReportingPeriod
from improvement_tracker.services import clock, reporting_periods


def _labels() -> list[str]:
    db.session.expire_all()
    return [reporting_periods.label(p) for p in db.session.scalars(
        select(ReportingPeriod).order_by(ReportingPeriod.financial_year, ReportingPeriod.quarter))]


def test_the_morning_job_creates_the_coming_periods_once_and_records_its_run(app):
    assert _labels() == []
    scheduler.daily_snapshot(app)
    scheduler.daily_snapshot(app)

    current = reporting_periods.quarter_of(clock.today())
    following = current.following
    labels = _labels()
    assert labels[-2:] == [reporting_periods.label(current), reporting_periods.label(following)]
    assert len(labels) == len(set(labels)) == 6  # a year back, this quarter and the next; made once
    made = db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.financial_year == following.financial_year,
                                                           ReportingPeriod.quarter == following.quarter))
    assert made.returns_due_on == reporting_periods.default_due_date(following.ends_on)

    runs = db.session.scalars(select(JobRun).where(JobRun.job == "daily_snapshot")).all()
    assert [(r.outcome, r.error) for r in runs] == [("ok", None), ("ok", None)]
    assert "reporting periods" in timetable.JOBS["daily_snapshot"].title


def test_a_failure_to_make_the_periods_is_recorded_as_the_runs_failure(app, monkeypatch):
    def broken(session, today):
        raise RuntimeError("no periods today")

    monkeypatch.setattr(reporting_periods, "ensure", broken)
    with pytest.raises(RuntimeError):
        scheduler.daily_snapshot(app)
    db.session.expire_all()
    [run] = db.session.scalars(select(JobRun).where(JobRun.job == "daily_snapshot")).all()
    assert (run.outcome, run.error) == ("failed", "RuntimeError: no periods today")
