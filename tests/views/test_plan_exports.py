"""The plan's lists download as CSV and XLSX: scoped, filtered like the page, and safe to open."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from openpyxl import load_workbook

from improvement_tracker.services import clock
from tests import factories

EVIL = '=HYPERLINK("http://evil.example","click")'


def _csv(response) -> list[list[str]]:
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _xlsx(response) -> list[list]:
    assert "attachment;" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_force_plan_export_follows_the_filters_and_neutralises_formulas(client_request):
    pm = factories.create_user("programme_manager")
    owner = factories.create_user("action_owner", name="@owner")
    late = clock.today() - timedelta(days=3)
    factories.create_action(owner, reference="AS-1", title=EVIL, due=late)
    factories.create_action(owner, reference="AS-2", title="On time", due=clock.today() + timedelta(days=30))
    factories.create_action(factories.create_user("action_owner", "durham"), reference="DUR-1", title="Durham's")
    client_request.login(pm)

    rows = _csv(client_request.client.get("/forces/avon-and-somerset/plan.csv"))
    assert rows[0][:3] == ["Reference", "Title", "Pillar"]
    assert sorted(r[0] for r in rows[1:]) == ["AS-1", "AS-2"]
    evil_row = next(r for r in rows if r[0] == "AS-1")
    assert evil_row[1] == "'" + EVIL and evil_row[4] == "'@owner"
    assert evil_row[7] == "Red" and evil_row[12] == late.isoformat()

    rows = _xlsx(client_request.client.get("/forces/avon-and-somerset/plan.xlsx?overdue=y"))
    assert [r[0] for r in rows[1:]] == ["AS-1"]
    assert rows[1][1] == "'" + EVIL
    assert rows[1][12].date() == late


def test_a_programme_manager_cannot_export_another_forces_plan(client_request):
    client_request.login(factories.create_user("programme_manager"))
    assert client_request.client.get("/forces/durham/plan.csv").status_code == 404
    assert client_request.client.get("/forces.csv").status_code == 404


def test_my_actions_export_lists_only_my_open_actions(client_request):
    owner = factories.create_user("action_owner")
    factories.create_action(owner, reference="MINE", due=clock.today())
    factories.create_action(owner, reference="DONE", status="complete")
    factories.create_action(factories.create_user("action_owner"), reference="THEIRS")
    client_request.login(owner)
    rows = _xlsx(client_request.client.get("/my-actions.xlsx"))
    assert [r[0] for r in rows[1:]] == ["MINE"]


def test_oversight_exports_the_forces_table(client_request):
    factories.create_action(factories.create_user("action_owner"), reference="A", status="complete")
    client_request.login(factories.create_user("oversight", None))
    rows = _csv(client_request.client.get("/forces.csv"))
    assert len(rows) == 1 + 43
    avon = next(r for r in rows if r[1] == "avon-and-somerset")
    assert avon[4:7] == ["1", "1", "100"]


def test_evidence_awaiting_review_export(client_request):
    from tests import files

    pm = factories.create_user("programme_manager")
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner, reference="AS-E")
    factories.create_evidence(action, owner, files.pdf(), "=cmd.pdf")
    client_request.login(pm)
    rows = _csv(client_request.client.get("/forces/avon-and-somerset/evidence.csv"))
    assert rows[1][0] == "AS-E" and rows[1][2] == "'=cmd.pdf"
    assert client_request.client.get("/forces/durham/evidence.csv").status_code == 404


def test_reminders_ledger_export(app, client_request, smtp_server, tmp_path, database_url):
    from improvement_tracker import scheduler
    from tests.conftest import make_app

    _, port = smtp_server
    mail_app = make_app(str(tmp_path), database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    owner = factories.create_user("action_owner", name="Olive Owner")
    factories.create_action(owner, reference="AS-R", due=date(2027, 3, 10))
    scheduler.daily_reminders(mail_app, date(2027, 3, 3))
    client_request.login(factories.create_user("programme_manager"))
    rows = _xlsx(client_request.client.get("/forces/avon-and-somerset/reminders.xlsx"))
    assert rows[1][1:8] == ["Olive Owner", owner.email, "AS-R", "Train investigators in suspect-focused investigation",
                            None, "Due in 7 days", "Sent"]
    assert client_request.client.get("/forces/durham/reminders.csv").status_code == 404


def _sheet(response):
    assert response.status_code == 200 and "attachment;" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data)).worksheets[0]  # not read-only: styles and views


def test_the_force_plan_xlsx_looks_finished(client_request):
    """Bold, frozen header; a filter on every column; widths from the content, capped; the sheet
    named within Excel's limit at a word boundary; dates as dates and numbers as numbers."""
    owner = factories.create_user("action_owner", name="Olive Owner")
    late = clock.today() - timedelta(days=3)
    factories.create_action(owner, reference="AS-P1-01-A", title="Train investigators " * 9, due=late)
    factories.create_action(owner, reference="AS-P1-01-B", title="=1+2", due=clock.today() + timedelta(days=9))
    client_request.login(factories.create_user("programme_manager"))
    sheet = _sheet(client_request.client.get("/forces/avon-and-somerset/plan.xlsx"))
    headers = [c.value for c in sheet[1]]
    assert len(sheet.title) <= 31 and sheet.title == "Avon and Somerset plan"
    assert all(c.font.b for c in sheet[1]) and not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    last = sheet.cell(row=1, column=len(headers)).column_letter
    assert sheet.auto_filter.ref == f"A1:{last}3"
    widths = {h: sheet.column_dimensions[sheet.cell(row=1, column=i + 1).column_letter].width
              for i, h in enumerate(headers)}
    assert widths["Title"] == 60  # the long title, capped
    assert len("AS-P1-01-A") < widths["Reference"] < 20  # as wide as its content
    assert widths["Pillar"] >= len("Pillar") and all(8 <= w <= 60 for w in widths.values())
    row = {h: sheet.cell(row=2, column=i + 1) for i, h in enumerate(headers)}
    assert row["Current due date"].is_date and row["Current due date"].value.date() == late
    assert row["Days overdue"].value == 3 and row["Days overdue"].data_type == "n"
    assert row["Evidence accepted"].value == 0 and row["Evidence accepted"].data_type == "n"
    assert sheet.cell(row=3, column=2).value == "'=1+2"  # formulas still neutralised


