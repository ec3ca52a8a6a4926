"""Quarterly returns in the demo data: the pathfinders' last four quarters through the services
(seed-demo), and every generated force's in bulk (demo generate), each version intact."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from improvement_tracker.demo import national
from improvement_tracker.demo.accounts import OVERSIGHT, PATHFINDERS
from improvement_tracker.demo.pathfinders import seed
from improvement_tracker.extensions import db
from improvement_tracker.models import (
    AuditEvent,
    Force,
    QuarterlyReturn,
    ReportingPeriod,
    ReturnAssessment,
    ReturnQuestion,
    ReturnSection,
    User,
)
from improvement_tracker.models.returns import ReturnVersion
from improvement_tracker.services import clock, reporting_periods, return_reviews, return_status, returns
from improvement_tracker.services.dashboards.common import Filters
from improvement_tracker.services.storage import LocalStorage
from tests.conftest import _empty_tables


def ended_quarters(today) -> list[ReportingPeriod]:
    periods = [p for p in reporting_periods.every(db.session) if p.ends_on < today]
    return sorted(periods, key=lambda p: p.ends_on)[-4:]


def statuses(force_ids: list[int], periods: list[ReportingPeriod], today=None) -> dict[tuple[int, int], str]:
    grid = return_status.national_grid(db.session, today or clock.today(), Filters(), periods)
    return {key: found for key, found in grid.cells.items() if key[0] in force_ids}


def latest_versions() -> list[tuple[QuarterlyReturn, ReturnVersion]]:
    return list(db.session.execute(select(QuarterlyReturn, ReturnVersion).join(
        ReturnVersion, (ReturnVersion.return_id == QuarterlyReturn.id)
        & (ReturnVersion.number == QuarterlyReturn.latest_version))).all())


def test_each_pathfinder_has_returns_for_the_last_four_quarters_in_every_state(seeded):
    today = clock.today()
    periods = ended_quarters(today)
    assert len(periods) == 4 and all(reporting_periods.submittable(p, today) for p in periods)
    forces = {f.id: f for f in db.session.scalars(select(Force).where(Force.code.in_(PATHFINDERS)))}
    made = Counter(db.session.scalars(select(QuarterlyReturn.force_id).where(
        QuarterlyReturn.period_id.in_([p.id for p in periods]))))
    assert made == dict.fromkeys(forces, 4)
    found = statuses(list(forces), periods)
    assert len(found) == 20
    counted = Counter(found.values())
    assert counted["reviewed"] >= 12
    assert counted["resubmitted"] >= 1 and counted["overdue"] == 1 and counted["submitted"] >= 1
    overdue = next(key for key, status in found.items() if status == "overdue")
    draft = db.session.scalar(select(QuarterlyReturn).where(QuarterlyReturn.force_id == overdue[0],
                                                            QuarterlyReturn.period_id == overdue[1]))
    assert draft is not None and draft.latest_version == 0, "the overdue return has a draft, not submitted"
    assert returns.submit_problems(db.session, draft), "and the draft is not finished"
    assert seeded.counts["returns"] == 20 and seeded.counts["return_versions"] >= 18


def test_before_the_newest_quarter_is_due_its_late_return_is_a_draft_and_the_one_before_is_overdue(app):
    newest = reporting_periods.quarter_of(clock.today()).preceding
    today = min(newest.ends_on + timedelta(days=5), clock.today())
    seed(db.session, today=today)
    db.session.commit()
    periods = ended_quarters(today)
    assert periods[-1].ends_on == newest.ends_on and not reporting_periods.is_overdue(periods[-1], today)
    west_midlands = db.session.scalar(select(Force.id).where(Force.code == "west-midlands"))
    found = statuses([west_midlands], periods, today)
    assert [found[(west_midlands, p.id)] for p in periods][-2:] == ["overdue", "draft"]
    pathfinders = list(db.session.scalars(select(Force.id).where(Force.code.in_(PATHFINDERS))))
    assert Counter(statuses(pathfinders, periods, today).values())["overdue"] == 1
    assert all(returns.intact(v) for v in db.session.scalars(select(ReturnVersion)))


def test_reviewed_returns_are_fully_assessed_with_a_disagreement_and_answered_questions(seeded):
    oversight = db.session.scalar(select(User).where(User.email == OVERSIGHT.email))
    reviewed = [(r, v) for r, v in latest_versions() if v.reviewed_at is not None]
    assert len(reviewed) >= 12
    for quarterly_return, version in reviewed:
        assert version.reviewed_by_id == oversight.id
        content = returns.content(version)
        views = return_reviews.pillar_views(content, return_reviews.assessments(db.session, version))
        assert all(view.assessment is not None for view in views) and len(views) == 6
        assert any(view.disagrees for view in views), "the national team disagrees somewhere"
        assert all(q.answer for q in return_reviews.questions(db.session, version))
        assert return_reviews.review_refusal(db.session, quarterly_return, version) is not None
        assert version.submitted_at < version.reviewed_at
        manager = db.session.scalar(select(User).where(User.force_id == quarterly_return.force_id,
                                                       User.role == "programme_manager"))
        assert version.submitted_by_id == manager.id
    assert db.session.scalar(select(func.count()).select_from(ReturnQuestion).where(
        ReturnQuestion.answer.is_not(None))) >= 10


def test_one_question_waits_for_an_answer_and_one_return_was_resubmitted_with_a_reason(seeded):
    unanswered = list(db.session.scalars(select(ReturnQuestion).where(ReturnQuestion.answer.is_(None))))
    assert len(unanswered) == 1
    resubmitted = [(r, v) for r, v in latest_versions() if v.number > 1 and v.reviewed_at is None]
    assert len(resubmitted) == 1
    quarterly_return, version = resubmitted[0]
    assert version.reason and returns.content(version)["reason"] == version.reason
    first = returns.version(db.session, quarterly_return, 1)
    changes = returns.changes_between(returns.content(first), returns.content(version))
    assert changes and all(change.where != "Plan figures" for change in changes)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "return.resubmitted", AuditEvent.object_id == version.id)) == 1


def test_every_version_is_intact_and_happened_in_the_past_in_order(seeded):
    now = datetime.now(UTC).replace(tzinfo=None)
    versions = list(db.session.scalars(select(ReturnVersion)))
    assert versions
    for version in versions:
        assert returns.intact(version)
        content = json.loads(version.content)
        period = version.quarterly_return.period
        assert content["version"] == version.number and content["as_at"] == period.ends_on.isoformat()
        assert period.ends_on < clock.london_date(version.submitted_at) and version.submitted_at <= now
    for question in db.session.scalars(select(ReturnQuestion)):
        assert question.asked_at <= now and (question.answered_at is None or question.asked_at < question.answered_at)
    events = Counter(db.session.scalars(select(AuditEvent.event).where(AuditEvent.event.like("return.%"))))
    for kind in ("return.started", "return.section_saved", "return.submitted", "return.resubmitted",
                 "return.correction_started", "return.assessed", "return.question_asked",
                 "return.question_answered", "return.reviewed"):
        assert events[kind], kind
    assert max(db.session.scalars(select(AuditEvent.at).where(AuditEvent.event.like("return.%")))) <= now


def test_the_narratives_differ_between_forces_and_pillars(seeded):
    sections = list(db.session.scalars(select(ReturnSection)))
    progress = [s.progress for s in sections if s.progress]
    assert len(set(progress)) >= 0.8 * len(progress)
    assert all(len(s.progress) <= returns.TEXT_LIMITS["progress"] for s in sections)


def test_the_returns_are_the_same_every_time(app):
    def fingerprint() -> list:
        return list(db.session.execute(select(Force.code, QuarterlyReturn.latest_version, ReturnSection.progress)
                                       .join(QuarterlyReturn, QuarterlyReturn.force_id == Force.id)
                                       .join(ReturnSection, ReturnSection.return_id == QuarterlyReturn.id)
                                       .order_by(Force.code, QuarterlyReturn.period_id, ReturnSection.pillar_id)))

    today = clock.today()
    seed(db.session, today=today)
    db.session.commit()
    first = fingerprint()
    db.session.remove()
    _empty_tables()
    seed(db.session, today=today)
    db.session.commit()
    assert fingerprint() == first


def generate(tmp_path, seed: int = 3, forces: int = 3, actions: int = 15) -> national.GenerateResult:
    return national.generate(db.session, forces=forces, actions_per_force=actions, seed=seed,
                             today=clock.today(), storage=LocalStorage(tmp_path / "uploads"),
                             max_upload=1024 * 1024, commit=db.session.commit, snapshot_days=5, reminder_days=0)


def test_every_generated_force_has_four_quarters_of_intact_returns(app, tmp_path):
    result = generate(tmp_path)
    assert result.counts["quarterly returns"] == 12 and "quarterly returns" in result.seconds
    today = clock.today()
    periods = ended_quarters(today)
    forces = list(db.session.scalars(select(Force.id).join(User, User.force_id == Force.id).where(
        User.role == "programme_manager")))
    assert len(forces) == 3
    found = statuses(forces, periods)
    assert len(found) == 12 and set(found.values()) <= {"reviewed", "submitted", "resubmitted", "overdue", "draft"}
    for version in db.session.scalars(select(ReturnVersion)):
        assert returns.intact(version)
        content = returns.content(version)
        assert content["submitted_at"] == version.submitted_at.replace(microsecond=0).isoformat()
        assert [p["code"] for p in content["pillars"]] == ["P1", "P2", "P3", "P4", "P5", "P6"]
    for quarterly_return, version in latest_versions():
        if version.reviewed_at is not None:
            assessed = return_reviews.assessments(db.session, version)
            assert len(assessed) == 6
            assert any(a.rating != p["assessment"] for p in returns.content(version)["pillars"]
                       if (a := assessed[p["code"]]))
            assert return_reviews.review_refusal(db.session, quarterly_return, version) is not None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "return.submitted")) == db.session.scalar(
        select(func.count()).select_from(ReturnVersion).where(ReturnVersion.number == 1))
    assert db.session.scalar(select(func.count()).select_from(ReturnAssessment)) > 0


def test_generating_again_adds_no_returns_and_an_older_dataset_gets_them(app, tmp_path):
    generate(tmp_path, forces=1)
    before = national.counts(db.session)
    assert not generate(tmp_path, forces=1).created and national.counts(db.session) == before
    # A dataset generated before returns existed: the next run adds them, once.
    for model in (ReturnQuestion, ReturnAssessment, ReturnVersion, ReturnSection, QuarterlyReturn):
        db.session.execute(model.__table__.delete())
    db.session.commit()
    again = generate(tmp_path, forces=1)
    assert not again.created and again.counts["quarterly returns"] == 4
    assert all(returns.intact(v) for v in db.session.scalars(select(ReturnVersion)))


def test_the_demo_returns_open_on_their_pages(seeded, client_request):
    from improvement_tracker.demo.accounts import DEMO_PASSWORD

    oversight = db.session.scalar(select(User).where(User.email == OVERSIGHT.email))
    client_request.login(oversight, password=DEMO_PASSWORD)
    grid = client_request.get("/returns").get_text(" ", strip=True)
    for label in ("Reviewed", "Resubmitted", "Overdue", "Submitted"):
        assert label in grid, label
    for version in db.session.scalars(select(ReturnVersion)):
        quarterly_return = version.quarterly_return
        slug = reporting_periods.slug(quarterly_return.period)
        client_request.get(f"/forces/{quarterly_return.force.code}/returns/{slug}/versions/{version.number}")
        client_request.get(f"/forces/{quarterly_return.force.code}/returns/{slug}")
    # The managers see their draft (the overdue one) and the question waiting for their answer.
    question = db.session.scalar(select(ReturnQuestion).where(ReturnQuestion.answer.is_(None)))
    waiting = db.session.get(ReturnVersion, question.version_id)
    draft = db.session.scalar(select(QuarterlyReturn).where(QuarterlyReturn.latest_version == 0))
    for quarterly_return, path in ((waiting.quarterly_return, f"/versions/{waiting.number}"), (draft, "")):
        manager = db.session.scalar(select(User).where(User.force_id == quarterly_return.force_id,
                                                       User.role == "programme_manager"))
        client_request.login(manager, password=DEMO_PASSWORD)
        client_request.get(f"/forces/{quarterly_return.force.code}/returns/"
                           f"{reporting_periods.slug(quarterly_return.period)}{path}")



def test_a_seeded_version_says_when_it_was_submitted_as_its_page_does(seeded):
    """The board paper and the download read the frozen content; the page reads the column: the same."""
    versions = db.session.scalars(select(ReturnVersion)).all()
    assert versions
    for version in versions:
        assert returns.content(version)["submitted_at"] == version.submitted_at.isoformat()
