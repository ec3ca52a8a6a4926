"""Importing a plan through the pages: template, upload, preview, fix, upload again, confirm.

The uploaded file stays on the server between the preview and the confirmation, under a key
only the person who uploaded it can use.
"""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy import func, select

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, AuditEvent, Finding, Milestone, User
from improvement_tracker.services.imports.columns import SHEETS_BY_KIND
from tests import factories
from tests import import_sheets as sheets
from tests.conftest import ClientRequest, error_messages

OWNER = "olive.owner@example.police.uk"
UPLOAD = "/forces/avon-and-somerset/import"


def upload(client_request: ClientRequest, data: bytes, filename: str = "Our plan.xlsx", **kwargs):
    return client_request.post(UPLOAD, {"file": (io.BytesIO(data), filename)},
                               content_type="multipart/form-data", **kwargs)


def preview_url(response) -> str:
    location = response.headers["Location"]
    assert re.fullmatch(r"/forces/avon-and-somerset/imports/[A-Za-z0-9_-]{32}", location), location
    return location


def table_rows(page, selector: str) -> list[list[str]]:
    table = page.select_one(selector)
    assert table is not None, f"no {selector}"
    return [[cell.get_text(" ", strip=True) for cell in row.select("th, td")] for row in table.select("tbody tr")]


def plan_counts() -> tuple[int, ...]:
    with db.engine.connect() as connection:
        return tuple(connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
                     for name in ("deep_dives", "findings", "actions", "milestones", "users"))


def fill(template: bytes, **sheet_rows: list[dict]) -> bytes:
    """Fill the downloaded template as a person would in Excel: below the notes row."""
    book = load_workbook(io.BytesIO(template))
    for kind, rows in sheet_rows.items():
        spec = SHEETS_BY_KIND[kind]
        keys = [c.key for c in spec.columns]
        for number, row in enumerate(rows, start=3):
            for key, value in row.items():
                book[spec.title].cell(row=number, column=keys.index(key) + 1, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def import_dir(app, tmp_path):
    """Each test keeps its uploads in its own folder."""
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    yield tmp_path / "imports"
    app.config.pop("IMPORT_DIR")


@pytest.fixture
def pm(app):
    return factories.create_user("programme_manager", name="Priya Manager")


@pytest.fixture
def owner(app):
    return factories.create_user("action_owner", name="Olive Owner", email=OWNER)


def test_a_programme_manager_downloads_the_template_fixes_one_bad_row_and_imports_the_plan(
        client_request, pm, owner):
    client_request.login(pm)
    plan_page = client_request.get("/forces/avon-and-somerset")
    link = plan_page.find("a", string="Import a plan from a spreadsheet")
    assert link["href"] == UPLOAD

    page = client_request.get(UPLOAD)
    assert page.h1.get_text(strip=True) == "Import a plan from a spreadsheet"
    template_link = page.find("a", string=re.compile("Download the Excel template"))
    response = client_request.client.get(template_link["href"])
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    template = response.data

    rows = {
        "deep_dives": [sheets.deep_dive()],
        "findings": [sheets.finding("AS-P1-01"), sheets.finding("AS-P3-01", "P3", "Victims are not kept informed")],
        "actions": [
            sheets.action("AS-P1-01-A", OWNER, finding="AS-P1-01", due_date="31/03/2027"),
            sheets.action("AS-P3-01-A", OWNER, finding="AS-P3-01", title="Victim contact contract",
                          due_date="TBC"),
        ],
        "milestones": [sheets.milestone("AS-P1-01-A", "Course designed", due_date="30 June 2026")],
    }
    before = plan_counts()
    page = client_request.get(preview_url(upload(client_request, fill(template, **rows))))
    assert page.title.get_text(strip=True).startswith("Error: Fix the problems in your spreadsheet")
    assert [a.get_text(strip=True) for a in page.select(".govuk-error-summary__list a")] == [
        "Actions, row 4, column M (Due date): 'TBC' is not a date: use day/month/year, like 31/03/2027"]
    assert table_rows(page, ".app-import-problems") == [
        ["Actions", "4", "M (Due date)", "'TBC' is not a date: use day/month/year, like 31/03/2027"]]
    assert "Import the plan" not in page.get_text()
    assert plan_counts() == before  # nothing is written by a preview

    # Fix the row and upload again, from the same page.
    rows["actions"][1]["due_date"] = "30/09/2027"
    corrected = page.select_one("form[enctype='multipart/form-data']")
    assert corrected["action"] == UPLOAD
    response = upload(client_request, fill(template, **rows), "Our plan (fixed).xlsx")
    url = preview_url(response)
    page = client_request.get(url)
    assert page.h1.get_text(strip=True) == "Check your import"
    assert page.title.get_text(strip=True) == "Check your import – Improvement Tracker"
    assert table_rows(page, "#counts") == [["Deep dives", "1", "0", "0"], ["Findings", "2", "0", "0"],
                                           ["Actions", "2", "0", "0"], ["Milestones", "1", "0", "0"]]
    assert table_rows(page, "#by-pillar") == [["P1", "1", "0", "1", "0", "1"], ["P3", "1", "0", "1", "0", "0"]]
    assert ["Findings 3", "AS-P1-01", "Investigations test the victim's credibility", "P1"] in table_rows(
        page, "#first-rows")
    assert plan_counts() == before

    response = client_request.post(url, {"digest": page.select_one("input[name=digest]")["value"]})
    assert response.headers["Location"] == "/forces/avon-and-somerset"
    page = client_request.get("/forces/avon-and-somerset")
    assert "Imported Our plan (fixed).xlsx: deep dives: 1 created; findings: 2 created; actions: 2 created; " \
           "milestones: 1 created." in page.select_one(".govuk-notification-banner").get_text(" ", strip=True)
    text = page.get_text(" ", strip=True)
    assert "AS-P1-01-A: Train investigators in suspect-focused work" in text
    assert "AS-P3-01-A: Victim contact contract" in text
    assert db.session.scalar(select(func.count()).select_from(Milestone)) == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "plan.imported"))
    assert event.actor_id == pm.id and event.changes["file"] == [None, "Our plan (fixed).xlsx"]
    # The key is spent.
    client_request.get(url, expected_status=404)


