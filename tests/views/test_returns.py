"""Quarterly returns in the browser's terms: a programme manager drafts and submits, oversight
assesses, asks and reviews, the force answers; what each role may not do; bad input."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, QuarterlyReturn, ReturnSection
from improvement_tracker.models.returns import ReturnVersion
from improvement_tracker.services import clock, reporting_periods, return_reviews, returns
from tests import factories
from tests.conftest import ClientRequest, error_messages, summary_errors

SECTION = {"assessment": "on_track", **factories.SECTION_WORDS}


def ended_period():
    """The most recent quarter that has ended (whatever day the tests run)."""
    last = reporting_periods.quarter_of(clock.today()).preceding
    return factories.create_period(last.financial_year, last.quarter)


def _url(period, code="avon-and-somerset"):
    return f"/forces/{code}/returns/{reporting_periods.slug(period)}"


def _text(page) -> str:
    return page.get_text(" ", strip=True)


def _versions(quarterly_return_id) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(ReturnVersion).where(
        ReturnVersion.return_id == quarterly_return_id))


@pytest.fixture
def manager(app):
    return factories.create_user("programme_manager", name="Priya Manager")


@pytest.fixture
def oversight(app):
    return factories.create_user("oversight", name="Olu National")


def test_a_programme_manager_drafts_and_submits_a_return(client_request, manager):
    period = ended_period()
    url = _url(period)
    client_request.login(manager)
    page = client_request.get(url)
    assert "Start this return" in _text(page)
    client_request.post(url + "/start", {})

    # A pillar needs its self-assessment to be saved; what was typed stays.
    page = client_request.post_page(url + "/pillars/P1", {"progress": "Two teams trained"})
    assert "Select on track, at risk or off track" in error_messages(page)
    assert page.select_one("textarea[name=progress]").text.strip() == "Two teams trained"
    client_request.post(url + "/pillars/P1", SECTION)

    # Submitting with pillars unfinished names each of them, and saves nothing.
    page = client_request.post_page(url + "/submit", {})
    errors = summary_errors(page)
    assert "P2 " in " ".join(errors) and len([e for e in errors if e.startswith("P")]) == 5
    assert not any(e.startswith("P1 ") for e in errors)
    quarterly_return = db.session.scalar(sa.select(QuarterlyReturn))
    assert _versions(quarterly_return.id) == 0

    for code in ("P2", "P3", "P4", "P5", "P6"):
        client_request.post(url + f"/pillars/{code}", SECTION)
    response = client_request.post(url + "/submit", {})
    assert response.headers["Location"].endswith(url + "/versions/1")
    page = client_request.get(url + "/versions/1", follow_redirects=False)
    text = _text(page)
    assert "return submitted: version 1" in text
    version = db.session.scalar(sa.select(ReturnVersion))
    assert version.sha256 in text and returns.intact(version)

    # A submitted version cannot be edited: only corrected, with a reason.
    response = client_request.post(url + "/pillars/P1", {**SECTION, "assessment": "off_track"})
    assert "has been submitted, so it cannot be changed" in _text(client_request.get(url))
    assert db.session.scalar(sa.select(ReturnSection.assessment).where(
        ReturnSection.pillar_id == factories.pillar("P1").id)) == "on_track"


def test_a_correction_is_a_new_version_with_a_reason_and_shows_what_changed(client_request, manager):
    period = ended_period()
    url = _url(period)
    quarterly_return = factories.create_return(manager, period)
    factories.submit_return(manager, quarterly_return, today=clock.today())
    client_request.login(manager)
    client_request.post(url + "/correct", {})
    client_request.post(url + "/pillars/P3", {**SECTION, "assessment": "off_track",
                                               "risks": "Two investigators left"})
    page = client_request.post_page(url + "/submit", {"reason": ""})
    assert "Enter why you are correcting this return" in error_messages(page)
    assert _versions(quarterly_return.id) == 1
    client_request.post(url + "/submit", {"reason": "P3 was reported wrongly"})
    assert _versions(quarterly_return.id) == 2

    page = client_request.get(url + "/versions/2")
    changes = _text(page.select_one("#version-changes"))
    assert "Self-assessment On track Off track" in changes and "Two investigators left" in changes
    assert "P3 was reported wrongly" in _text(page)
    first = _text(client_request.get(url + "/versions/1"))
    assert "This is an earlier version" in first


def test_oversight_assesses_disagrees_asks_and_marks_the_return_reviewed(app, client_request, manager, oversight):
    period = ended_period()
    url = _url(period)
    factories.submit_return(manager, factories.create_return(manager, period), today=clock.today())
    client_request.login(oversight)

    grid = client_request.get("/returns")
    assert "Submitted" in _text(grid.select_one("#force-avon-and-somerset"))

    for code in ("P1", "P2", "P3", "P4", "P5", "P6"):
        rating = "at_risk" if code == "P2" else "on_track"
        client_request.post(url + f"/versions/1/pillars/{code}/assess", {"rating": rating, "comment": "Agreed"})
    page = client_request.get(url + "/versions/1")
    assert "differs from the force's self-assessment on 1 pillar" in _text(page)
    assert "The national team assesses this pillar as at risk; the force said on track" in \
        _text(page.select_one("#pillar-P2"))

    client_request.post(url + "/versions/1/questions/new", {"pillar": "P2", "question": "Why is P2 on track?"})
    page = client_request.get(url + "/versions/1")
    assert "Wait for the force to answer every question" in _text(page.select_one("#review"))
    client_request.post(url + "/versions/1/review", {})
    assert db.session.scalar(sa.select(ReturnVersion.reviewed_at)) is None

    force_side = ClientRequest(app.test_client()).login(manager)
    question_id = db.session.scalar(sa.text("SELECT id FROM return_questions"))
    page = force_side.post_page(url + f"/versions/1/questions/{question_id}/answer", {"answer": " "})
    assert "Enter your answer" in error_messages(page)
    force_side.post(url + f"/versions/1/questions/{question_id}/answer", {"answer": "The new team starts soon"})

    client_request.post(url + "/versions/1/review", {})
    page = client_request.get(url + "/versions/1")
    assert "marked reviewed" in _text(page)
    # Markup is markup, not text shown to the reader.
    assert "<" not in _text(page.select_one("main"))
    assert "At risk by Olu National" in _text(page.select_one("#pillar-P2"))
    # The force's words keep their line breaks, and nothing else (no indentation shown as text).
    progress = page.select_one("#pillar-P2").find("dt", string=lambda s: s and "Progress this quarter" in s)
    assert progress.find_next_sibling("dd").select_one("p.app-pre-wrap").text == factories.SECTION_WORDS["progress"]
    assert "Answered by Priya Manager on" in _text(page.select_one(".app-question"))
    assert "Reviewed" in _text(client_request.get("/returns").select_one("#force-avon-and-somerset"))
    events = set(db.session.scalars(sa.select(AuditEvent.event).where(AuditEvent.event.like("return.%"))))
    assert {"return.assessed", "return.question_asked", "return.question_answered", "return.reviewed"} <= events


def test_who_may_do_what(app, client_request, manager, oversight):
    period = ended_period()
    url = _url(period)
    version_url = url + "/versions/1"
    factories.submit_return(manager, factories.create_return(manager, period), today=clock.today())
    owner = factories.create_user("action_owner")
    other_manager = factories.create_user("programme_manager", "bedfordshire")

    client_request.login(owner)
    for path in (url, version_url, "/forces/avon-and-somerset/returns", version_url + "/board-paper"):
        client_request.get(path, expected_status=403)  # their force's: for its programme managers
    client_request.get("/returns", expected_status=404)

    client_request.login(other_manager)
    client_request.get(version_url, expected_status=404)
    client_request.post(url + "/correct", {}, expected_status=404)
    client_request.get("/returns", expected_status=404)

    client_request.login(oversight)
    client_request.post(url + "/correct", {}, expected_status=403)
    client_request.get(url + "/pillars/P1", expected_status=403)
    client_request.post(_url(period, "bedfordshire") + "/start", {}, expected_status=403)

    client_request.login(manager)
    client_request.post(version_url + "/pillars/P1/assess", {"rating": "on_track", "comment": "x"},
                        expected_status=403)
    client_request.post(version_url + "/questions/new", {"question": "x"}, expected_status=403)
    client_request.post(version_url + "/review", {}, expected_status=403)
    client_request.get("/returns/periods", expected_status=404)


def test_oversight_cannot_read_a_draft(client_request, manager, oversight):
    period = ended_period()
    factories.create_return(manager, period, progress="Secret words of the draft")
    client_request.login(oversight)
    text = _text(client_request.get(_url(period)))
    assert "You can read the return once it is submitted" in text
    assert "Secret words" not in text


def test_the_board_paper_and_download_show_the_frozen_record(client_request, manager):
    period = ended_period()
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner, reference="AS-1", title="Rape investigation team set up",
                                     due=period.ends_on + timedelta(days=60))
    action.created_at = clock.start_of_london_day(period.starts_on)
    factories.changed(action)
    db.session.commit()
    factories.submit_return(manager, factories.create_return(manager, period), today=clock.today())
    client_request.login(manager)
    paper_url = _url(period) + "/versions/1/board-paper"
    before = client_request.get(paper_url).select_one("[data-board-paper]")

    action.title, action.status, action.completed_date = "Renamed", "complete", clock.today()
    factories.create_action(owner, reference="AS-2", title="Another")
    factories.changed(action)
    db.session.commit()
    after = client_request.get(paper_url).select_one("[data-board-paper]")
    assert str(before) == str(after)
    assert "Actions by pillar" in _text(after)

    response = client_request.client.get(_url(period) + "/versions/1/return.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["About", "Pillars", "Completed", "Re-planned", "Newly overdue"]
    pillars = list(workbook["Pillars"].iter_rows(values_only=True))
    assert pillars[1][0] == "P1" and pillars[1][2] == "On track"
    assert pillars[-1][0] == "All" and pillars[-1][7] == 1  # one action, as at the quarter's end


def test_submitting_before_the_quarter_ends_is_refused_with_the_reason(client_request, manager):
    current = reporting_periods.quarter_of(clock.today())
    period = factories.create_period(current.financial_year, current.quarter)
    # A draft opened in the quarter's last month (arranged directly: today may be earlier in the quarter).
    quarterly_return = factories.create_return(manager, period, today=period.ends_on)
    client_request.login(manager)
    page = client_request.get(_url(period))
    assert f"until {reporting_periods.label(period)} has ended" in _text(page)
    client_request.post(_url(period) + "/submit", {})
    assert _versions(quarterly_return.id) == 0


def test_an_administrator_moves_a_due_date_with_errors_next_to_the_field(client_request):
    period = ended_period()
    admin = factories.create_user("admin")
    client_request.login(admin)
    url = f"/returns/periods/{reporting_periods.slug(period)}/due-date"
    page = client_request.post_page(url, {"returns_due_on": ["31", "2", "2027"]})
    assert "must be a real date" in " ".join(error_messages(page))
    before = period.ends_on
    page = client_request.post_page(url, {"returns_due_on": [str(before.day), str(before.month), str(before.year)]})
    assert "The due date must be after the quarter ends" in " ".join(error_messages(page))
    later = period.returns_due_on + timedelta(days=7)
    client_request.post(url, {"returns_due_on": [str(later.day), str(later.month), str(later.year)]})
    db.session.expire_all()
    assert db.session.get(type(period), period.id).returns_due_on == later
    assert reporting_periods.label(period) in _text(client_request.get("/returns/periods"))


def test_a_return_not_submitted_by_its_due_date_is_overdue_on_the_national_page(client_request, manager, oversight):
    period = ended_period()
    period.returns_due_on = clock.today() - timedelta(days=1)
    db.session.commit()
    client_request.login(oversight)
    row = _text(client_request.get("/returns").select_one("#force-avon-and-somerset"))
    assert "Overdue" in row
    csv = client_request.client.get("/returns.csv").data.decode("utf-8-sig")
    assert "Avon and Somerset,Overdue" in csv.replace('"', "")
    assert return_reviews  # the review service is what the pages call
