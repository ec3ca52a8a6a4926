"""An owner follows the link in a real reminder email, signs in and lands on the action;
pauses reminders; the programme manager reads the ledger. Every page checked with axe."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from improvement_tracker import scheduler
from tests import factories
from tests.browser.conftest import sign_in
from tests.browser.conftest import visit_checked as checked
from tests.conftest import make_app

pytestmark = pytest.mark.browser


def test_owner_follows_a_reminder_link_and_pauses_reminders(page, live_server, smtp_server, tmp_path,
                                                           database_url):
    handler, port = smtp_server
    mail_app = make_app(str(tmp_path), database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=port, BASE_URL=live_server)
    owner = factories.create_user("action_owner", email="olive@example.police.uk", name="Olive Owner")
    pm = factories.create_user("programme_manager", name="Pat Manager")
    today = date.today()
    factories.create_action(owner, reference="AS-P1-01-A", title="Train investigators",
                            due=today + timedelta(days=7))
    run_day = today if today.weekday() < 5 else today + timedelta(days=7 - today.weekday())
    scheduler.daily_reminders(mail_app, run_day)

    [message] = handler.to("olive@example.police.uk")
    text = message.get_body(("plain",)).get_content()
    link = re.search(rf"{re.escape(live_server)}/actions/\d+", text).group(0)

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(link)
    assert "/sign-in" in page.url
    page.get_by_label("Email address").fill(owner.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(link)
    expect(page.locator("h1")).to_have_text("Train investigators")
    expect(page.locator("#reminders + .app-table-scroll table")).to_contain_text("Due in")
    checked(page, "owner-action-from-email-phone")

    page.goto("/notifications")
    page.get_by_role("group", name="Pause reminders until (optional)").get_by_label("Day").fill("1")
    page.get_by_role("group", name="Pause reminders until (optional)").get_by_label("Month").fill("1")
    page.get_by_role("group", name="Pause reminders until (optional)").get_by_label("Year").fill("2001")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    checked(page, "owner-preferences-error")
    later = today + timedelta(days=30)
    group = page.get_by_role("group", name="Pause reminders until (optional)")
    group.get_by_label("Day").fill(str(later.day))
    group.get_by_label("Month").fill(str(later.month))
    group.get_by_label("Year").fill(str(later.year))
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("main")).to_contain_text("Your email preferences have been saved")
    checked(page, "owner-preferences")

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, pm)
    page.get_by_role("link", name="Force plan", exact=True).click()
    page.get_by_role("link", name="Reminders sent for this plan").click()
    expect(page.locator("main table")).to_contain_text("Olive Owner")
    checked(page, "pm-reminders-ledger")


def test_admin_reminder_settings_and_failed_emails(page):
    admin = factories.create_user("admin", None)
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Reminder settings").click()
    page.get_by_label("Due soon: days before the due date").fill("30, seven")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter whole numbers of days")
    checked(page, "admin-reminder-settings-error")
    page.goto("/admin/outbox")
    expect(page.locator("h1")).to_have_text("Emails that could not be sent")
    checked(page, "admin-outbox")


def test_admin_sees_a_late_job_on_a_phone(page):
    from improvement_tracker import jobs
    from improvement_tracker.extensions import db
    from improvement_tracker.jobs import runs
    from improvement_tracker.models._types import utcnow
    from tests.browser.test_reflow_browser import assert_no_sideways_scroll

    with jobs.transactions(db.session)() as session:
        runs.scheduler_started(session, now=utcnow() - timedelta(days=3))
        run = runs.start(session, "daily_reminders", now=utcnow() - timedelta(days=3))
        runs.finish(session, run, counts={"emails_queued": 12, "emails_sent": 12})
        runs.finish(session, runs.start(session, "daily_snapshot"), error=ValueError("a very long reason " * 8))
    admin = factories.create_user("admin", None)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, admin)
    page.goto("/admin/")
    page.get_by_role("link", name="Scheduled jobs").click()
    expect(page.locator("h1")).to_have_text("Scheduled jobs")
    expect(page.locator("#job-daily_reminders")).to_contain_text("Late")
    expect(page.locator("#job-daily_snapshot")).to_contain_text("Failed")
    assert_no_sideways_scroll(page, "the scheduled jobs page")
    checked(page, "admin-scheduler-phone")