def test_new_owners_must_be_ticked_before_they_are_added(client_request, pm):
    client_request.login(pm)
    data = sheets.filled_template(actions=[
        sheets.action("AS-1", "nia.new@example.police.uk", pillar="P1", owner_name="Nia New"),
        sheets.action("AS-2", "sam.smith@example.police.uk", pillar="P2")])
    url = preview_url(upload(client_request, data))
    page = client_request.get(url)
    assert "cannot sign in until an administrator sets their password" in page.get_text()
    boxes = [(box["value"], page.select_one(f"label[for={box['id']}]").get_text(strip=True))
             for box in page.select("input[name=owners]")]
    assert boxes == [("nia.new@example.police.uk", "Nia New (nia.new@example.police.uk)"),
                     ("sam.smith@example.police.uk", "Sam Smith (sam.smith@example.police.uk)")]
    digest = page.select_one("input[name=digest]")["value"]
    before = plan_counts()

    page = client_request.post_page(url, {"digest": digest, "owners": ["nia.new@example.police.uk"]})
    assert error_messages(page) == ["Select every new owner to add them, or change the owner emails in your "
                                    "spreadsheet and upload it again"]
    assert page.title.get_text(strip=True).startswith("Error: ")
    assert plan_counts() == before

    client_request.post(url, {"digest": digest, "owners": ["nia.new@example.police.uk",
                                                           "sam.smith@example.police.uk"]})
    nia = db.session.scalar(select(User).where(User.email == "nia.new@example.police.uk"))
    assert (nia.name, nia.role, nia.force_id) == ("Nia New", "action_owner", pm.force_id)
    assert db.session.scalar(select(Action.owner_id).where(Action.reference == "AS-1")) == nia.id


def test_a_plan_that_changed_since_the_preview_is_shown_again_not_imported(client_request, pm, owner):
    client_request.login(pm)
    url = preview_url(upload(client_request, sheets.filled_template(actions=[
        sheets.action("AS-1", OWNER, pillar="P1", title="New title")])))
    page = client_request.get(url)
    digest = page.select_one("input[name=digest]")["value"]
    factories.create_action(owner, reference="AS-1", title="Someone added it meanwhile")

    page = client_request.post_page(url, {"digest": digest})
    assert page.select_one("#changed-since") is not None
    assert table_rows(page, "#counts") == [["Actions", "0", "1", "0"]]
    assert db.session.scalar(select(Action.title).where(Action.reference == "AS-1")) == "Someone added it meanwhile"
    # With the new preview's fingerprint it goes ahead.
    client_request.post(url, {"digest": page.select_one("input[name=digest]")["value"]})
    db.session.expire_all()
    assert db.session.scalar(select(Action.title).where(Action.reference == "AS-1")) == "New title"


