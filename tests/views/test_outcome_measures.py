"""The outcome measures' pages: everyone but action owners reads the catalogue, each measure's caveat
stated plainly; administrators change a measure's words, and nothing else, once, without undoing a
colleague's change."""

from __future__ import annotations

import threading

import pytest
from flask import url_for
from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, OutcomeMeasure
from improvement_tracker.services.outcome_catalogue import CATALOGUE, RMG_CAVEAT
from tests import factories
from tests.conftest import ClientRequest, error_messages, summary_errors
from tests.views.test_writes_apply_once import Person, at_once

WORDS = ("name", "definition", "source", "caveat")


def url(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def measure(code: str = "charge_rate") -> OutcomeMeasure:
    db.session.expire_all()
    return db.session.scalar(select(OutcomeMeasure).where(OutcomeMeasure.code == code))


def events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == "outcomes.measure_changed")
                                   .order_by(AuditEvent.id)))


def as_role(client_request: ClientRequest, role: str, **kwargs) -> ClientRequest:
    return client_request.login(factories.create_user(role, **kwargs))


def the_form(page) -> dict:
    """What the edit page's form would send as it stands: hidden fields and each field's value."""
    form = page.select_one("main form[method=post]")
    data = {field["name"]: field.get("value", "") for field in form.select("input")}
    data |= {area["name"]: area.get_text() for area in form.select("textarea")}
    return data


def error_next_to(page, field: str) -> str:
    node = page.select_one(f"#{field}-error")
    assert node is not None, f"no error next to {field}: {error_messages(page)}"
    return node.get_text(" ", strip=True).removeprefix("Error:").strip()


@pytest.fixture
def admin(client_request):
    user = factories.create_user("admin", name="Ada Admin")
    client_request.login(user)
    return user


# --- who may open which page ------------------------------------------------------------

@pytest.mark.parametrize(("role", "read", "edit"), [
    ("admin", 200, 200), ("oversight", 200, 404), ("programme_manager", 200, 404), ("action_owner", 404, 404)])
def test_everyone_but_action_owners_reads_the_measures_and_only_administrators_change_them(
        app, client_request, role, read, edit):
    as_role(client_request, role)
    client_request.get(url(app, "outcome_measures.index"), read)
    view = client_request.get(url(app, "outcome_measures.view", measure="charge_rate"), read)
    client_request.get(url(app, "outcome_measures.edit", measure="charge_rate"), edit)
    response = client_request.post(url(app, "outcome_measures.edit", measure="charge_rate"),
                                   {"name": "Renamed", "definition": "", "source": "", "caveat": ""},
                                   expected_status=edit if edit == 404 else 302)
    assert response.status_code in (302, 404)
    if read == 200:  # the link to change the words is shown exactly to those who may follow it
        links = [a["href"] for a in view.select("main a") if "Change the wording" in a.get_text()]
        assert links == ([url(app, "outcome_measures.edit", measure="charge_rate")] if edit == 200 else [])
    assert measure().name == ("Renamed" if edit == 200 else "Charge or summons rate")


def test_signed_out_people_are_asked_to_sign_in(app, client):
    for endpoint in ("outcome_measures.index", "outcome_measures.view", "outcome_measures.edit"):
        response = client.get(url(app, endpoint, **({} if endpoint.endswith("index") else {"measure": "charges"})))
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_an_unknown_measure_is_not_found(app, client_request, admin):
    client_request.get(url(app, "outcome_measures.view", measure="no_such_measure"), 404)
    client_request.get(url(app, "outcome_measures.edit", measure="no_such_measure"), 404)


# --- reading ------------------------------------------------------------------------------

def test_the_list_shows_every_measure_with_its_unit_direction_and_how_it_is_made(app, client_request):
    as_role(client_request, "programme_manager")
    page = client_request.get(url(app, "outcome_measures.index"))
    rows = {row["id"]: [cell.get_text(" ", strip=True) for cell in row.select("th, td")]
            for row in page.select("tbody tr")}
    assert list(rows) == [f"measure-{row[0]}" for row in CATALOGUE]
    assert rows["measure-charge_rate"] == ["Charge or summons rate", "Percentage", "Higher is better",
                                           "Worked out from Charges or summons ÷ Recorded adult rape offences"]
    assert rows["measure-recorded_offences"][1:] == ["Count", "Neither: a change is not better or worse in itself",
                                                     "Typed"]
    link = page.select_one("#measure-charge_rate a")
    assert link["href"] == url(app, "outcome_measures.view", measure="charge_rate")


