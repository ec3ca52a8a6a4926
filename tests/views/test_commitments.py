"""National commitments in the browser's terms: the national team drafts one, publishes it to a
cohort and follows it force by force; programme managers see the ones their force carries; bad input
and publishing twice at once."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, Commitment, CommitmentForce
from improvement_tracker.services import clock, commitments
from tests import factories
from tests.conftest import error_messages
from tests.views.test_writes_apply_once import Person, at_once


def _due(days: int = 120) -> list[str]:
    day = clock.today() + timedelta(days=days)
    return [str(day.day), str(day.month), str(day.year)]


def _form(**changes) -> dict:
    return {"reference": "NC-01", "title": "No victim without a phone for more than 24 hours",
            "pillar_id": str(factories.pillar("P3").id), "description": "Return phones within 24 hours",
            "success_measure": "Every phone back within 24 hours", "evidence_expected": "The phone log",
            "due_date": _due(), "applies_to": "cohort", "cohort": "pathfinder", **changes}


def _text(page) -> str:
    return page.get_text(" ", strip=True)


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def national(app):
    return factories.create_user("oversight", None, name="Olu National")


def test_the_national_team_drafts_publishes_and_follows_a_commitment(client_request, national):
    manager = factories.create_user("programme_manager", "durham", name="Dee Durham")
    client_request.login(national)
    page = client_request.get("/commitments")
    assert "There are no national commitments yet" in _text(page)
    response = client_request.post("/commitments/new", _form())
    assert response.headers["Location"].endswith("/commitments/NC-01")
    page = client_request.get("/commitments/NC-01")
    assert "National commitment NC-01 (draft)" in _text(page) and "Pathfinder (2021) (5 forces)" in _text(page)
    assert _count(Action) == 0  # a draft changes no plan

    client_request.post("/commitments/NC-01/edit", _form(title="No victim without a phone for over 24 hours"))
    page = client_request.get("/commitments/NC-01/publish")
    assert "Publish to 5 forces" in _text(page)
    client_request.post("/commitments/NC-01/publish", {})
    assert _count(Action, Action.reference == "NC-01") == 5

    page = client_request.get("/commitments/NC-01")
    rows = [[c.get_text(" ", strip=True) for c in r.select("th, td")] for r in page.select("#table-forces tbody tr")]
    assert [r[0] for r in rows] == ["Avon and Somerset", "Durham", "Metropolitan Police Service", "South Wales",
                                    "West Midlands"]
    durham = next(r for r in rows if r[0] == "Durham")
    assert durham[1:3] == ["Not started", "Green"] and durham[4] == "Dee Durham"
    assert next(r for r in rows if r[0] == "Kent" or r[0] == "Avon and Somerset")[4] == "No owner"
    link = page.select_one("#table-forces tbody tr a")["href"]
    assert link.startswith("/actions/")
    by_standing = _text(page.select_one("#by-standing"))
    assert "Not started 5" in by_standing

    download = client_request.client.get("/commitments/NC-01/forces.xlsx")
    sheet = load_workbook(io.BytesIO(download.data)).active
    assert [c.value for c in sheet[1]] == ["Force", "Standing", "Computed RAG", "Due", "Owner"]
    assert sheet.max_row == 6

    # The force's programme manager sees the commitment their force carries, and not a draft.
    client_request.post("/commitments/new", _form(reference="NC-02", title="Specialist learning"))
    client_request.login(manager)
    page = client_request.get("/commitments")
    assert [a.get_text() for a in page.select("#commitments tbody th a")] == ["NC-01"]
    client_request.get("/commitments/NC-01")
    client_request.get("/commitments/NC-02", expected_status=404)
    client_request.get("/commitments/new", expected_status=404)
    client_request.post("/commitments/NC-01/publish", {}, expected_status=404)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"reference": "AS-01"}, "reference", "Enter a reference like NC-01"),
    ({"title": ""}, "title", "Enter a title"),
    ({"pillar_id": "0"}, "pillar_id", "Select a pillar"),
    ({"due_date": ["31", "2", "2027"]}, "due_date", "Due date must be a real date"),
    ({"due_date": ["", "", ""]}, "due_date", "Enter the due date"),
    ({"applies_to": ""}, "applies_to", "Select which forces the commitment applies to"),
    ({"cohort": ""}, "cohort", "Select a cohort"),
    ({"description": "Phones\x01"}, "description", "Remove the hidden control characters"),
])
def test_bad_input_is_an_error_next_to_the_field_and_nothing_is_saved(client_request, national, changes, field,
                                                                     message):
    client_request.login(national)
    page = client_request.post_page("/commitments/new", _form(**changes))
    assert any(message in m for m in error_messages(page)), error_messages(page)
    assert page.select_one("input[name=title]")["value"] == _form(**changes)["title"]
    assert _count(Commitment) == 0


def test_publishing_to_no_forces_or_past_its_due_date_is_refused_with_the_reason(client_request, national):
    client_request.login(national)
    client_request.post("/commitments/new", _form(applies_to="chosen"))
    page = client_request.get("/commitments/NC-01/publish")
    assert "Choose at least one force before publishing" in _text(page)
    assert page.select_one("main form[method=post]") is None
    client_request.post("/commitments/NC-01/publish", {}, expected_status=200)
    assert _count(Action) == 0

    kent = str(factories.force("kent").id)
    client_request.post("/commitments/NC-01/edit", _form(applies_to="chosen", force_ids=[kent]))
    commitment = db.session.scalar(sa.select(Commitment))
    commitment.due_date = clock.today() - timedelta(days=1)  # a draft left until its date passed
    db.session.commit()
    page = client_request.post_page("/commitments/NC-01/publish", {})
    assert "The due date has passed" in _text(page)
    assert _count(Action) == 0


def test_who_may_see_and_set_commitments(client_request, national):
    commitment = commitments.save_draft(db.session, None, commitments.CommitmentFields(
        reference="NC-01", title="Phones", pillar_id=factories.pillar("P3").id,
        due_date=clock.today() + timedelta(days=90), applies_to="chosen",
        force_ids=[factories.force("durham").id]), national)
    commitments.publish(db.session, commitment, national, clock.today())
    db.session.commit()
    owner = factories.create_user("action_owner", "durham")
    elsewhere = factories.create_user("programme_manager", "kent")
    for user, index, page in ((owner, 404, 404), (elsewhere, 200, 404)):
        client_request.login(user)
        client_request.get("/commitments", expected_status=index)
        client_request.get("/commitments/NC-01", expected_status=page)
        client_request.get("/commitments/NC-01/forces.csv", expected_status=page)
    admin = factories.create_user("admin", None)
    client_request.login(admin)
    client_request.get("/commitments/new")
    client_request.get("/commitments/NC-01/edit", expected_status=404)  # published: changed elsewhere


def test_publishing_twice_at_once_creates_one_set_of_actions(app, live_server, national):
    person = Person(live_server, national)
    person.send("/commitments/new", person.form("/commitments/new", **_form()))
    forms = [person.form("/commitments/NC-01/publish") for _ in range(4)]
    sent = iter(forms)
    responses = at_once(lambda: person.send("/commitments/NC-01/publish", next(sent)), times=4)
    assert all(r.status_code in (200, 302) for r in responses), [r.status_code for r in responses]
    db.session.expire_all()
    assert _count(Action, Action.reference == "NC-01") == 5
    assert _count(CommitmentForce) == 5
    refused = [BeautifulSoup(r.text, "html.parser") for r in responses if r.status_code == 200]
    for page in refused:
        assert "nothing you sent was saved" in _text(page) or "already been published" in _text(page)


def test_a_programme_manager_sees_only_their_own_forces_row(client_request, national):
    factories.create_user("programme_manager", "avon-and-somerset", name="Ash Avon")
    manager = factories.create_user("programme_manager", "durham", name="Dee Durham")
    commitment = commitments.save_draft(db.session, None, commitments.CommitmentFields(
        reference="NC-01", title="Phones", pillar_id=factories.pillar("P3").id,
        due_date=clock.today() + timedelta(days=90), applies_to="cohort", cohort="pathfinder"), national)
    commitments.publish(db.session, commitment, national, clock.today())
    db.session.commit()
    client_request.login(manager)
    page = client_request.get("/commitments/NC-01")
    rows = [[c.get_text(" ", strip=True) for c in r.select("th, td")] for r in page.select("#table-forces tbody tr")]
    assert rows == [["Durham", "Not started", "Green", rows[0][3], "Dee Durham"]]
    assert "Ash Avon" not in _text(page)
    csv_text = client_request.client.get("/commitments/NC-01/forces.csv").get_data(as_text=True)
    assert "Durham" in csv_text and "Avon" not in csv_text


def _published_to_durham(national):
    commitment = commitments.save_draft(db.session, None, commitments.CommitmentFields(
        reference="NC-01", title="Phones back within 24 hours", pillar_id=factories.pillar("P3").id,
        due_date=clock.today() + timedelta(days=60), applies_to="chosen",
        force_ids=[factories.force("durham").id]), national)
    [member] = commitments.publish(db.session, commitment, national, clock.today())
    db.session.commit()
    return db.session.get(Action, member.action_id)


def test_the_national_team_returns_then_confirms_a_forces_completion(client_request, national):
    from improvement_tracker.services import status

    manager = factories.create_user("programme_manager", "durham", name="Dee Durham")
    deputy = factories.create_user("programme_manager", "durham", name="Sam Deputy")
    action = _published_to_durham(national)
    url = "/commitments/NC-01/forces/durham/completion"
    client_request.login(national)
    client_request.get(url, expected_status=302)  # nothing signed off yet: back to the commitment, saying why

    def sign_off():
        status.apply(db.session, action, "start" if action.status == "not_started" else "request-sign-off", "",
                     actor=manager)
        if action.status == "in_progress":
            status.apply(db.session, action, "request-sign-off", "Done", actor=manager)
        status.apply(db.session, action, "sign-off", "", actor=deputy, no_evidence_reason="Seen the log")
        db.session.commit()

    sign_off()
    page = client_request.get("/commitments/NC-01")
    assert page.select_one(f"a[href='{url}']") is not None
    assert "Signed off by the force, awaiting national confirmation 1" in _text(page.select_one("#by-standing"))
    page = client_request.post_page(url, {"decision": "return", "reason": ""})
    assert "Enter what the force still needs to do" in error_messages(page)
    client_request.post(url, {"decision": "return", "reason": "The log covers one month"})
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "in_progress"

    sign_off()
    client_request.post(url, {"decision": "confirm"})
    page = client_request.get("/commitments/NC-01")
    assert "Confirmed by the national team 1" in _text(page.select_one("#by-standing"))
    client_request.login(manager)
    client_request.get(url, expected_status=403)


def test_a_force_proposes_a_later_date_and_the_national_team_refuses_then_agrees(client_request, national):
    manager = factories.create_user("programme_manager", "durham", name="Dee Durham")
    action = _published_to_durham(national)
    due = action.current_due_date
    client_request.login(manager)
    page = client_request.get("/commitments/NC-01")
    propose = "/commitments/NC-01/forces/durham/propose-date"
    assert page.select_one(f"a[href='{propose}']") is not None
    # The action page offers it too, where the force works the action.
    assert client_request.get(f"/actions/{action.id}").select_one(f"a[href='{propose}']") is not None
    later = due + timedelta(days=30)
    page = client_request.post_page(propose, {"proposed_due_date": [str(due.day), str(due.month), str(due.year)],
                                              "reason": "Phones on order"})
    assert "Propose a date after the current due date" in error_messages(page)
    client_request.post(propose, {"proposed_due_date": [str(later.day), str(later.month), str(later.year)],
                                  "reason": "Phones on order"})
    client_request.get(propose, expected_status=302)  # one waits at a time

    client_request.login(national)
    page = client_request.get("/commitments/NC-01")
    decide = page.select_one("#proposals + ul a")["href"]
    page = client_request.post_page(decide, {"decision": "refuse", "reason": ""})
    assert "Enter why the national team refuses the date" in error_messages(page)
    client_request.post(decide, {"decision": "refuse", "reason": "Every other force lent phones"})
    db.session.expire_all()
    assert db.session.get(Action, action.id).current_due_date == due
    client_request.post(decide, {"decision": "agree"}, expected_status=302)  # decided: says so, changes nothing
    assert db.session.get(Action, action.id).current_due_date == due

    client_request.login(manager)
    client_request.post(propose, {"proposed_due_date": [str(later.day), str(later.month), str(later.year)],
                                  "reason": "Phones delayed again"})
    client_request.login(national)
    decide = client_request.get("/commitments/NC-01").select_one("#proposals + ul a")["href"]
    client_request.post(decide, {"decision": "agree"})
    db.session.expire_all()
    assert db.session.get(Action, action.id).current_due_date == later
    elsewhere = factories.create_user("programme_manager", "kent")
    client_request.login(elsewhere)
    client_request.get(propose, expected_status=404)
    client_request.get(decide, expected_status=404)


def test_the_national_team_changes_a_published_commitment_for_every_force(client_request, national):
    action = _published_to_durham(national)
    client_request.login(national)
    page = client_request.get("/commitments/NC-01")
    assert page.select_one("a[href='/commitments/NC-01/change']") is not None
    later = action.current_due_date + timedelta(days=20)
    data = {"title": "Phones back within a day", "description": "", "success_measure": "",
            "due_date": [str(later.day), str(later.month), str(later.year)], "reason": ""}
    page = client_request.post_page("/commitments/NC-01/change", data)
    assert "Enter why the commitment is changing" in error_messages(page)
    assert page.select_one("input[name=title]")["value"] == "Phones back within a day"
    client_request.post("/commitments/NC-01/change", {**data, "reason": "Reworded by ministers"})
    db.session.expire_all()
    changed = db.session.get(Action, action.id)
    assert (changed.title, changed.current_due_date) == ("Phones back within a day", later)
    client_request.get("/commitments/NC-01/edit", expected_status=404)


def test_the_national_team_sees_the_completion_trend_from_the_daily_snapshots(client_request, national):
    from improvement_tracker.services import snapshots

    manager = factories.create_user("programme_manager", "durham", name="Dee Durham")
    factories.publish_commitment(national, ["durham", "kent"])
    client_request.login(national)
    page = client_request.get("/commitments/NC-01")
    assert "The trend starts with the first daily snapshot" in _text(page)
    snapshots.build_live(db.session, clock.today())
    db.session.commit()
    page = client_request.get("/commitments/NC-01")
    assert page.select_one("#figure-trend script[type='application/json']") is not None  # the chart
    rows = [[c.get_text(strip=True) for c in r.select("th, td")] for r in page.select("#table-trend tbody tr")]
    assert len(rows) == 1 and rows[0][1:] == ["0", "0"]  # its table: nobody has signed off yet
    download = client_request.client.get("/commitments/NC-01/trend.csv")
    assert download.status_code == 200 and "Signed off by the force (%)" in download.text
    # A programme manager sees their own force's row, never the spread across forces.
    client_request.login(manager)
    page = client_request.get("/commitments/NC-01")
    assert page.select_one("#trend") is None
    client_request.get("/commitments/NC-01/trend.csv", expected_status=404)


def test_the_national_dashboard_and_board_pack_show_each_commitment_across_its_forces(client_request, national):
    manager = factories.create_user("programme_manager", "durham", name="Dee Durham")
    deputy = factories.create_user("programme_manager", "durham", name="Sam Deputy")
    durham_action, _ = factories.publish_commitment(national, ["durham", "kent"])
    from improvement_tracker.services import status

    status.apply(db.session, durham_action, "start", "", actor=manager)
    status.apply(db.session, durham_action, "request-sign-off", "Done", actor=manager)
    status.apply(db.session, durham_action, "sign-off", "", actor=deputy, no_evidence_reason="Seen the log")
    db.session.commit()
    client_request.login(national)

    def row(url: str) -> list[str]:
        page = client_request.get(url)
        [found] = page.select("#table-commitments tbody tr")
        return [c.get_text(" ", strip=True) for c in found.select("th, td")]

    title = "No victim without a phone for more than 24 hours"
    assert row("/dashboards/national")[:2] == ["NC-01", title]
    assert row("/dashboards/national")[3:] == ["2", "0", "1", "0", "0"]  # forces, confirmed, awaiting, overdue, %
    assert row("/dashboards/national?cohort=pathfinder")[3:] == ["1", "0", "1", "0", "0"]  # Durham alone
    assert row("/dashboards/national/board-pack")[3:] == ["2", "0", "1", "0", "0"]
    page = client_request.get("/dashboards/national")
    assert page.select_one("#table-commitments tbody a")["href"] == "/commitments/NC-01"
    download = client_request.client.get("/dashboards/national/export/commitments.csv")
    assert download.status_code == 200 and "Awaiting confirmation" in download.text
