"""Quarterly returns in the service layer: drafting, the frozen version, corrections."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from improvement_tracker.extensions import db
from improvement_tracker.services import reporting_periods, return_status, returns
from improvement_tracker.services.audit import ServiceError
from tests import factories


@pytest.fixture
def manager(app):
    return factories.create_user("programme_manager")


def test_quarters_follow_the_financial_year():
    q4 = reporting_periods.Quarter(2026, 4)
    assert (q4.starts_on, q4.ends_on) == (date(2027, 1, 1), date(2027, 3, 31))
    assert reporting_periods.quarter_of(date(2026, 4, 1)) == reporting_periods.Quarter(2026, 1)
    assert reporting_periods.quarter_of(date(2027, 3, 31)) == q4
    assert reporting_periods.label(q4) == "Q4 2026-27"
    # 15 working days after 30 September 2026 (no bank holidays in October 2026).
    assert reporting_periods.default_due_date(date(2026, 9, 30)) == date(2026, 10, 21)
    # Christmas, Boxing Day (moved to Monday 28th) and New Year's Day are not working days.
    assert reporting_periods.default_due_date(date(2026, 12, 31)) == date(2027, 1, 22)


def test_the_scheduler_makes_the_periods_ahead_of_time_once(app):
    made = reporting_periods.ensure(db.session, date(2026, 11, 29))
    db.session.commit()
    assert [reporting_periods.label(p) for p in made] == [
        "Q3 2025-26", "Q4 2025-26", "Q1 2026-27", "Q2 2026-27", "Q3 2026-27", "Q4 2026-27"]
    assert reporting_periods.ensure(db.session, date(2026, 11, 30)) == []


def test_submitting_freezes_the_return_and_later_changes_to_the_plan_do_not_change_it(app, manager):
    owner = factories.create_user("action_owner")
    period = factories.create_period(2026, 2)
    action = factories.create_action(owner, due=date(2026, 9, 1), title="Set up a rape investigation team")
    quarterly_return = factories.create_return(manager, period)
    version = factories.submit_return(manager, quarterly_return)

    content = returns.content(version)
    assert version.sha256 == returns.digest(version.content) and returns.intact(version)
    assert content["submitted_by"]["name"] == manager.name
    assert content["pillars"][0]["progress"] == factories.SECTION_WORDS["progress"]
    stored = version.content

    action.title = "Something else"
    action.current_due_date = date(2027, 1, 1)
    factories.changed(action)
    db.session.commit()
    db.session.expire_all()
    assert returns.version(db.session, quarterly_return, 1).content == stored
    assert quarterly_return.state == "submitted"
    with pytest.raises(ServiceError, match="has been submitted"):
        returns.save_section(db.session, quarterly_return, factories.pillar("P1"), returns.SectionFields(
            "at_risk", "r", "p", "k", "h"), manager)


def test_figures_are_as_at_the_quarter_end(app, manager):
    owner = factories.create_user("action_owner")
    period = factories.create_period(2026, 2)
    late = factories.create_action(owner, due=date(2026, 9, 10), reference="LATE-1", title="Late one")
    later = factories.create_action(owner, due=date(2026, 12, 1), reference="LATER-1", title="Due later")
    factories.create_action(owner, due=date(2026, 9, 1), reference="NEW-1", title="Made after the quarter")
    for action in (late, later):  # made before the quarter; NEW-1 was made today, after it
        action.created_at = datetime(2026, 6, 1, 9, 0)
        factories.changed(action)
    db.session.commit()
    quarterly_return = factories.create_return(manager, period)
    version = factories.submit_return(manager, quarterly_return, today=date(2026, 11, 29))
    content = returns.content(version)
    assert content["as_at"] == "2026-09-30"
    p1 = content["pillars"][0]["figures"]
    assert (p1["actions"], p1["overdue"], p1["red"]) == (2, 1, 1)
    assert [a["reference"] for a in content["newly_overdue"]] == ["LATE-1"]


def test_a_pillar_left_unfinished_stops_the_submission(app, manager):
    period = factories.create_period(2026, 2)
    quarterly_return = factories.create_return(manager, period, filled=False)
    returns.save_section(db.session, quarterly_return, factories.pillar("P2"),
                         returns.SectionFields("on_track", "fine", "", "", ""), manager)
    db.session.commit()
    problems = returns.submit_problems(db.session, quarterly_return)
    assert [p.code for p, _ in problems] == ["P1", "P2", "P3", "P4", "P5", "P6"]
    with pytest.raises(ServiceError, match="Finish every pillar"):
        returns.submit(db.session, quarterly_return, manager, date(2026, 10, 1))
    db.session.rollback()
    assert returns.version(db.session, quarterly_return, 1) is None


def test_a_return_cannot_be_submitted_before_its_quarter_ends(app, manager):
    period = factories.create_period(2026, 3)
    quarterly_return = factories.create_return(manager, period, today=date(2026, 12, 1))
    with pytest.raises(ServiceError, match="until Q3 2026-27 has ended"):
        returns.submit(db.session, quarterly_return, manager, date(2026, 12, 31))
    with pytest.raises(ServiceError, match="from 1 December 2026"):
        returns.start(db.session, factories.force("bedfordshire"), period, manager, date(2026, 11, 30))


def test_a_correction_needs_a_reason_and_keeps_the_earlier_version(app, manager):
    period = factories.create_period(2026, 2)
    quarterly_return = factories.create_return(manager, period)
    first = factories.submit_return(manager, quarterly_return)
    returns.start_correction(db.session, quarterly_return, manager)
    returns.save_section(db.session, quarterly_return, factories.pillar("P3"), returns.SectionFields(
        "off_track", "Lost two investigators", "None", "Vacancies", "Funding"), manager)
    with pytest.raises(ServiceError, match="Enter why"):
        returns.submit(db.session, quarterly_return, manager, date(2026, 10, 2))
    second = factories.submit_return(manager, quarterly_return, reason="P3 was misreported")
    assert (first.number, second.number) == (1, 2)
    changes = returns.changes_between(returns.content(first), returns.content(second))
    assert ("Self-assessment", "On track", "Off track") in [(c.what, c.before, c.after) for c in changes]
    assert all(c.where.startswith("P3") for c in changes)
    assert json.loads(first.content)["pillars"][2]["assessment"] == "on_track"
    status = return_status.force_quarters(db.session, factories.force(), date(2026, 10, 2))
    assert [q.status for q in status if q.period.id == period.id] == ["resubmitted"]


def test_the_figures_come_from_the_quarter_end_snapshot_when_it_was_recorded(app, manager):
    from improvement_tracker.models import ProgressSnapshot
    from improvement_tracker.services import snapshots

    owner = factories.create_user("action_owner")
    period = factories.create_period(2026, 2)
    action = factories.create_action(owner, due=date(2026, 12, 1))
    action.created_at = datetime(2026, 6, 1, 9, 0)
    factories.changed(action)
    snapshots.build_live(db.session, period.ends_on)
    row = db.session.query(ProgressSnapshot).filter_by(day=period.ends_on, pillar_id=factories.pillar("P1").id,
                                                        force_id=factories.force().id).one()
    row.actions, row.not_started, row.green = 7, 7, 7  # what the day recorded, whatever the history says
    db.session.commit()
    version = factories.submit_return(manager, factories.create_return(manager, period), today=date(2026, 11, 29))
    content = returns.content(version)
    assert content["figures_from"] == "snapshot"
    assert (content["pillars"][0]["figures"]["actions"], content["pillars"][0]["figures"]["green"]) == (7, 7)


def test_a_save_that_raced_a_submission_of_the_draft_is_refused_by_the_database(app, manager):
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    from improvement_tracker.models import QuarterlyReturn

    period = factories.create_period(2026, 2)
    draft = factories.create_return(manager, period)
    with Session(db.engine) as other:  # another request, which read the draft before the submission
        seen = other.get(QuarterlyReturn, draft.id)
        assert seen.state == "draft"
        factories.submit_return(manager, draft)
        with pytest.raises(StaleDataError):
            returns.save_section(other, seen, other.get(type(factories.pillar()), factories.pillar("P1").id),
                                 returns.SectionFields("off_track", "r", "p", "k", "h"), manager)
        other.rollback()
    version = returns.version(db.session, draft, 1)
    assert returns.content(version)["pillars"][0]["assessment"] == "on_track"