def test_the_charge_rate_page_states_its_caveat_plainly(app, client_request):
    as_role(client_request, "oversight")
    page = client_request.get(url(app, "outcome_measures.view", measure="charge_rate"))
    assert page.h1.get_text(strip=True) == "Charge or summons rate"
    caveat = page.select_one(".govuk-inset-text").get_text(" ", strip=True)
    assert "not the same cases" in caveat and "an indicator, not the outcome of a cohort" in caveat
    summary = {row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(" ", strip=True)
               for row in page.select(".govuk-summary-list__row")}
    assert summary["Unit"] == "Percentage"
    assert summary["Which is better"] == "Higher is better"
    assert summary["How it is made"] == "Worked out from Charges or summons ÷ Recorded adult rape offences"
    assert summary["Definition"].startswith("Charges or summons ÷ recorded adult rape offences")
    assert summary["Source"] == "Worked out from its parts."


def test_a_measure_without_a_caveat_says_so(app, client_request):
    as_role(client_request, "programme_manager")
    page = client_request.get(url(app, "outcome_measures.view", measure="referrals"))
    assert page.select_one(".govuk-inset-text") is None
    assert "No caveat is recorded for this measure" in page.get_text(" ", strip=True)


# --- changing the words ---------------------------------------------------------------------

def test_an_administrator_changes_the_wording_and_the_list_and_history_show_it(app, client_request, admin):
    edit = url(app, "outcome_measures.edit", measure="charge_rate")
    data = the_form(client_request.get(edit)) | {"name": "Charge rate",
                                                 "caveat": "Not the same cases: an indicator only."}
    response = client_request.post(edit, data)
    assert response.headers["Location"].endswith(url(app, "outcome_measures.view", measure="charge_rate"))

    shown = client_request.get(url(app, "outcome_measures.view", measure="charge_rate"))
    assert "The wording of “Charge rate” was saved" in shown.get_text(" ", strip=True)
    assert shown.select_one(".govuk-inset-text").get_text(strip=True) == "Not the same cases: an indicator only."
    listed = client_request.get(url(app, "outcome_measures.index"))
    assert listed.select_one("#measure-charge_rate a").get_text(strip=True) == "Charge rate"

    changed = measure()
    [event] = events()
    assert (event.actor_id, event.object_type, event.object_id, event.force_id) == (
        admin.id, "outcome_measure", changed.id, None)
    assert event.changes == {"name": ["Charge or summons rate", "Charge rate"],
                             "caveat": [RMG_CAVEAT, "Not the same cases: an indicator only."]}


def test_the_code_unit_direction_and_parts_cannot_be_changed_from_the_page(app, client_request, admin):
    edit = url(app, "outcome_measures.edit", measure="charge_rate")
    page = client_request.get(edit)
    assert {field["name"] for field in page.select("main form [name]")} == {
        "csrf_token", "submission_token", "loaded_version", *WORDS}
    client_request.post(edit, the_form(page) | {
        "code": "charges_per_offence", "unit": "count", "better": "lower", "numerator_code": "referrals",
        "denominator_code": "phones_taken", "display_order": "99", "row_version": "7"})
    kept = measure()
    assert (kept.code, kept.unit, kept.better, kept.numerator_code, kept.denominator_code, kept.display_order) == (
        "charge_rate", "percentage", "higher", "charges", "recorded_offences", 4)
    assert events() == []  # nothing the page may change was changed


@pytest.mark.parametrize(("answers", "field", "message"), [
    ({"name": "   "}, "name", "Enter the measure's name"),
    ({"name": "N" * 201}, "name", "Name must be 200 characters or fewer"),
    ({"definition": "d" * 2001}, "definition", "Definition must be 2000 characters or fewer"),
    ({"source": "s" * 2001}, "source", "Source must be 2000 characters or fewer"),
    ({"caveat": "Not the same\x00cases"}, "caveat", "Remove the hidden control characters"),
    ({"name": "Charge\x07rate"}, "name", "Remove the hidden control characters"),
])
def test_bad_input_is_shown_next_to_its_field_with_what_was_typed_kept(app, client_request, admin, answers, field,
                                                                       message):
    edit = url(app, "outcome_measures.edit", measure="charge_rate")
    typed = the_form(client_request.get(edit)) | {"definition": "A new definition"} | answers
    page = client_request.post_page(edit, typed)
    assert error_next_to(page, field).startswith(message)
    assert any(error.startswith(message) for error in summary_errors(page))
    assert page.title.get_text(strip=True).startswith("Error:")
    kept = the_form(page)
    assert kept["definition"].strip() == typed["definition"].strip()
    if "\x00" not in typed[field] and "\x07" not in typed[field]:
        assert kept[field].strip() == typed[field].strip()
    assert measure().name == "Charge or summons rate"
    assert events() == []


