"""A national commitment's linked action on the force's pages: marked wherever actions are listed,
its national fields shown but not offered for change, every refusal said on the page, and nothing
saved; an action waiting for an owner shows everywhere, and a programme manager gives it one."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, AuditEvent, DueDateChange
from improvement_tracker.services import clock
from tests import factories
from tests import import_sheets as sheets
from tests.conftest import error_messages
from tests.views.test_imports import preview_url, upload

TITLE = "No victim without a phone for more than 24 hours"
LOCKED = "This is a national commitment"


@pytest.fixture
def national(app):
    return factories.create_user("oversight", None, name="Olu National")


@pytest.fixture
def manager(app):
    return factories.create_user("programme_manager", name="Priya Manager")


@pytest.fixture
def linked(national, manager) -> Action:
    return factories.publish_commitment(national, ["avon-and-somerset"])[0]


@pytest.fixture
def pm_request(client_request, manager):
    return client_request.login(manager)


def _tags(page) -> list[str]:
    """Each "National commitment" tag with the commitment reference beside it."""
    return [f"{tag.get_text(strip=True)} {tag.find_next_sibling('span').get_text(strip=True)}"
            for tag in page.select(".app-national-tag")]


def _summary(page) -> list[str]:
    return [item.get_text(strip=True) for item in page.select(".govuk-error-summary__list li")]


def _written() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event.in_(("action.updated", "action.due_date_changed", "action.close"))))


def _unchanged(action: Action) -> None:
    db.session.expire_all()
    stored = db.session.get(Action, action.id)
    assert (stored.title, stored.status, stored.current_due_date, stored.pillar.code) == (
        TITLE, "not_started", action.current_due_date, "P3")
    assert _written() == 0
    assert db.session.scalar(select(func.count()).select_from(DueDateChange)) == 0


# --- marked wherever actions are listed ---------------------------------------------------------

def test_the_plan_my_actions_and_the_action_page_mark_it(pm_request, linked, manager):
    factories.create_action(manager, reference="AS-P3-01-A", pillar_code="P3")
    plan = pm_request.get("/forces/avon-and-somerset")
    assert _tags(plan) == ["National commitment NC-01"]  # the force's own action has none
    assert _tags(pm_request.get("/my-actions")) == ["National commitment NC-01"]

    page = pm_request.get(f"/actions/{linked.id}")
    assert _tags(page) == ["National commitment NC-01"]
    said = page.select_one("#national-commitment + .govuk-inset-text").get_text(" ", strip=True)
    assert "The national team set this action" in said and "cannot be closed as not needed" in said
    buttons = [b.get_text(strip=True) for b in page.select(".govuk-button-group .govuk-button")]
    assert "Close as not needed" not in buttons and "Start work" in buttons
    assert page.select_one(f"a[href='/actions/{linked.id}/due-date']") is None
    assert page.select_one(f"a[href='/actions/{linked.id}/edit']") is not None  # owner, priority, start date


def test_the_plan_and_my_actions_exports_have_a_national_commitment_column(pm_request, linked, manager):
    factories.create_action(manager, reference="AS-P3-01-A", pillar_code="P3")
    for url in ("/forces/avon-and-somerset/plan.csv", "/my-actions.csv"):
        rows = list(csv.reader(io.StringIO(pm_request.client.get(url).data.decode("utf-8-sig"))))
        assert rows[0][-1] == "National commitment"
        assert {r[0]: r[-1] for r in rows[1:]} == {"NC-01": "NC-01", "AS-P3-01-A": ""}
    sheet = load_workbook(io.BytesIO(pm_request.client.get("/forces/avon-and-somerset/plan.xlsx").data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][-1] == "National commitment"
    assert {r[0]: r[-1] for r in rows[1:]} == {"NC-01": "NC-01", "AS-P3-01-A": None}


def test_the_force_dashboard_marks_an_overdue_linked_action(pm_request, linked):
    linked.current_due_date = clock.today() - timedelta(days=2)
    factories.changed(linked)
    db.session.commit()
    rows = list(csv.reader(io.StringIO(pm_request.client.get(
        "/forces/avon-and-somerset/dashboard/export/overdue-actions.csv").data.decode("utf-8-sig"))))
    assert rows[1][0] == "NC-01" and rows[1][-1] == "NC-01"


# --- the edit form shows what is locked, and refuses it -------------------------------------------

def test_the_edit_form_shows_the_national_fields_as_text_not_inputs(pm_request, linked):
    page = pm_request.get(f"/actions/{linked.id}/edit")
    for name in ("reference", "title", "pillar_id", "description", "success_measure"):
        assert page.select_one(f"[name={name}]") is None, name
    assert page.select_one("[name=owner_id]") and page.select_one("[name=priority]")
    shown = {row.dt.get_text(strip=True): row.dd.get_text(" ", strip=True)
             for row in page.select("#national-fields .govuk-summary-list__row")}
    assert shown["Title"] == TITLE and shown["Reference"] == "NC-01" and shown["Pillar"].startswith("P3")
    assert page.select_one("#national-locked").get_text(" ", strip=True).startswith(
        "This is a national commitment: its reference, title, pillar, description and success measure are set "
        "by the national team")


def test_a_programme_manager_changes_what_the_force_owns(pm_request, linked):
    owner = factories.create_user("action_owner", name="Olive Owner")
    pm_request.post(f"/actions/{linked.id}/edit", {"owner_id": owner.id, "priority": "low"})
    db.session.expire_all()
    stored = db.session.get(Action, linked.id)
    assert (stored.owner_id, stored.priority, stored.title) == (owner.id, "low", TITLE)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "Phones back in a week", f"{LOCKED}: its title is set by the national team"),
    ("reference", "AS-P3-09", f"{LOCKED}: its reference is set by the national team"),
    ("pillar_id", "P1", f"{LOCKED}: its pillar is set by the national team"),
    ("description", "Less", f"{LOCKED}: its description is set by the national team"),
    ("success_measure", "Some", f"{LOCKED}: its success measure is set by the national team"),
])
def test_a_sent_change_to_a_national_field_is_refused_and_nothing_saved(pm_request, linked, manager, field,
                                                                        value, message):
    sent = factories.pillar(value).id if field == "pillar_id" else value
    page = pm_request.post_page(f"/actions/{linked.id}/edit", {
        "owner_id": manager.id, "priority": "low", field: sent})
    assert _summary(page) == [message]
    _unchanged(linked)
    assert db.session.get(Action, linked.id).priority == "high"


def test_the_due_date_cannot_be_changed_from_its_page(pm_request, linked):
    response = pm_request.client.get(f"/actions/{linked.id}/due-date")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/actions/{linked.id}")
    banner = pm_request.get(f"/actions/{linked.id}").select_one("[data-category=error]").get_text(" ", strip=True)
    assert "its due date is set by the national team. Propose a later date instead" in banner
    later = linked.current_due_date + timedelta(days=30)
    page = pm_request.post_page(f"/actions/{linked.id}/due-date", {
        "due_date": [str(later.day), str(later.month), str(later.year)], "reason": "Staff shortages"})
    assert error_messages(page) == [f"{LOCKED}: its due date is set by the national team. Propose a later date "
                                    "instead"]
    _unchanged(linked)


def test_it_cannot_be_closed_as_not_needed(pm_request, linked):
    for send in (lambda url: pm_request.client.get(url),
                 lambda url: pm_request.post(url, {"note": "We already do this"})):
        response = send(f"/actions/{linked.id}/status/close")
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/actions/{linked.id}")
    banner = pm_request.get(f"/actions/{linked.id}").select_one("[data-category=error]").get_text(" ", strip=True)
    assert "only the national team can decide it is not needed" in banner
    _unchanged(linked)


# --- an action waiting for an owner -------------------------------------------------------------

def test_an_action_with_no_owner_shows_everywhere_and_a_programme_manager_assigns_one(client_request, national):
    action = factories.publish_commitment(national, ["durham"])[0]
    action.current_due_date = clock.today() - timedelta(days=1)  # overdue: on the dashboard's lists too
    factories.changed(action)
    db.session.commit()
    manager = factories.create_user("programme_manager", "durham", name="Dee Durham")
    client_request.login(manager)
    plan = client_request.get("/forces/durham")
    assert "No owner" in plan.get_text() and _tags(plan) == ["National commitment NC-01"]
    page = client_request.get(f"/actions/{action.id}")
    assert "No owner" in page.get_text()
    client_request.get("/forces/durham/dashboard")
    client_request.get("/my-actions")
    for url in ("/forces/durham/plan.csv", "/forces/durham/plan.xlsx", "/my-actions.csv",
                "/forces/durham/dashboard/export/overdue-actions.csv"):
        assert client_request.client.get(url).status_code == 200, url
    client_request.login(national)
    client_request.get(f"/actions/{action.id}")
    client_request.get("/forces/durham")

    client_request.login(manager)
    assert client_request.get(f"/actions/{action.id}/edit").select_one("select#owner_id option[selected]") is None
    client_request.post(f"/actions/{action.id}/edit", {"owner_id": manager.id, "priority": "high"})
    db.session.expire_all()
    assert db.session.get(Action, action.id).owner_id == manager.id
    assert _tags(client_request.get("/my-actions")) == ["National commitment NC-01"]


# --- the plan import ---------------------------------------------------------------------------

def test_the_import_preview_reports_the_rows_it_leaves_out(client_request, import_dir, linked, manager):
    client_request.login(manager)
    data = sheets.filled_template(actions=[
        sheets.action("NC-01", manager.email, title="Phones back in a week"),
        sheets.action("AS-P1-01-A", manager.email, title="Our own action", pillar="P1")])
    page = client_request.get(preview_url(upload(client_request, data)))
    notes = [[c.get_text(" ", strip=True) for c in row.select("td")] for row in page.select("tr[id^=warning-]")]
    assert [n[1:] for n in notes if "national commitment" in n[-1]] == [
        ["3", "A (Reference)", "Not imported: NC-01 is a national commitment: its title is set by the national team"]]


@pytest.fixture
def import_dir(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    yield tmp_path / "imports"
    app.config.pop("IMPORT_DIR")
