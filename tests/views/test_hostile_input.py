"""Bad input is bad input, not a 500: ids that are not plain digits, numbers too long to read,
control characters arriving through a URL, an import or the CLI (or already stored), and dates
no plan can mean. The form-field cases for every POST route are in tests/security/test_hostile_bytes.py.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, User
from improvement_tracker.services import clock, imports, plans
from improvement_tracker.services.audit import ServiceError
from tests import factories
from tests import import_sheets as sheets
from tests.conftest import error_messages
from tests.test_cli import create

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _plan(client_request):
    pm = factories.create_user("programme_manager")
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner, title="Train investigators", due=clock.today() + timedelta(days=30))
    client_request.login(pm)
    return pm, owner, action


def test_an_id_in_other_digits_names_nothing_even_when_its_value_is_an_action(app, client_request):
    pm, owner, action = _plan(client_request)
    client_request.get(f"/actions/{action.id}")
    for path in (f"/actions/{str(action.id).translate(ARABIC_INDIC)}",
                 f"/actions/{str(action.id).translate(ARABIC_INDIC)}/edit",
                 f"/actions/{action.id}/milestones/{str(action.id).translate(ARABIC_INDIC)}/edit"):
        assert client_request.client.get(path).status_code == 404, path


def test_numbers_too_long_to_read_in_query_strings_name_nothing(app, client_request):
    pm, owner, action = _plan(client_request)
    huge = "9" * 5000
    for path, expected in ((f"/forces/avon-and-somerset?owner={huge}", 200),
                           (f"/forces/avon-and-somerset?page={huge}", 200),
                           (f"/forces/avon-and-somerset/plan.xlsx?owner={huge}", 200),
                           (f"/forces/avon-and-somerset/reminders?page={huge}", 200),
                           (f"/actions/{action.id}/evidence/new?milestone={huge}", 200),
                           (f"/forces/avon-and-somerset/actions/new?finding={huge}", 404),
                           (f"/actions/{huge}", 404)):
        assert client_request.client.get(path).status_code == expected, path[:70]


def test_a_control_character_in_a_url_names_and_filters_nothing(app, client_request):
    _plan(client_request)
    for path in ("/forces/avon-and-somerset?status=%00", "/forces/avon-and-somerset?pillar=P1%07",
                 "/forces/avon%00-and-somerset", "/forces/avon-and-somerset?%00=1",
                 "/forces/avon-and-somerset/plan.csv?owner=1%1b"):
        assert client_request.client.get(path).status_code == 404, path


def test_dates_no_plan_can_mean_are_refused_next_to_the_field(app, client_request):
    pm, owner, action = _plan(client_request)
    for day, month, year in (("1", "1", "0001"), ("31", "12", "9999"), ("31", "12", "1999")):
        page = client_request.post_page(f"/actions/{action.id}/due-date",
                                        {"due_date": [day, month, year], "reason": "Moved"})
        assert error_messages(page) == ["New due date must be between 2000 and 2099"]
        assert [box["value"] for box in page.select("input[name=due_date]")] == [day, month, year]
        page = client_request.post_page("/forces/avon-and-somerset/actions/new", {
            "reference": "NEW-1", "title": "New", "pillar_id": factories.pillar().id, "owner_id": owner.id,
            "priority": "high", "due_date": [day, month, year]})
        assert "Due date must be between 2000 and 2099" in error_messages(page)
    db.session.expire_all()
    assert db.session.get(Action, action.id).current_due_date == clock.today() + timedelta(days=30)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Action)) == 1


def test_an_import_refuses_control_characters_naming_the_cell(app):
    pm = factories.create_user("programme_manager")
    data = sheets.csv_file("deep_dives", [sheets.deep_dive("Deep\x0c dive\x07")])
    report = imports.check(db.session, pm.force, data, "plan.csv", actor=pm)
    assert not report.ok
    assert [(problem.column, problem.message) for problem in report.errors] == [
        ("A", "This cell holds hidden control characters (they can come from text copied from another system): "
              "retype the value")]
    nul = imports.check(db.session, pm.force, sheets.csv_file("deep_dives", [sheets.deep_dive("Deep\x00 dive")]),
                        "plan.csv", actor=pm)
    assert not nul.ok  # a NUL byte: not a text file at all


def test_exports_hold_control_characters_stored_before_they_were_refused(app, client_request):
    pm, owner, action = _plan(client_request)
    action.title = "Train\x0c investigators\x07"  # as an older import could store it
    factories.changed(action)
    db.session.commit()
    for path in ("/forces/avon-and-somerset/plan.xlsx", "/my-actions.xlsx", "/forces/avon-and-somerset/plan.csv"):
        response = client_request.client.get(path)
        assert response.status_code == 200, path
    book = load_workbook(io.BytesIO(client_request.client.get("/forces/avon-and-somerset/plan.xlsx").data))
    cells = [cell for row in book.active.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    assert "Train\ufffd investigators\ufffd" in cells


def test_the_cli_refuses_control_characters(app):
    result = create(app, "--email", "new.person@example.police.uk", "--name", "New\x1bPerson", "--role", "admin")
    assert result.exit_code != 0
    assert "must not include control characters" in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "new.person@example.police.uk")) is None


def test_the_plan_services_refuse_such_dates_too(app):
    """Whatever calls them (a form, an import, the API to come), not only the form's date boxes."""
    pm = factories.create_user("programme_manager")
    action = factories.create_action(factories.create_user("action_owner"), due=clock.today() + timedelta(days=30))
    for day in (date(1, 1, 1), date(9999, 12, 31), date(1999, 12, 31)):
        with pytest.raises(ServiceError, match="Due date must be between 2000 and 2099"):
            plans.change_due_date(db.session, action, day, "Moved", actor=pm)
    db.session.rollback()