def test_a_problem_that_appears_after_the_preview_stops_the_confirmation(client_request, pm, owner):
    client_request.login(pm)
    url = preview_url(upload(client_request, sheets.filled_template(actions=[
        sheets.action("AS-1", OWNER, pillar="P1")])))
    digest = client_request.get(url).select_one("input[name=digest]")["value"]
    owner.active = False
    db.session.commit()
    page = client_request.post_page(url, {"digest": digest})
    assert "The account of olive.owner@example.police.uk is deactivated" in page.select_one(
        ".govuk-error-summary").get_text()
    assert db.session.scalar(select(func.count()).select_from(Action)) == 0


@pytest.mark.parametrize(("data", "filename", "message"), [
    (None, None, "Select a spreadsheet to import"),
    (b"", "plan.csv", "The selected file is empty"),
    (b"PK\x03\x04", "plan.xlsm", "Macro-enabled workbooks (.xlsm) cannot be imported: save it as an Excel "
                                 "Workbook (.xlsx) and upload that"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"), "plan.xlsx",
     "The workbook is protected with a password: remove the password (File > Info > Protect Workbook in "
     "Excel), save it and upload it again"),
    (b"a" * (5 * 1024 * 1024 + 10), "plan.csv", "The selected file must be smaller than 5 MB"),
    (b"%PDF-1.4", "plan.pdf", "The selected file must be an XLSX or CSV spreadsheet"),
], ids=["no-file", "empty", "macro", "encrypted", "too-large", "pdf"])
def test_files_that_cannot_be_read_are_refused_on_the_upload_page(client_request, import_dir, pm, data, filename,
                                                                  message):
    client_request.login(pm)
    form = {} if data is None else {"file": (io.BytesIO(data), filename)}
    page = client_request.post_page(UPLOAD, form, content_type="multipart/form-data")
    assert error_messages(page) == [message]
    assert page.title.get_text(strip=True).startswith("Error: Import a plan from a spreadsheet")
    assert [a["href"] for a in page.select(".govuk-error-summary__list a")] == ["#file"]
    assert not import_dir.exists() or list(import_dir.iterdir()) == []  # nothing kept


def test_an_import_key_is_only_for_the_person_who_uploaded_it(app, client_request, pm, owner):
    client_request.login(pm)
    url = preview_url(upload(client_request, sheets.filled_template(actions=[
        sheets.action("AS-1", OWNER, pillar="P1")])))
    for intruder in (factories.create_user("programme_manager"), factories.create_user("programme_manager", "durham"),
                     factories.create_user("admin", None), factories.create_user("oversight", None)):
        other = ClientRequest(app.test_client()).login(intruder)
        other.get(url, expected_status=404)
        other.post(url, {"digest": "x"}, expected_status=404)
        other.post(url + "/cancel", expected_status=404)
    # An action owner of the force is told the import pages are for its programme managers, whatever
    # the key: the same answer for a key that does not exist, so nothing is confirmed.
    other = ClientRequest(app.test_client()).login(owner)
    for address in (url, "/forces/avon-and-somerset/imports/" + "B" * 32):
        page = other.get(address, expected_status=403)
        assert page.h1.get_text(strip=True) == "This page is for your force's programme managers"
        other.post(address, {"digest": "x"}, expected_status=403)
        other.post(address + "/cancel", expected_status=403)
    # A Durham programme manager cannot reach it through their own force's address either.
    durham = ClientRequest(app.test_client()).login(factories.create_user("programme_manager", "durham"))
    durham.get(url.replace("avon-and-somerset", "durham"), expected_status=404)
    client_request.get(url)
    client_request.get("/forces/avon-and-somerset/imports/not-a-key", expected_status=404)
    client_request.get("/forces/avon-and-somerset/imports/" + "A" * 32, expected_status=404)
    assert db.session.scalar(select(func.count()).select_from(Action)) == 0


def test_an_altered_stored_file_is_never_imported(client_request, import_dir, pm, owner):
    client_request.login(pm)
    url = preview_url(upload(client_request, sheets.filled_template(actions=[
        sheets.action("AS-1", OWNER, pillar="P1")])))
    key = url.rsplit("/", 1)[1]
    (import_dir / key / "upload").write_bytes(sheets.csv_file("actions", [sheets.action("EVIL", OWNER, pillar="P1")]))
    client_request.get(url, expected_status=404)
    client_request.post(url, {"digest": "x"}, expected_status=404)
    assert db.session.scalar(select(func.count()).select_from(Action)) == 0


def test_cancelling_an_import_forgets_the_file(client_request, pm, owner):
    client_request.login(pm)
    url = preview_url(upload(client_request, sheets.filled_template(actions=[
        sheets.action("AS-1", OWNER, pillar="P1")])))
    response = client_request.post(url + "/cancel")
    assert response.headers["Location"] == UPLOAD
    page = client_request.get(UPLOAD)
    assert "Import of Our plan.xlsx cancelled: nothing was imported." in page.get_text()
    client_request.get(url, expected_status=404)


