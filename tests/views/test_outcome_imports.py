"""The national team loads outcome figures for many forces from a file: template, upload, preview
(every problem by row and column), fix, upload again, confirm — all the figures or none."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy import func, select

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, Force, OutcomeFigure
from improvement_tracker.services import clock, outcomes, reporting_periods
from tests import factories
from tests.conftest import ClientRequest, error_messages, summary_errors

UPLOAD = "/outcomes/import"
LATEST = reporting_periods.quarter_of(clock.today()).preceding  # ended, and its returns are due: published
CURRENT = reporting_periods.quarter_of(clock.today())  # not ended yet
HEADER = ["force code", "quarter", "measure", "value"]
TYPED = {"recorded_offences": "200", "referrals": "50", "charges": "10", "outcomes_assigned": "150",
         "victim_withdrawals": "60", "median_days_to_charge": "300.5", "phones_taken": "40",
         "phones_returned_24h": "30"}


def label(quarter) -> str:
    return reporting_periods.label(quarter)


def csv_file(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return buffer.getvalue().encode()


def xlsx_file(rows: list[list]) -> bytes:
    book = Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client_request: ClientRequest, data: bytes, filename: str = "figures.csv", **kwargs):
    return client_request.post(UPLOAD, {"file": (io.BytesIO(data), filename)},
                               content_type="multipart/form-data", **kwargs)


def preview_url(response) -> str:
    location = response.headers["Location"]
    assert re.fullmatch(r"/outcomes/import/[A-Za-z0-9_-]{32}", location), location
    return location


def confirm_data(page, **extra) -> dict:
    """What the browser sends with the confirm button: the hidden fields as the page drew them."""
    form = page.select_one("form[action^='/outcomes/import/']:not([action$='/cancel'])")
    return {field["name"]: field.get("value", "") for field in form.select("input[type=hidden]")} | extra


def table_rows(page, selector: str) -> list[list[str]]:
    table = page.select_one(selector)
    assert table is not None, f"no {selector}"
    return [[cell.get_text(" ", strip=True) for cell in row.select("th, td")] for row in table.select("tbody tr")]


def summary(page, selector: str) -> dict[str, str]:
    return {row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(strip=True)
            for row in page.select(f"{selector} .govuk-summary-list__row")}


def stored() -> tuple[int, int, int]:
    """Figures, baselines and their history (signing in is history too, so only the figures' events)."""
    with db.engine.connect() as connection:
        events = connection.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.event.in_(outcomes.FIGURE_EVENTS)))
        return (*(connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
                  for name in ("outcome_figures", "outcome_baselines")), events)


@pytest.fixture(autouse=True)
def import_dir(app, tmp_path):
    """Each test keeps its uploads in its own folder."""
    app.config["OUTCOME_IMPORT_DIR"] = str(tmp_path / "outcome-imports")
    yield tmp_path / "outcome-imports"
    app.config.pop("OUTCOME_IMPORT_DIR")


@pytest.fixture
def national(client_request):
    return client_request.login(factories.create_user("oversight", None, name="Nadia National"))


def save(force_code: str, quarter, **typed) -> None:
    period = reporting_periods.make(db.session, quarter.financial_year, quarter.quarter)
    outcomes.save_quarter(db.session, factories.force(force_code), period,
                          {code: Decimal(value) for code, value in typed.items()}, None, clock.today())
    db.session.commit()


