"""Every plan form refuses bad input: the error next to the field, typed values kept, nothing saved."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, AuditEvent, DeepDive, Finding, Milestone, ProgressUpdate
from tests import factories
from tests.conftest import error_messages, summary_errors

LONG = "x" * 201


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def pm_request(client_request):
    client_request.login(factories.create_user("programme_manager"))
    return client_request


def assert_refused(page, expected: list[str], model, before: int) -> None:
    assert error_messages(page) == expected
    assert summary_errors(page) == expected
    assert page.title.get_text().startswith("Error:")
    assert count(model) == before
    written = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event != "user.signed_in", AuditEvent.actor_id.is_not(None)))
    assert written == 0, "a refused form left an audit event behind"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"title": "", "period": "", "lead": ""}, ["Enter a title", "Enter the period", "Enter who led the deep dive"]),
        ({"title": LONG, "period": "2022", "lead": "Team"}, ["Title must be 200 characters or fewer"]),
        ({"title": "   ", "period": "2022", "lead": "Team"}, ["Enter a title"]),
    ],
)
def test_deep_dive_form(pm_request, data, expected):
    page = pm_request.post_page("/forces/avon-and-somerset/deep-dives/new", data)
    assert_refused(page, expected, DeepDive, 0)
    if data["period"]:
        assert page.select_one("input#period")["value"] == data["period"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"pillar_id": "0"}, ["Select a pillar"]),
        ({"pillar_id": "999"}, ["Select a pillar"]),
        ({"pillar_id": "abc"}, ["Select a pillar"]),
        ({"reference": ""}, ["Enter a reference, like AS-P1-03"]),
        ({"type": "gossip"}, ["Select the type of finding"]),
        ({"type": ""}, ["Select the type of finding"]),
        ({"title": LONG}, ["Title must be 200 characters or fewer"]),
        ({"reference": "DUP-1"}, ["Another finding in this force already has the reference DUP-1"]),
    ],
)
def test_finding_form(pm_request, change, expected):
    deep_dive = factories.create_deep_dive()
    factories.create_finding(deep_dive, reference="DUP-1")
    data = {"pillar_id": factories.pillar().id, "reference": "AS-P1-09", "type": "recommendation",
            "title": "Use suspect-focused checklists", "priority": "high", **change}
    page = pm_request.post_page(f"/forces/avon-and-somerset/deep-dives/{deep_dive.id}/findings/new", data)
    assert_refused(page, expected, Finding, 1)
    assert page.select_one("input#title")["value"] == data["title"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"title": ""}, ["Enter a title"]),
        ({"owner_id": "0"}, ["Select an owner"]),
        ({"owner_id": ""}, ["Select an owner"]),
        ({"owner_id": "999"}, ["Select an owner from this force"]),
        ({"reference": "TAKEN"}, ["Another action in this force already has the reference TAKEN"]),
        ({"start_date": ["1", "6", "2027"], "due_date": ["1", "5", "2027"]},
         ["The due date must be the same as or after the start date"]),
        ({"due_date": ["30", "2", "2027"]}, ["Due date must be a real date, like 27 3 2026"]),
        ({"due_date": ["", "2", ""]}, ["Due date must include a day and year"]),
        ({"success_measure": "y" * 5001}, ["Success measure must be 5000 characters or fewer"]),
        ({"priority": "urgent"}, ["Select a priority"]),
    ],
)
def test_action_form(pm_request, change, expected):
    owner = factories.create_user("action_owner")
    factories.create_action(owner, reference="TAKEN")
    data = {"reference": "AS-NEW", "title": "Bring in a suspect-focused checklist",
            "pillar_id": factories.pillar().id, "owner_id": owner.id, "priority": "medium", **change}
    page = pm_request.post_page("/forces/avon-and-somerset/actions/new", data)
    assert_refused(page, expected, Action, 1)
    assert page.select_one("input#reference")["value"] == data["reference"]
    if "due_date" in change:
        kept = [page.select_one(f"input#due_date-{p}")["value"] or "" for p in ("day", "month", "year")]
        assert kept == change["due_date"]


def assert_each_error_by_its_field(page, errors: dict[str, str]) -> None:
    """The summary links each message to its field, and the message is shown in that field's group."""
    links = [(a["href"], a.get_text(strip=True)) for a in page.select(".govuk-error-summary__list a")]
    assert links == [(f"#{field}", message) for field, message in errors.items()]
    for field, message in errors.items():
        group = page.select_one(f"#{field}").find_parent(class_="govuk-form-group")
        assert "govuk-form-group--error" in group["class"]
        assert group.select_one(".govuk-error-message").get_text(strip=True) == f"Error:{message}"