def test_the_force_plan_export_has_the_latest_update_days_overdue_and_evidence(client_request):
    from improvement_tracker.extensions import db
    from improvement_tracker.services import evidence, status
    from tests import files

    pm = factories.create_user("programme_manager")
    owner = factories.create_user("action_owner", name="Olive Owner")
    late = factories.create_action(owner, reference="AS-1", due=clock.today() - timedelta(days=12))
    factories.create_action(owner, reference="AS-2", due=clock.today() + timedelta(days=5))
    factories.create_action(owner, reference="AS-3", due=clock.today() - timedelta(days=40), status="complete")
    status.add_progress_update(db.session, late, "Course booked", actor=owner)
    db.session.commit()
    status.add_progress_update(db.session, late, "First cohort trained", actor=owner)
    db.session.commit()
    accepted = factories.create_evidence(late, owner, files.pdf("one"), "one.pdf")
    factories.create_evidence(late, owner, files.pdf("two"), "two.pdf")
    withdrawn = factories.create_evidence(late, owner, files.pdf("three"), "three.pdf")
    evidence.review(db.session, accepted, "accepted", "", actor=pm)
    evidence.withdraw(db.session, withdrawn, "Wrong file", actor=owner)
    db.session.commit()
    client_request.login(pm)

    rows = _csv(client_request.client.get("/forces/avon-and-somerset/plan.csv"))
    headers = rows[0]
    assert headers[-7:] == ["Completed date", "Days overdue", "Latest update", "Latest update date",
                            "Evidence accepted", "Evidence awaiting review", "National commitment"]
    by_reference = {r[0]: dict(zip(headers, r, strict=True)) for r in rows[1:]}
    assert by_reference["AS-1"]["Days overdue"] == "12"
    assert by_reference["AS-1"]["Latest update"] == "First cohort trained"
    assert by_reference["AS-1"]["Latest update date"] == clock.today().isoformat()
    assert (by_reference["AS-1"]["Evidence accepted"], by_reference["AS-1"]["Evidence awaiting review"]) == ("1", "1")
    for reference in ("AS-2", "AS-3"):  # not overdue (AS-3 is finished): blank; no update, no evidence
        assert by_reference[reference]["Days overdue"] == ""
        assert by_reference[reference]["Latest update"] == ""
        assert (by_reference[reference]["Evidence accepted"], by_reference[reference]["Evidence awaiting review"]) == (
            "0", "0")

    sheet = _sheet(client_request.client.get("/forces/avon-and-somerset/plan.xlsx?overdue=y"))
    headers = [c.value for c in sheet[1]]
    row = {h: sheet.cell(row=2, column=i + 1) for i, h in enumerate(headers)}
    assert row["Reference"].value == "AS-1" and row["Days overdue"].value == 12
    assert row["Latest update date"].is_date and row["Latest update date"].value.date() == clock.today()
    assert (row["Evidence accepted"].value, row["Evidence awaiting review"].value) == (1, 1)