def test_the_national_team_fixes_a_bad_row_and_loads_the_figures(national, import_dir):
    page = national.get(UPLOAD)
    assert page.h1.get_text(strip=True) == "Load outcome figures from a file"
    response = national.client.get(page.find("a", string=re.compile("Download the template"))["href"])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=outcome-figures-template.csv"
    assert response.data.decode("utf-8-sig").splitlines()[0] == "force code,quarter,measure,value"

    rows = [["avon-and-somerset", label(LATEST), "recorded_offences", 200],
            ["avon-and-somerset", label(LATEST), "charges", "=4+5"],
            ["durham", "baseline", "referrals", 600]]
    before = stored()
    page = national.get(preview_url(upload(national, xlsx_file(rows), "figures.xlsx")))
    assert page.title.get_text(strip=True).startswith("Error: Fix the problems in your file")
    assert summary_errors(page) == ["Row 3, column D (value): This cell holds a formula or starts like one (=4+5): "
                                    "type the value itself, without a leading =, +, - or @"]
    assert table_rows(page, ".app-import-problems") == [
        ["3", "D (value)", "This cell holds a formula or starts like one (=4+5): type the value itself, without a "
                           "leading =, +, - or @"]]
    assert page.find("button", string=re.compile("Load the figures")) is None
    assert stored() == before

    rows[1][3] = 9
    assert page.select_one("form[enctype='multipart/form-data']")["action"] == UPLOAD
    url = preview_url(upload(national, xlsx_file(rows), "figures (fixed).xlsx"))
    page = national.get(url)
    assert page.h1.get_text(strip=True) == "Check the figures before you load them"
    # The file's fingerprint is there for whoever needs it, behind "Details of the file".
    assert "SHA-256" in page.select_one("details#file-details").get_text(" ")
    assert "SHA-256" not in page.find("main").get_text(" ").replace(page.select_one("details#file-details")
                                                                     .get_text(" "), "")
    assert summary(page, "#counts") == {"Forces": "2", "Quarters": "2", "New figures": "3", "Changed figures": "0",
                                        "Unchanged figures": "0"}
    assert table_rows(page, "#changes") == [
        ["2", "Avon and Somerset", label(LATEST), "Recorded adult rape offences", "None", "200"],
        ["3", "Avon and Somerset", label(LATEST), "Charges or summons", "None", "9"],
        ["4", "Durham", "2019 baseline", "Referrals to the CPS for a charging decision", "None", "600"]]
    assert page.select_one("textarea[name=reason]") is None  # nothing published is revised
    assert stored() == before

    response = national.post(url, confirm_data(page))
    assert response.headers["Location"] == "/outcomes"
    page = national.get(UPLOAD)  # the message shows on the next page drawn
    assert ("Loaded figures (fixed).xlsx: 3 new, 0 changed and 0 unchanged figures for 2 forces."
            in page.select_one(".govuk-notification-banner").get_text(" ", strip=True))
    avon = factories.force()
    period = reporting_periods.make(db.session, LATEST.financial_year, LATEST.quarter)
    assert outcomes.quarter_figures(db.session, avon, period) == {"recorded_offences": 200, "charges": 9}
    assert outcomes.baseline(db.session, factories.force("durham")) == {"referrals": 600}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.event.in_(outcomes.FIGURE_EVENTS))).all()
    assert sorted((e.force_id, e.event, e.actor_id) for e in events) == [
        (avon.id, "outcomes.figures_saved", national.user.id),
        (factories.force("durham").id, "outcomes.baseline_saved", national.user.id)]
    national.get(url, expected_status=404)  # the key is spent
    assert list(import_dir.iterdir()) == []


def test_revising_published_figures_asks_for_a_reason_next_to_the_field(national):
    save("durham", LATEST, charges=9, referrals=30)
    url = preview_url(upload(national, csv_file([["durham", label(LATEST), "charges", "11"],
                                                 ["durham", label(LATEST), "referrals", "30"]])))
    page = national.get(url)
    assert table_rows(page, "#revisions") == [["Durham", label(LATEST)]]
    assert summary(page, "#counts")["Changed figures"] == "1"
    assert table_rows(page, "#changes") == [["2", "Durham", label(LATEST), "Charges or summons", "9", "11"]]
    before = stored()

    page = national.post_page(url, confirm_data(page, reason=""))
    assert page.title.get_text(strip=True).startswith("Error: Check the figures before you load them")
    message = f"Give a reason for revising published figures (Durham {label(LATEST)})"
    assert error_messages(page) == [message]
    assert summary_errors(page) == [message]
    assert stored() == before

    national.post(url, confirm_data(page, reason="The force corrected its charges after an audit"))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "outcomes.figures_saved")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.changes == {"charges": ["9", "11"], "reason": [None, "The force corrected its charges after an audit"]}


def test_a_confirmation_sent_twice_loads_the_figures_once(national):
    url = preview_url(upload(national, csv_file([["durham", label(LATEST), "charges", "11"],
                                                 ["cleveland", label(LATEST), "charges", "4"]])))
    data = confirm_data(national.get(url))
    first = national.post(url, data)
    second = national.post(url, data)
    assert first.headers["Location"] == second.headers["Location"] == "/outcomes"
    assert "You sent this form more than once" in national.get(UPLOAD).get_text()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "outcomes.figures_saved")) == 2
    assert db.session.scalar(select(func.count()).select_from(OutcomeFigure)) == 2


def test_figures_saved_since_the_preview_show_the_preview_again(national):
    url = preview_url(upload(national, csv_file([["durham", label(LATEST), "charges", "11"]])))
    data = confirm_data(national.get(url))
    save("durham", LATEST, charges=7)  # someone saves the quarter meanwhile

    page = national.post_page(url, data)
    assert page.select_one("#changed-since") is not None
    assert table_rows(page, "#changes") == [["2", "Durham", label(LATEST), "Charges or summons", "7", "11"]]
    assert db.session.scalar(select(OutcomeFigure.value)) == 7
    assert page.select_one("textarea[name=reason]") is not None  # it is a revision now


@pytest.mark.parametrize(("row", "message"), [
    (["durham", label(CURRENT), "charges", "4"], f"{label(CURRENT)} has not ended yet, so it has no figures"),
    (["durham", label(LATEST), "charge_rate", "4"], "Charge or summons rate is worked out from its parts: give the "
                                                    "parts instead"),
    (["durham", label(LATEST), "charges", "-4"], "Charges or summons must be 0 or more"),
    (["met", label(LATEST), "charges", "4"], "'met' is not a force code: use the codes in the template, like "
                                             "avon-and-somerset"),
], ids=["not-ended", "derived", "negative", "unknown-force"])
def test_a_bad_row_is_named_on_the_preview_and_nothing_is_loaded(national, row, message):
    page = national.get(preview_url(upload(national, csv_file([["durham", label(LATEST), "referrals", "9"], row]))))
    assert [m.split(": ", 1)[1] for m in summary_errors(page)] == [message]
    assert summary_errors(page)[0].startswith("Row 3, column ")
    assert page.select_one("form textarea, form button[type=submit]:-soup-contains('Load the figures')") is None
    assert stored() == (0, 0, 0)


