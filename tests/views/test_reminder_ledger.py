"""A force's "Reminders sent" page and its download read plainly: why each reminder went in words,
the action's title beside its reference, milestone reminders marked, filters by kind, person, date
and email that keep what was chosen, and the same words and filters in the CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from improvement_tracker import scheduler
from improvement_tracker.extensions import db
from improvement_tracker.models import Notification, ReminderClaim, User
from improvement_tracker.services import clock, reminder_ledger
from tests import factories
from tests.conftest import error_messages, make_app

RUN_DAY = date(2027, 3, 3)  # a Wednesday
LEDGER = "/forces/avon-and-somerset/reminders"


@pytest.fixture
def sent(app, smtp_server, tmp_path, database_url):
    """One daily run, its emails sent: the owner is told their action is 20 days overdue and its
    milestone is due in 7 days; both programme managers are told of the escalation."""
    _, port = smtp_server
    mail_app = make_app(str(tmp_path), database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    owner = factories.create_user("action_owner", name="Olive Owner")
    pat = factories.create_user("programme_manager", name="Pat Manager")
    factories.create_user("programme_manager", name="Pam Manager")
    action = factories.create_action(owner, reference="AS-P1-01-A", title="Train investigators",
                                     due=RUN_DAY - timedelta(days=20))
    factories.create_milestone(action, "Course designed", due=RUN_DAY + timedelta(days=7))
    scheduler.daily_reminders(mail_app, RUN_DAY)
    return {"owner": owner, "pm": pat, "action": action}


def _rows(page) -> list[list[str]]:
    return [[cell.get_text(" ", strip=True) for cell in row.select("td")] for row in page.select("main tbody tr")]


def _boxes(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _selected(page, name: str) -> str:
    option = page.select_one(f"select[name={name}] option[selected]")
    return option["value"] if option else ""


def test_each_reminder_says_why_in_words_beside_the_actions_title(client_request, sent):
    client_request.login(sent["pm"])
    page = client_request.get(LEDGER)
    rows = _rows(page)
    about = {(r[1], r[3]) for r in rows}
    assert about == {("Olive Owner", "20 days overdue"), ("Olive Owner", "Due in 7 days"),
                     ("Pat Manager", "Escalated to programme managers: 20 days overdue"),
                     ("Pam Manager", "Escalated to programme managers: 20 days overdue")}
    text = page.select_one("main table").get_text(" ", strip=True)
    assert "Due soon (" not in text and "Overdue (" not in text and "d overdue" not in text
    # The action's reference, never broken, beside its title; a milestone's reminder says so.
    for cell in page.select("main tbody td:nth-child(3)"):
        reference = cell.select_one("a.app-nowrap")
        assert reference.get_text(strip=True) == "AS-P1-01-A"
        assert reference["href"] == f"/actions/{sent['action'].id}"
        assert "Train investigators" in cell.get_text(" ", strip=True)
    milestone = [r for r in rows if r[3] == "Due in 7 days"][0]
    assert milestone[2] == "AS-P1-01-A Train investigators Milestone Course designed"
    assert [r[2] for r in rows if r[3] == "20 days overdue"] == ["AS-P1-01-A Train investigators"]
    # The email was sent, and when.
    assert all(r[4].startswith("Sent ") and len(r[4]) > len("Sent ") for r in rows)


def test_filters_by_kind_person_and_date_keep_what_was_chosen(client_request, sent):
    owner = sent["owner"]
    client_request.login(sent["pm"])
    page = client_request.get(f"{LEDGER}?kind=escalation")
    assert {r[1] for r in _rows(page)} == {"Pat Manager", "Pam Manager"}
    assert _selected(page, "kind") == "escalation"
    assert page.select_one("#ledger-count").get_text(" ", strip=True).startswith("2 reminders match these filters")

    page = client_request.get(f"{LEDGER}?person={owner.id}")
    assert sorted(r[3] for r in _rows(page)) == ["20 days overdue", "Due in 7 days"]
    assert _selected(page, "person") == str(owner.id)
    people = [o.get_text(strip=True) for o in page.select("select[name=person] option")]
    assert people == ["Anyone", "Olive Owner", "Pam Manager", "Pat Manager"]

    # The escalations were claimed ten days before the rest: the date filter is about London days.
    today = clock.today()
    earlier = clock.start_of_london_day(today - timedelta(days=10)) + timedelta(hours=12)
    db.session.execute(update(ReminderClaim).where(ReminderClaim.kind == "escalation").values(created_at=earlier))
    db.session.commit()
    day = _boxes(today - timedelta(days=10))
    page = client_request.get(LEDGER, query_string={"sent_from": day, "sent_to": day})
    assert {r[3] for r in _rows(page)} == {"Escalated to programme managers: 20 days overdue"}
    assert [i["value"] for i in page.select("input[name=sent_from]")] == day
    page = client_request.get(LEDGER, query_string={"sent_from": _boxes(today - timedelta(days=9)), "kind": "",
                                                    "sent_to": ["", "", ""]})
    assert {r[1] for r in _rows(page)} == {"Olive Owner"}

    # Nothing matches: said so, with a way back.
    page = client_request.get(f"{LEDGER}?kind=stale")
    assert "No reminders match these filters." in page.get_text()
    assert page.select_one(f"a[href='{LEDGER}']").get_text(strip=True) == "Clear filters"


def test_a_date_that_is_not_a_date_is_shown_with_its_error_and_not_applied(client_request, sent):
    client_request.login(sent["pm"])
    page = client_request.get(LEDGER, query_string={"sent_from": ["31", "2", "2027"],
                                                    "sent_to": ["1", "1", "2001"], "kind": "overdue"})
    assert error_messages(page) == ["From date must be a real date, like 27 3 2026"]
    assert page.title.get_text(strip=True).startswith("Error: ")
    assert [a["href"] for a in page.select(".govuk-error-summary__list a")] == ["#sent_from-day"]
    assert _rows(page) == []  # "to 1 January 2001" still applies
    page = client_request.get(LEDGER, query_string={"sent_from": ["2", "3", "2027"], "sent_to": ["1", "3", "2027"]})
    assert error_messages(page) == ["To date must be the same as or after the from date"]


def test_administrators_see_sent_emails_and_can_find_the_failed_ones(client_request, sent):
    """Administrators open any force's ledger (security.force_or_404): every email, sent or not,
    with when it was sent; the Email filter picks out the sent, waiting or failed ones."""
    failed = db.session.scalar(select(ReminderClaim.notification_id).join(User, User.id == ReminderClaim.recipient_id)
                               .where(User.name == "Pam Manager"))
    db.session.execute(update(Notification).where(Notification.id == failed).values(status="failed", sent_at=None))
    db.session.commit()
    client_request.login(factories.create_user("admin", None))
    page = client_request.get(f"{LEDGER}?email=sent")
    rows = _rows(page)
    assert {r[1] for r in rows} == {"Olive Owner", "Pat Manager"} and len(rows) == 3
    assert all(r[4].startswith("Sent ") for r in rows)
    assert _selected(page, "email") == "sent"
    page = client_request.get(f"{LEDGER}?email=failed")
    assert [(r[1], r[4]) for r in _rows(page)] == [("Pam Manager", "Failed")]
    page = client_request.get(LEDGER)
    assert len(_rows(page)) == 4


def test_the_download_has_the_pages_words_and_filters(client_request, sent):
    client_request.login(sent["pm"])
    page = client_request.get(f"{LEDGER}?person={sent['owner'].id}")
    links = {a.get_text(strip=True): a["href"] for a in page.select("#ledger-count a")}
    assert links["Excel (XLSX)"] == f"{LEDGER}.xlsx?person={sent['owner'].id}"
    book = load_workbook(io.BytesIO(client_request.client.get(links["Excel (XLSX)"]).data))
    sheet = book.active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == reminder_ledger.LEDGER_HEADERS
    assert sorted(((r[3], r[4], r[5], r[6], r[7]) for r in rows[1:]), key=str) == [
        ("AS-P1-01-A", "Train investigators", "Course designed", "Due in 7 days", "Sent"),
        ("AS-P1-01-A", "Train investigators", None, "20 days overdue", "Sent")]
    assert sheet["A2"].is_date and sheet["I2"].is_date  # queued and sent: times, not text
    assert sheet.title == "Reminders sent" and sheet.freeze_panes == "A2"

    rows = list(csv.reader(io.StringIO(client_request.client.get(f"{LEDGER}.csv?kind=escalation")
                                       .data.decode("utf-8-sig"))))
    assert {r[6] for r in rows[1:]} == {"Escalated to programme managers: 20 days overdue"} and len(rows) == 3


@pytest.mark.parametrize(("kind", "threshold", "label", "said"), [
    ("assignment", "assigned", "You are now the owner of this action", "Made the owner of the action"),
    ("due_soon", "30d before", "Due in 30 days (2 April 2027)", "Due in 30 days"),
    ("due_soon", "7d before", "Due in 9 days (12 March 2027) (milestone: Course designed)", "Due in 9 days"),
    ("due_soon", "1d before", "", "Due tomorrow"),
    ("overdue", "2d overdue", "2 days overdue (was due 1 March 2027)", "2 days overdue"),
    ("overdue", "1d overdue", "", "1 day overdue"),
    ("escalation", "14d overdue", "", "Escalated to programme managers: 14 days overdue"),
    ("stale", "28d silent", "No progress update for 30 days", "No progress update for 30 days"),
    ("return_due", "5", "Avon and Somerset Q2 2026-27 return: Due in 5 working days (21 October 2026)",
     "Quarterly return due"),
])
def test_why_a_reminder_went_in_words(kind, threshold, label, said):
    assert reminder_ledger.why(kind, threshold, label) == said


def test_the_pages_of_a_filtered_ledger_keep_the_filters(app, client_request, sent, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    client_request.login(sent["pm"])
    page = client_request.get(f"{LEDGER}?person={sent['owner'].id}")
    assert len(_rows(page)) == 1
    pages = [a["href"] for a in page.select(".govuk-pagination a")]
    assert f"{LEDGER}?page=2&person={sent['owner'].id}" in pages
    second = client_request.get(f"{LEDGER}?page=2&person={sent['owner'].id}")
    assert [r[1] for r in _rows(second)] == ["Olive Owner"] and _selected(second, "person") == str(sent["owner"].id)
    assert {r[3] for r in _rows(page) + _rows(second)} == {"20 days overdue", "Due in 7 days"}
