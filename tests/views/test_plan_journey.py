"""The journey the foundation exists for, through the pages a person would use.

A programme manager records a deep dive and a finding, turns it into an action with an
owner and two milestones; the owner starts it, records progress, ticks off milestones and
asks for sign-off; the programme manager signs it off. Every step is in the history.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, AuditEvent, DeepDive, Finding, Milestone
from improvement_tracker.services import clock
from tests import factories
from tests.conftest import ClientRequest, error_messages


def _date(prefix: str, value: date) -> dict[str, str]:
    return {prefix: [str(value.day), str(value.month), str(value.year)]}


def test_programme_manager_and_owner_take_a_finding_to_sign_off(app, client_request):
    pm = factories.create_user("programme_manager", name="Priya Manager")
    owner = factories.create_user("action_owner", name="Owen Owner")
    client_request.login(pm)

    page = client_request.get("/forces/avon-and-somerset")
    assert page.h1.get_text(strip=True) == "Avon and Somerset"
    assert "Record a deep dive" in [a.get_text(strip=True) for a in page.select("a.govuk-button")]

    response = client_request.post("/forces/avon-and-somerset/deep-dives/new", {
        "title": "Soteria deep dive", "period": "January 2021 to August 2022",
        "lead": "Academic team", "summary": "Case files, observation and focus groups.",
    })
    deep_dive = db.session.scalar(select(DeepDive))
    assert response.headers["Location"] == f"/forces/avon-and-somerset/deep-dives/{deep_dive.id}"

    p1 = factories.pillar("P1")
    response = client_request.post(f"/forces/avon-and-somerset/deep-dives/{deep_dive.id}/findings/new", {
        "pillar_id": p1.id, "reference": "AS-P1-01", "type": "cause_of_concern",
        "title": "Investigations test the victim's credibility", "detail": "Seen in 40 case files.",
        "priority": "high",
    })
    finding = db.session.scalar(select(Finding))
    assert finding.reference == "AS-P1-01" and finding.force_id == pm.force_id

    page = client_request.get(f"/forces/avon-and-somerset/actions/new?finding={finding.id}")
    assert page.select_one("input#reference")["value"] == "AS-P1-01-A"
    owner_options = [o.get_text() for o in page.select("select#owner_id option")]
    assert any("Owen Owner" in o for o in owner_options)

    due = clock.today() + timedelta(days=90)
    response = client_request.post(f"/forces/avon-and-somerset/actions/new?finding={finding.id}", {
        "reference": "AS-P1-01-A", "title": "Train every RASSO investigator in suspect-focused work",
        "pillar_id": p1.id, "owner_id": owner.id, "priority": "high",
        "success_measure": "90% of investigators trained", **_date("due_date", due),
    })
    action = db.session.scalar(select(Action))
    assert response.headers["Location"] == f"/actions/{action.id}"
    assert (action.original_due_date, action.current_due_date, action.pillar_id) == (due, due, p1.id)

    for title, days in (("Course designed", 30), ("First cohort trained", 60)):
        client_request.post(f"/actions/{action.id}/milestones/new", {
            "title": title, **_date("due_date", clock.today() + timedelta(days=days)),
        })
    page = client_request.get(f"/actions/{action.id}")
    milestones = page.select("#milestones + .app-table-scroll table tbody tr td:first-child")
    assert [td.get_text(strip=True) for td in milestones] == [
        "Course designed", "First cohort trained"]

    # The owner's turn, in their own session.
    owner_client = ClientRequest(app.test_client()).login(owner)
    page = owner_client.get("/my-actions")
    assert "AS-P1-01-A" in page.select_one("#later").get_text()
    owner_client.post(f"/actions/{action.id}/status/start", {"note": "Booked the trainers"})
    owner_client.post(f"/actions/{action.id}/updates/new", {"text": "Course outline agreed with the college."})
    milestones = db.session.scalars(select(Milestone).order_by(Milestone.position)).all()
    for milestone in milestones:
        owner_client.post(f"/actions/{action.id}/milestones/{milestone.id}/complete")
    owner_client.post(f"/actions/{action.id}/status/request-sign-off", {"note": "All cohorts trained"})
    # The owner cannot sign off their own action.
    owner_client.get(f"/actions/{action.id}/status/sign-off", expected_status=403)

    client_request.post(f"/actions/{action.id}/status/sign-off", {
        "note": "Checked the training records", "no_evidence_reason": "Training records seen at the board"})
    db.session.expire_all()
    action = db.session.get(Action, action.id)
    assert action.status == "complete"
    assert action.completed_date == clock.today()
    assert action.signed_off_by_id == pm.id

    page = client_request.get(f"/actions/{action.id}")
    updates = page.select("#updates ~ ol li")
    assert "Checked the training records" in updates[0].get_text()
    assert "Course outline agreed" in page.get_text()

    history = client_request.get(f"/actions/{action.id}/history")
    text = history.get_text(" ", strip=True)
    for expected in ("Created action AS-P1-01-A", "Added milestone", "Start work", "Progress update",
                     "Completed milestone", "Ask for sign-off", "Sign off as complete"):
        assert expected in text, expected
    events = db.session.scalars(select(AuditEvent.event).where(AuditEvent.action_id == action.id)).all()
    assert events.count("milestone.completed") == 2


def test_force_plan_groups_by_pillar_and_finding_and_filters(client_request):
    pm = factories.create_user("programme_manager")
    owner = factories.create_user("action_owner", name="Olive Owner")
    other_owner = factories.create_user("action_owner", name="Oscar Other")
    finding = factories.create_finding(pillar_code="P1", reference="AS-P1-01")
    factories.create_action(owner, finding=finding, reference="AS-P1-01-A", title="On time",
                            due=clock.today() + timedelta(days=10))
    factories.create_action(other_owner, pillar_code="P4", reference="AS-P4-X", title="Late one",
                            due=clock.today() - timedelta(days=3), status="in_progress")
    factories.create_finding(finding.deep_dive, pillar_code="P6", reference="AS-P6-01", title="No action yet")
    client_request.login(pm)

    page = client_request.get("/forces/avon-and-somerset")
    headings = [h.get_text(strip=True) for h in page.select("h3")]
    assert headings == ["P1 Suspect-focused investigations", "P4 Officer learning, development and wellbeing"]
    assert "Findings with no actions yet" in page.get_text()
    assert "AS-P6-01" in page.get_text()

    page = client_request.get("/forces/avon-and-somerset?overdue=y")
    assert "Late one" in page.get_text() and "On time" not in page.get_text()
    page = client_request.get("/forces/avon-and-somerset?pillar=P1")
    assert "On time" in page.get_text() and "Late one" not in page.get_text()
    page = client_request.get(f"/forces/avon-and-somerset?owner={other_owner.id}")
    assert "Late one" in page.get_text() and "On time" not in page.get_text()
    page = client_request.get("/forces/avon-and-somerset?status=in_progress")
    assert "Late one" in page.get_text() and "On time" not in page.get_text()
    page = client_request.get("/forces/avon-and-somerset?status=nonsense&pillar=P9&owner=abc&page=zz")
    assert "2 actions" in page.get_text()


def test_force_plan_is_paginated(app, client_request):
    pm = factories.create_user("programme_manager")
    owner = factories.create_user("action_owner")
    for n in range(7):
        factories.create_action(owner, reference=f"AS-P2-{n:02d}", title=f"Action number {n}")
    app.config["PAGE_SIZE"] = 3
    try:
        client_request.login(pm)
        page = client_request.get("/forces/avon-and-somerset?page=3")
        assert "Action number 6" in page.get_text() and "Action number 0" not in page.get_text()
        assert page.select_one(".govuk-pagination")
        page = client_request.get("/forces/avon-and-somerset?page=99")
        assert "Action number 6" in page.get_text()
    finally:
        app.config["PAGE_SIZE"] = 50


def test_my_actions_sorts_by_urgency(client_request):
    owner = factories.create_user("action_owner")
    today = clock.today()
    factories.create_action(owner, reference="LATER", title="Later", due=today + timedelta(days=100))
    factories.create_action(owner, reference="SOON", title="Soon", due=today + timedelta(days=5))
    factories.create_action(owner, reference="LATE", title="Late", due=today - timedelta(days=1))
    factories.create_action(owner, reference="DONE", title="Done", due=today - timedelta(days=9),
                            status="complete")
    client_request.login(owner)
    page = client_request.get("/my-actions")
    assert "LATE" in page.select_one("#overdue").get_text()
    assert "SOON" in page.select_one("#due-soon").get_text()
    assert "LATER" in page.select_one("#later").get_text()
    assert "DONE" not in page.get_text()
    assert "1 more are finished" in page.get_text()


def test_owner_moves_their_action_and_block_needs_a_reason(client_request):
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner)
    client_request.login(owner)
    page = client_request.get(f"/actions/{action.id}")
    buttons = [a.get_text(strip=True) for a in page.select(".govuk-button-group a.govuk-button")]
    assert buttons == ["Start work", "Mark as blocked"]
    page = client_request.post_page(f"/actions/{action.id}/status/block", {"note": "  "})
    assert error_messages(page) == ["Enter what is blocking this action"]
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "not_started"
    client_request.post(f"/actions/{action.id}/status/block", {"note": "No trainers until April"})
    page = client_request.get(f"/actions/{action.id}")
    assert "No trainers until April" in page.select_one(".govuk-inset-text").get_text()
    # Closing is the programme manager's call, not the owner's.
    client_request.get(f"/actions/{action.id}/status/close", expected_status=403)


def test_programme_manager_who_owns_an_action_cannot_sign_it_off(client_request):
    pm = factories.create_user("programme_manager")
    action = factories.create_action(pm, status="awaiting_sign_off")
    client_request.login(pm)
    page = client_request.get(f"/actions/{action.id}")
    assert "another programme manager must sign it off" in page.get_text()
    assert "Sign off as complete" not in [a.get_text(strip=True) for a in page.select("a.govuk-button")]
    response = client_request.post(f"/actions/{action.id}/status/sign-off", {"note": "mine"})
    assert response.headers["Location"] == f"/actions/{action.id}"
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "awaiting_sign_off"


def test_programme_manager_returns_closes_and_reopens(client_request):
    pm = factories.create_user("programme_manager")
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner, status="awaiting_sign_off")
    client_request.login(pm)
    page = client_request.post_page(f"/actions/{action.id}/status/return", {"note": ""})
    assert error_messages(page) == ["Enter what still needs to be done"]
    client_request.post(f"/actions/{action.id}/status/return", {"note": "Attach the attendance list"})
    client_request.post(f"/actions/{action.id}/status/close", {"note": "Superseded by the national course"})
    db.session.expire_all()
    action = db.session.get(Action, action.id)
    assert (action.status, action.status_reason) == ("closed_not_needed", "Superseded by the national course")
    client_request.post(f"/actions/{action.id}/status/reopen", {"note": "National course cancelled"})
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "in_progress"
    # A move the action's status does not allow is refused with a message, not applied. The message is
    # about the action, not the note, so it is in the error summary only.
    page = client_request.post_page(f"/actions/{action.id}/status/sign-off", {"note": ""})
    assert "cannot be moved that way now" in page.select_one(".govuk-error-summary__list").get_text()
    assert error_messages(page) == []


def test_due_date_change_needs_a_reason_and_keeps_the_old_date(client_request):
    pm = factories.create_user("programme_manager")
    owner = factories.create_user("action_owner")
    first = clock.today() + timedelta(days=30)
    action = factories.create_action(owner, due=first)
    client_request.login(pm)
    new = first + timedelta(days=60)
    page = client_request.post_page(f"/actions/{action.id}/due-date", {**_date("due_date", new), "reason": ""})
    assert error_messages(page) == ["Enter why the due date is changing"]
    assert page.select_one("input#due_date-day")["value"] == str(new.day)
    db.session.expire_all()
    assert db.session.get(Action, action.id).current_due_date == first

    client_request.post(f"/actions/{action.id}/due-date", {**_date("due_date", new),
                                                           "reason": "Trainers not available until spring"})
    db.session.expire_all()
    action = db.session.get(Action, action.id)
    assert (action.original_due_date, action.current_due_date) == (first, new)
    page = client_request.get(f"/actions/{action.id}")
    replans = page.select_one("#replans + .app-table-scroll table").get_text(" ", strip=True)
    assert "Trainers not available until spring" in replans
    assert f"{first.day} {first:%B %Y}" in replans


def test_bad_dates_are_explained_and_kept(client_request):
    pm = factories.create_user("programme_manager")
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner, due=clock.today() + timedelta(days=5))
    client_request.login(pm)
    page = client_request.post_page(f"/actions/{action.id}/due-date", {
        "due_date": ["31", "2", "2027"], "reason": "x"})
    assert error_messages(page) == ["New due date must be a real date, like 27 3 2026"]
    assert [page.select_one(f"input#due_date-{p}")["value"] for p in ("day", "month", "year")] == ["31", "2", "2027"]
    page = client_request.post_page(f"/actions/{action.id}/due-date", {"due_date": ["3", "", ""], "reason": "x"})
    assert error_messages(page) == ["New due date must include a month and year"]
    page = client_request.post_page(f"/actions/{action.id}/due-date", {"due_date": ["", "", ""], "reason": "x"})
    assert error_messages(page) == ["Enter the new due date"]


def test_declared_rag_needs_a_reason_and_disagreement_shows(client_request):
    pm = factories.create_user("programme_manager")
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner, due=clock.today() + timedelta(days=60))
    client_request.login(pm)
    page = client_request.post_page(f"/actions/{action.id}/rag", {"rag": "red", "reason": ""})
    assert error_messages(page) == ["Enter why you are declaring this RAG"]
    client_request.post(f"/actions/{action.id}/rag", {"rag": "red", "reason": "Lead investigator is on leave"})
    page = client_request.get(f"/actions/{action.id}")
    box = page.select_one("#rag-disagreement").get_text(" ", strip=True)
    assert "declared RAG (Red) differs from the computed RAG (Green)" in box
    assert "Lead investigator is on leave" in box
    plan = client_request.get("/forces/avon-and-somerset")
    assert "Declared Red" in plan.get_text()
    client_request.post(f"/actions/{action.id}/rag", {"rag": "none", "reason": ""})
    assert client_request.get(f"/actions/{action.id}").select_one("#rag-disagreement") is None


def test_milestones_reorder_edit_and_reopen(client_request):
    pm = factories.create_user("programme_manager")
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner)
    first = factories.create_milestone(action, "First")
    second = factories.create_milestone(action, "Second")
    client_request.login(pm)
    client_request.post(f"/actions/{action.id}/milestones/{second.id}/move/up")
    page = client_request.get(f"/actions/{action.id}")
    milestones = page.select("#milestones + .app-table-scroll table tbody tr td:first-child")
    assert [td.get_text(strip=True) for td in milestones] == [
        "Second", "First"]
    page = client_request.post_page(f"/actions/{action.id}/milestones/{first.id}/edit", {"title": ""})
    assert error_messages(page) == ["Enter what the milestone is"]
    client_request.post(f"/actions/{action.id}/milestones/{first.id}/edit", {"title": "First, renamed"})
    client_request.post(f"/actions/{action.id}/milestones/{first.id}/complete")
    client_request.post(f"/actions/{action.id}/milestones/{first.id}/reopen")
    db.session.expire_all()
    milestone = db.session.get(Milestone, first.id)
    assert (milestone.title, milestone.completed_date) == ("First, renamed", None)


def test_owner_list_holds_only_active_users_of_the_force(client_request):
    pm = factories.create_user("programme_manager")
    factories.create_user("action_owner", name="Active Here")
    factories.create_user("action_owner", name="Gone Away", active=False)
    factories.create_user("action_owner", "durham", name="Other Force")
    client_request.login(pm)
    page = client_request.get("/forces/avon-and-somerset/actions/new")
    names = " ".join(o.get_text() for o in page.select("select#owner_id option"))
    assert "Active Here" in names
    assert "Gone Away" not in names and "Other Force" not in names


def test_action_cannot_be_given_to_someone_in_another_force(client_request):
    pm = factories.create_user("programme_manager")
    outsider = factories.create_user("action_owner", "durham")
    client_request.login(pm)
    page = client_request.post_page("/forces/avon-and-somerset/actions/new", {
        "reference": "AS-1", "title": "Sneaky", "pillar_id": factories.pillar().id,
        "owner_id": outsider.id, "priority": "high",
    })
    assert error_messages(page) == ["Select an owner from this force"]
    assert db.session.scalar(select(Action)) is None