@pytest.mark.parametrize(("data", "filename", "message"), [
    (None, None, "Select a file of figures to load"),
    (b"%PDF-1.4", "figures.pdf", "The selected file must be an XLSX or CSV spreadsheet"),
    (b"a" * (5 * 1024 * 1024 + 10), "figures.csv", "The selected file must be smaller than 5 MB"),
    (b"PK\x03\x04", "figures.xlsm", "Macro-enabled workbooks (.xlsm) cannot be imported: save it as an Excel "
                                    "Workbook (.xlsx) and upload that"),
], ids=["no-file", "pdf", "too-large", "macro"])
def test_files_that_cannot_be_read_are_refused_on_the_upload_page(national, import_dir, data, filename, message):
    form = {} if data is None else {"file": (io.BytesIO(data), filename)}
    page = national.post_page(UPLOAD, form, content_type="multipart/form-data")
    assert error_messages(page) == [message]
    assert page.title.get_text(strip=True).startswith("Error: Load outcome figures from a file")
    assert [a["href"] for a in page.select(".govuk-error-summary__list a")] == ["#file"]
    assert not import_dir.exists() or list(import_dir.iterdir()) == []


def test_only_the_national_team_and_administrators_find_the_pages(app, client_request, national):
    url = preview_url(upload(national, csv_file([["durham", label(LATEST), "charges", "4"]])))
    for role, force_code in (("programme_manager", "avon-and-somerset"), ("action_owner", "durham")):
        other = ClientRequest(app.test_client()).login(factories.create_user(role, force_code))
        for path in (UPLOAD, UPLOAD + "/template.csv", url):
            other.get(path, expected_status=404)
        other.post(url, {"digest": "x"}, expected_status=404)
        other.post(url + "/cancel", expected_status=404)
    # Another member of the national team, or an administrator, cannot use someone else's upload.
    for role in ("oversight", "admin"):
        other = ClientRequest(app.test_client()).login(factories.create_user(role, None))
        other.get(UPLOAD)
        other.get(url, expected_status=404)
        other.post(url, {"digest": "x"}, expected_status=404)
    signed_out = app.test_client().get(UPLOAD)
    assert signed_out.status_code == 302 and "/sign-in" in signed_out.headers["Location"]
    national.get(UPLOAD + "/" + "A" * 32, expected_status=404)
    assert stored() == (0, 0, 0)


def test_an_administrator_loads_figures_too(client_request):
    client_request.login(factories.create_user("admin", None))
    url = preview_url(upload(client_request, csv_file([["gwent", "baseline", "charges", "4"]])))
    client_request.post(url, confirm_data(client_request.get(url)))
    assert outcomes.baseline(db.session, factories.force("gwent")) == {"charges": 4}


def test_cancelling_forgets_the_file(national):
    url = preview_url(upload(national, csv_file([["durham", label(LATEST), "charges", "4"]])))
    response = national.post(url + "/cancel")
    assert response.headers["Location"] == UPLOAD
    assert "Loading figures.csv cancelled: no figures were changed." in national.get(UPLOAD).get_text()
    national.get(url, expected_status=404)
    assert stored() == (0, 0, 0)


def test_a_file_for_every_force_and_twelve_quarters_previews_pages_and_loads(national):
    forces = db.session.scalars(select(Force.code).order_by(Force.code)).all()
    assert len(forces) == 43
    quarters, quarter = [], LATEST
    for _ in range(12):
        quarters.append(quarter)
        quarter = quarter.preceding
    rows = [[code, label(q), measure, value] for code in forces for q in quarters for measure, value in TYPED.items()]
    assert len(rows) == 4128

    url = preview_url(upload(national, csv_file(rows)))
    page = national.get(url)
    assert summary(page, "#counts") == {"Forces": "43", "Quarters": "12", "New figures": "4,128",
                                        "Changed figures": "0", "Unchanged figures": "0"}
    assert len(table_rows(page, "#changes")) == 200
    assert page.select_one("#changes caption").get_text(strip=True) == "What will change (1 to 200 of 4,128)"
    last_page = national.get(url + "?page=21")
    assert len(table_rows(last_page, "#changes")) == 128
    assert table_rows(last_page, "#changes")[-1][:4] == [str(len(rows) + 1), "Wiltshire", label(quarters[-1]),
                                                         "Victims' phones returned within 24 hours"]

    national.post(url, confirm_data(page))
    assert db.session.scalar(select(func.count()).select_from(OutcomeFigure)) == 4128
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "outcomes.figures_saved")) == 43 * 12