# --- two people, and one form sent twice ------------------------------------------------------

def test_a_second_administrator_editing_an_older_page_is_shown_the_first_ones_change(app, client_request, admin):
    edit = url(app, "outcome_measures.edit", measure="charge_rate")
    colleague = ClientRequest(app.test_client()).login(factories.create_user("admin", name="Cara Colleague"))
    mine, theirs = the_form(client_request.get(edit)), the_form(colleague.get(edit))  # both open the page

    colleague.post(edit, theirs | {"name": "Charge rate"})
    page = client_request.post_page(edit, mine | {"name": "Charge or summons rate (quarterly)"})

    assert "Someone else changed this measure while you were editing it, so nothing has been saved" in \
        page.select_one(".govuk-error-summary").get_text(" ", strip=True)
    assert error_next_to(page, "name").startswith("Cara Colleague changed this to “Charge rate”")
    assert the_form(page)["name"] == "Charge or summons rate (quarterly)"  # what I typed, kept
    assert measure().name == "Charge rate"
    assert len(events()) == 1

    # Having looked, saving again keeps my answer.
    client_request.post(edit, the_form(page))
    assert measure().name == "Charge or summons rate (quarterly)"
    assert [e.changes["name"] for e in events()] == [["Charge or summons rate", "Charge rate"],
                                                     ["Charge rate", "Charge or summons rate (quarterly)"]]


def test_my_older_page_cannot_put_back_words_a_colleague_changed_in_another_field(app, client_request, admin):
    edit = url(app, "outcome_measures.edit", measure="charge_rate")
    colleague = ClientRequest(app.test_client()).login(factories.create_user("admin", name="Cara Colleague"))
    mine, theirs = the_form(client_request.get(edit)), the_form(colleague.get(edit))

    colleague.post(edit, theirs | {"source": "Home Office crime outcomes, worked out."})
    # My page still shows the old source: sending it would silently put it back.
    page = client_request.post_page(edit, mine | {"name": "Charge rate"})

    assert error_next_to(page, "source").startswith(
        "Cara Colleague changed this to “Home Office crime outcomes, worked out.”")
    saved = measure()
    assert (saved.name, saved.source) == ("Charge or summons rate", "Home Office crime outcomes, worked out.")
    assert len(events()) == 1


def test_the_same_form_sent_twice_saves_once(app, client_request, admin):
    edit = url(app, "outcome_measures.edit", measure="charge_rate")
    data = the_form(client_request.get(edit)) | {"name": "Charge rate"}
    client_request.post(edit, data)
    again = client_request.post(edit, data, follow=True, expected_status=200)
    assert "You sent this form more than once. It was saved once" in again.get_data(as_text=True)
    assert len(events()) == 1 and measure().name == "Charge rate"


def test_two_administrators_saving_at_the_same_moment_never_silently_undo_each_other(app, live_server):
    first, second = (factories.create_user("admin", name=name) for name in ("Ada Admin", "Cara Colleague"))
    db.session.commit()
    path = url(app, "outcome_measures.edit", measure="charge_rate")
    people = [Person(live_server, first), Person(live_server, second)]
    forms = [(person, person.form(path, name=name, definition="", source="", caveat=""))
             for person, name in zip(people, ("Charge rate", "Charging rate"), strict=True)]
    sent = iter(forms)
    lock = threading.Lock()

    def one():
        with lock:
            person, data = next(sent)
        return data["name"], person.send(path, data)

    results = at_once(one, 2)
    saved = [name for name, response in results if response.status_code == 302]
    refused = [response for _, response in results if response.status_code == 200]
    assert len(saved) == 1 and len(refused) == 1, [r.status_code for _, r in results]
    assert "nothing" in refused[0].text and "saved" in refused[0].text  # the loser is told
    assert measure().name == saved[0]
    assert len(events()) == 1


def test_one_form_sent_several_times_at_once_saves_once(app, live_server):
    admin = factories.create_user("admin")
    db.session.commit()
    person = Person(live_server, admin)
    path = url(app, "outcome_measures.edit", measure="charge_rate")
    data = person.form(path, name="Charge rate", definition="D", source="S", caveat="C")

    responses = at_once(lambda: person.send(path, data), 3)

    assert all(r.status_code in (200, 302) for r in responses), [r.status_code for r in responses]
    assert len(events()) == 1 and measure().name == "Charge rate"
