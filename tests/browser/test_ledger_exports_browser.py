"""Issue 16, in a real browser at 1280 and 390 px: the reminders ledger reads plainly and filters
without JavaScript; the import preview keeps the file's SHA-256 behind "Details of the file"; an
action owner on a page of their own force meant for its managers is told where their actions are.
Every page is checked with axe and for console errors, and screenshotted."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from improvement_tracker import scheduler
from tests import factories
from tests import import_sheets as sheets
from tests.browser.conftest import expect_errors, forget_http_error, sign_in, visit_checked
from tests.browser.test_reflow_browser import assert_no_sideways_scroll
from tests.conftest import make_app

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LEDGER = "/forces/avon-and-somerset/reminders"
RUN_DAY = date(2027, 3, 3)  # a Wednesday


@pytest.fixture
def reminded(smtp_server, tmp_path, database_url):
    """A daily run whose emails were sent: the owner's action is 20 days overdue and its milestone due in
    7 days; the programme manager is told of the escalation."""
    _, port = smtp_server
    mail_app = make_app(str(tmp_path), database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    owner = factories.create_user("action_owner", name="Olive Owner")
    pm = factories.create_user("programme_manager", name="Pat Manager")
    action = factories.create_action(owner, reference="AS-P1-01-A", title="Train investigators in suspect-focused "
                                     "investigation", due=RUN_DAY - timedelta(days=20))
    factories.create_milestone(action, "Course designed", due=RUN_DAY + timedelta(days=7))
    scheduler.daily_reminders(mail_app, RUN_DAY)
    return {"owner": owner, "pm": pm}


def _reference_on_one_line(page) -> None:
    """The reference is never broken: one line, however narrow its column."""
    link = page.locator("main tbody a.app-nowrap").first
    expect(link).to_have_text("AS-P1-01-A")
    assert link.evaluate("a => getComputedStyle(a).whiteSpace") == "nowrap"
    assert link.evaluate("a => a.getClientRects().length") == 1


def test_the_ledger_reads_plainly_and_filters_at_both_sizes(page, reminded):
    page.set_viewport_size(DESKTOP)
    sign_in(page, reminded["pm"])
    page.goto("/forces/avon-and-somerset")
    page.get_by_role("link", name="Reminders sent for this plan").click()
    table = page.locator("main table")
    expect(table).to_contain_text("20 days overdue")
    expect(table).to_contain_text("Due in 7 days")
    expect(table).to_contain_text("Escalated to programme managers: 20 days overdue")
    expect(table).to_contain_text("Train investigators in suspect-focused investigation")
    expect(table.locator(".govuk-tag", has_text="Milestone")).to_have_count(1)
    expect(table).not_to_contain_text("Due soon (")
    _reference_on_one_line(page)
    visit_checked(page, "ledger-desktop")

    page.get_by_label("Kind of reminder").select_option(label="Escalated to programme managers")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"kind=escalation"))
    expect(page.get_by_label("Kind of reminder")).to_have_value("escalation")
    expect(page.locator("main tbody tr")).to_have_count(1)
    expect(page.locator("#ledger-count")).to_contain_text("1 reminder matches these filters")
    visit_checked(page, "ledger-filtered-desktop")

    dates = page.get_by_role("group", name="From date")
    dates.get_by_label("Day").fill("31")
    dates.get_by_label("Month").fill("2")
    dates.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Apply filters").click()
    expect_errors(page, "From date must be a real date, like 27 3 2026")
    expect(page.get_by_label("Kind of reminder")).to_have_value("escalation")  # kept
    visit_checked(page, "ledger-date-error-desktop")

    page.set_viewport_size(PHONE)
    page.goto(f"{LEDGER}?person={reminded['owner'].id}")
    expect(page.get_by_label("Who was reminded")).to_have_value(str(reminded["owner"].id))
    expect(page.locator("main tbody tr")).to_have_count(2)
    _reference_on_one_line(page)
    assert_no_sideways_scroll(page, "the reminders ledger")
    visit_checked(page, "ledger-phone")


def test_the_ledger_filters_without_javascript(browser, live_server, reminded):
    context = browser.new_context(base_url=live_server, viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, reminded["pm"])
        page.goto(LEDGER)
        page.get_by_label("Who was reminded").select_option(label="Olive Owner")
        page.get_by_label("Email").select_option(label="Sent")
        page.get_by_role("button", name="Apply filters").click()
        expect(page.locator("main tbody tr")).to_have_count(2)
        expect(page.get_by_label("Who was reminded")).to_have_value(str(reminded["owner"].id))
        expect(page.get_by_label("Email")).to_have_value("sent")
        with page.expect_download() as download:
            page.get_by_role("link", name="Excel (XLSX)").click()
        assert download.value.suggested_filename.startswith("avon-and-somerset-reminders-")
    finally:
        context.close()


def test_the_import_preview_keeps_the_files_sha256_in_details(page, tmp_path):
    pm = factories.create_user("programme_manager", name="Priya Manager")
    factories.create_user("action_owner", name="Olive Owner", email="olive.owner@example.police.uk")
    data = sheets.filled_template(actions=[sheets.action("AS-P1-01-A", "olive.owner@example.police.uk",
                                                         pillar="P1", due_date="31/03/2027")])
    sha256 = hashlib.sha256(data).hexdigest()
    upload = tmp_path / "Our plan.xlsx"
    upload.write_bytes(data)
    for size, name in ((DESKTOP, "import-preview-details-desktop"), (PHONE, "import-preview-details-phone")):
        page.set_viewport_size(size)
        sign_in(page, pm)
        page.goto("/forces/avon-and-somerset/import")
        page.get_by_label("Upload your spreadsheet").set_input_files(str(upload))
        page.get_by_role("button", name="Upload and check").click()
        expect(page.locator("h1")).to_have_text("Check your import")
        fingerprint = page.locator("#file-details code")
        expect(fingerprint).to_be_hidden()
        page.get_by_text("Details of the file").click()
        expect(fingerprint).to_be_visible()
        assert fingerprint.inner_text().replace("\n", "").replace(" ", "") == sha256
        reference = page.locator("#first-rows .app-nowrap")
        expect(reference).to_have_text("AS-P1-01-A")
        assert reference.evaluate("r => r.getClientRects().length") == 1  # never broken across lines
        if size is PHONE:
            assert_no_sideways_scroll(page, "the import preview")
        visit_checked(page, name)
        page.get_by_role("button", name="Cancel the import").click()


def test_an_action_owner_is_told_where_their_actions_are(page):
    owner = factories.create_user("action_owner", name="Olive Owner")
    factories.create_action(owner, reference="AS-P1-01-A", title="Train investigators")
    for size, path, name in ((DESKTOP, "/forces/avon-and-somerset", "owner-force-plan-403-desktop"),
                             (PHONE, "/forces/avon-and-somerset/dashboard", "owner-dashboard-403-phone"),
                             (DESKTOP, "/forces/avon-and-somerset/evidence", "owner-evidence-403-desktop")):
        page.set_viewport_size(size)
        sign_in(page, owner)
        response = page.goto(path)
        assert response.status == 403
        expect(page.locator("h1")).to_have_text("This page is for your force's programme managers")
        expect(page.locator("main")).to_contain_text("You can see your actions in My actions")
        forget_http_error(page, 403)
        visit_checked(page, name)
        page.locator("main").get_by_role("link", name="My actions").click()
        expect(page).to_have_url(re.compile(r"/my-actions$"))
        expect(page.locator("main")).to_contain_text("AS-P1-01-A")

    response = page.goto("/forces/durham")  # another force's plan: still not found
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    forget_http_error(page, 404)