def test_empty_finding_form_reports_every_field_at_once(pm_request):
    """As a browser sends it untouched: "Select a pillar" still chosen, the default priority."""
    deep_dive = factories.create_deep_dive()
    page = pm_request.post_page(f"/forces/avon-and-somerset/deep-dives/{deep_dive.id}/findings/new", {
        "pillar_id": "0", "reference": "", "title": "", "detail": "", "priority": "medium"})
    errors = {"pillar_id": "Select a pillar", "reference": "Enter a reference, like AS-P1-03",
              "type": "Select the type of finding", "title": "Enter a title"}
    assert_refused(page, list(errors.values()), Finding, 0)
    assert_each_error_by_its_field(page, errors)


def test_empty_action_form_reports_every_field_at_once(pm_request):
    """As a browser sends it untouched: "Select a pillar" and "Select an owner" still chosen."""
    factories.create_user("action_owner")
    page = pm_request.post_page("/forces/avon-and-somerset/actions/new", {
        "reference": "", "title": "", "pillar_id": "0", "description": "", "success_measure": "",
        "owner_id": "0", "priority": "medium", "start_date": ["", "", ""], "due_date": ["", "", ""]})
    errors = {"reference": "Enter a reference", "title": "Enter a title", "pillar_id": "Select a pillar",
              "owner_id": "Select an owner"}
    assert_refused(page, list(errors.values()), Action, 0)
    assert_each_error_by_its_field(page, errors)


def test_milestone_and_update_forms(pm_request):
    action = factories.create_action(factories.create_user("action_owner"))
    page = pm_request.post_page(f"/actions/{action.id}/milestones/new", {"title": LONG})
    assert_refused(page, ["Milestone must be 200 characters or fewer"], Milestone, 0)
    page = pm_request.post_page(f"/actions/{action.id}/updates/new", {"text": "  "})
    assert_refused(page, ["Enter what has happened since the last update"], ProgressUpdate, 0)


def test_edit_action_keeps_due_date_out_of_the_form(pm_request):
    owner = factories.create_user("action_owner")
    due = date.today() + timedelta(days=40)
    action = factories.create_action(owner, due=due, reference="AS-E")
    page = pm_request.get(f"/actions/{action.id}/edit")
    assert page.select_one("input#due_date-day") is None
    pm_request.post(f"/actions/{action.id}/edit", {
        "reference": "AS-E", "title": "Renamed", "pillar_id": factories.pillar("P2").id, "owner_id": owner.id,
        "priority": "low", "due_date": ["1", "1", "2030"]})
    db.session.expire_all()
    action = db.session.get(Action, action.id)
    assert (action.title, action.current_due_date, action.priority) == ("Renamed", due, "low")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "action.updated"))
    assert event.changes["title"][1] == "Renamed"


def test_new_action_on_a_finding_with_actions_a_to_z_suggests_aa(pm_request):
    """The next letter after Z is AA, not a crash (it was StopIteration: a 500)."""
    finding = factories.create_finding(reference="AS-P1-03")
    owner = factories.create_user("action_owner")
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        factories.create_action(owner, finding=finding, reference=f"AS-P1-03-{letter}")
    page = pm_request.get(f"/forces/avon-and-somerset/actions/new?finding={finding.id}")
    assert page.select_one("input[name=reference]")["value"] == "AS-P1-03-AA"