def test_the_files_fingerprint_is_out_of_the_way_in_details_of_the_file(client_request, pm, owner):
    import hashlib

    client_request.login(pm)
    data = sheets.filled_template(actions=[sheets.action("AS-1", OWNER, pillar="P1")])
    page = client_request.get(preview_url(upload(client_request, data)))
    sha256 = hashlib.sha256(data).hexdigest()
    details = page.select_one("details#file-details.govuk-details")
    assert details is not None and not details.has_attr("open")
    assert details.select_one(".govuk-details__summary-text").get_text(strip=True) == "Details of the file"
    inside = details.select_one(".govuk-details__text").get_text("", strip=True)
    assert sha256 in inside and f"{len(data):,} bytes" in inside
    details.decompose()
    shown = page.select_one("main").get_text("", strip=True)
    assert sha256[:16] not in shown and "SHA-256" not in shown  # nowhere else on the page
    keys = [k.get_text(strip=True) for k in page.select(".govuk-summary-list__key")]
    assert keys == ["File", "Sheets read", "Rows read"]
    assert [s.get_text() for s in page.select("#first-rows .app-nowrap")] == ["AS-1"]  # never broken


def test_a_second_upload_shows_what_would_change(client_request, pm, owner):
    client_request.login(pm)
    first = [sheets.action("AS-1", OWNER, pillar="P1", title="First title", due_date="31/03/2027")]
    url = preview_url(upload(client_request, sheets.filled_template(actions=first)))
    client_request.post(url, {"digest": client_request.get(url).select_one("input[name=digest]")["value"]})

    second = [sheets.action("AS-1", OWNER, pillar="P1", title="Better title", due_date="30/06/2027")]
    page = client_request.get(preview_url(upload(client_request, sheets.filled_template(actions=second))))
    assert table_rows(page, "#counts") == [["Actions", "0", "1", "0"]]
    assert table_rows(page, "#updates") == [
        ["Actions 3", "AS-1", "Title First title → Better title Due date 31 March 2027 → 30 June 2027"]]


def test_warnings_are_listed_but_do_not_stop_the_import(client_request, pm, owner):
    client_request.login(pm)
    page = client_request.get(preview_url(upload(client_request, sheets.messy_plan(OWNER), "messy.xlsx")))
    assert page.h1.get_text(strip=True) == "Check your import"
    notes = [[c.get_text(" ", strip=True) for c in row.select("td")] for row in page.select("tr[id^=warning-]")]
    assert notes[0] == ["Old plan 2023", "", "", "This sheet is hidden, so it was ignored: unhide it in your "
                                                 "spreadsheet if it should be imported"]
    assert ["Action plan", "4", "J (RAG (manual))", "This column is not one the import knows, so it was ignored"] \
        in notes
    assert page.find("button", string=re.compile("Import the plan"))


def test_csv_templates_download_for_each_sheet(client_request, pm):
    client_request.login(pm)
    for sheet in ("deep-dives", "findings", "actions", "milestones"):
        response = client_request.client.get(f"/forces/avon-and-somerset/import/template-{sheet}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == f"attachment; filename=improvement-plan-{sheet}.csv"
        assert response.data.startswith(b"\xef\xbb\xbf")
    assert client_request.client.get("/forces/avon-and-somerset/import/template-other.csv").status_code == 404


def test_only_people_who_manage_the_plan_see_the_import_link(client_request, pm, owner):
    oversight = factories.create_user("oversight", None)
    client_request.login(oversight)
    assert "Import a plan from a spreadsheet" not in client_request.get("/forces/avon-and-somerset").get_text()
    client_request.get(UPLOAD, expected_status=403)
    client_request.login(factories.create_user("admin", None))
    assert "Import a plan from a spreadsheet" in client_request.get("/forces/durham").get_text()


def test_an_administrator_imports_into_any_force(client_request):
    admin = factories.create_user("admin", None)
    owner = factories.create_user("action_owner", "durham", email="dan.durham@example.police.uk")
    client_request.login(admin)
    response = client_request.post("/forces/durham/import", {"file": (io.BytesIO(sheets.csv_file(
        "actions", [sheets.action("DU-1", owner.email, pillar="P2")])), "durham.csv")},
        content_type="multipart/form-data")
    url = response.headers["Location"]
    page = client_request.get(url)
    client_request.post(url, {"digest": page.select_one("input[name=digest]")["value"]})
    action = db.session.scalar(select(Action))
    assert (action.force.code, action.owner_id) == ("durham", owner.id)
    assert db.session.scalar(select(Finding)) is None
