"""The national team adds forces to a published commitment and takes a force off it, in the browser's
terms: the pages, their errors next to the field, and what the force's plan then shows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from improvement_tracker.extensions import db
from improvement_tracker.models import Action
from tests import factories
from tests.conftest import error_messages


@pytest.fixture
def national(app):
    return factories.create_user("oversight", None, name="Olu National")


def _text(page) -> str:
    return page.get_text(" ", strip=True)


def test_the_national_team_adds_a_force_then_takes_one_off(client_request, national):
    manager = factories.create_user("programme_manager", "durham", name="Dee Durham")
    [action] = factories.publish_commitment(national, ["durham"])
    client_request.login(national)
    page = client_request.get("/commitments/NC-01")
    assert page.find("a", string="Add forces") and page.find("a", string="Take a force off the commitment")

    page = client_request.post_page("/commitments/NC-01/forces/add", {})
    assert error_messages(page) == ["Select at least one force to add"]
    form = client_request.get("/commitments/NC-01/forces/add")
    boxes = form.select("input[name=force_ids]")
    choices = {box.find_next("label").get_text(strip=True): box["value"] for box in boxes}
    assert "Durham" not in choices and len(choices) == 42  # Durham carries it already
    client_request.post("/commitments/NC-01/forces/add", {"force_ids": [choices["Cumbria"], choices["Kent"]]})
    page = client_request.get("/commitments/NC-01")
    assert "Cumbria, Kent now carry NC-01 in their plans" in _text(page)
    rows = [r.select_one("th, td").get_text(strip=True) for r in page.select("#table-forces tbody tr")]
    assert rows == ["Cumbria", "Durham", "Kent"]

    page = client_request.post_page("/commitments/NC-01/forces/remove", {"force_id": "0", "reason": ""})
    assert error_messages(page) == ["Select a force"]
    durham = str(factories.force("durham").id)
    page = client_request.post_page("/commitments/NC-01/forces/remove", {"force_id": durham, "reason": " "})
    assert error_messages(page) == ["Enter why the force no longer needs to do this"]
    assert page.select_one("select[name=force_id] option[selected]")["value"] == durham  # kept what was chosen
    client_request.post("/commitments/NC-01/forces/remove", {"force_id": durham,
                                                             "reason": "Durham lends phones through the region"})
    page = client_request.get("/commitments/NC-01")
    assert "Durham no longer carries NC-01" in _text(page)
    assert [r.select_one("th, td").get_text(strip=True) for r in page.select("#table-forces tbody tr")] == [
        "Cumbria", "Kent"]
    assert "Durham Durham lends phones through the region" in _text(page.select_one("#removed + dl"))

    # The force keeps its action, closed as not needed with the national team's reason, and may now
    # treat it as its own.
    client_request.login(manager)
    client_request.get("/commitments/NC-01", expected_status=404)
    page = client_request.get(f"/actions/{action.id}")
    assert "Closed – not needed" in _text(page) and "Durham lends phones through the region" in _text(page)
    assert db.session.scalar(sa.select(Action.status).where(Action.id == action.id)) == "closed_not_needed"


def test_a_draft_has_no_forces_pages_and_others_never_see_them(client_request, national):
    manager = factories.create_user("programme_manager", "durham", name="Dee Durham")
    factories.publish_commitment(national, ["durham"])
    client_request.login(manager)
    client_request.get("/commitments/NC-01/forces/add", expected_status=404)
    client_request.post("/commitments/NC-01/forces/remove", {"force_id": str(manager.force_id), "reason": "x"},
                        expected_status=404)



def test_two_people_adding_the_same_force_at_once_add_it_once(app, live_server, national):
    from tests.views.test_writes_apply_once import Person, at_once

    factories.publish_commitment(national, ["durham"])
    colleague = factories.create_user("oversight", None, name="Nia National")
    people = [Person(live_server, national), Person(live_server, colleague)] * 2
    kent = str(factories.force("kent").id)
    forms = iter([(p, p.form("/commitments/NC-01/forces/add", force_ids=kent)) for p in people])

    def add():
        person, form = next(forms)
        return person.send("/commitments/NC-01/forces/add", form)

    responses = at_once(add, times=4)
    assert all(r.status_code in (200, 302) for r in responses), [r.status_code for r in responses]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Action).where(
        Action.reference == "NC-01", Action.force_id == factories.force("kent").id)) == 1
    assert sum(r.status_code == 302 for r in responses) == 1
