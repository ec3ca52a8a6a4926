"""The foundation's journey in a real browser: sign in, record a finding, make an action,
the owner works it, a second person signs it off. Every page is checked with axe and for
console errors (a CSP violation shows up there)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import sign_in, visit_checked

pytestmark = pytest.mark.browser


def test_finding_to_sign_off_in_the_browser(page):
    pm = factories.create_user("programme_manager", name="Priya Manager")
    owner = factories.create_user("action_owner", name="Owen Owner")
    due = date.today() + timedelta(days=60)

    sign_in(page, pm)
    expect(page.locator("h1")).to_have_text("To do")  # their start page; the plan is in the navigation
    page.get_by_role("link", name="Force plan", exact=True).click()
    expect(page.locator("h1")).to_have_text("Avon and Somerset")
    visit_checked(page, "pm-force-plan")

    page.get_by_role("button", name="Record a deep dive").click()
    page.get_by_role("button", name="Save deep dive").click()  # empty: errors first
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    visit_checked(page, "pm-deep-dive-errors")
    page.get_by_label("Title").fill("Soteria deep dive")
    page.get_by_label("Period").fill("2021 to 2022")
    page.get_by_label("Lead").fill("Academic team")
    page.get_by_role("button", name="Save deep dive").click()
    visit_checked(page, "pm-deep-dive")

    page.get_by_role("button", name="Add a finding").click()
    page.get_by_label("Pillar").select_option(label="P1 Suspect-focused investigations")
    page.get_by_label("Reference").fill("AS-P1-01")
    page.get_by_label("Cause of concern").check()
    page.get_by_label("Title").fill("Investigations test the victim's credibility")
    visit_checked(page, "pm-finding-form")
    page.get_by_role("button", name="Save finding").click()
    page.get_by_role("button", name="Create an action for this finding").click()
    page.get_by_label("Title").fill("Train investigators in suspect-focused work")
    page.get_by_label("Owner").select_option(label=f"Owen Owner ({owner.email})")
    due_fieldset = page.get_by_role("group", name="Due date")
    due_fieldset.get_by_label("Day").fill(str(due.day))
    due_fieldset.get_by_label("Month").fill(str(due.month))
    due_fieldset.get_by_label("Year").fill(str(due.year))
    visit_checked(page, "pm-action-form")
    page.get_by_role("button", name="Save action").click()
    expect(page.locator("h1")).to_have_text("Train investigators in suspect-focused work")
    action_url = page.url

    page.get_by_role("button", name="Add a milestone").click()
    page.get_by_label("Milestone").fill("Course designed")
    page.get_by_role("button", name="Save milestone").click()
    visit_checked(page, "pm-action")

    sign_in(page, owner)
    expect(page.locator("h1")).to_have_text("My actions")
    visit_checked(page, "owner-my-actions")
    page.get_by_role("link", name="Train investigators").click()
    page.get_by_role("button", name="Start work").click()
    page.get_by_role("button", name="Start work").click()
    page.get_by_role("button", name="Mark as done").click()
    page.get_by_role("button", name="Add a progress update").click()
    page.get_by_label("What has happened since the last update?").fill("First cohort trained.")
    page.get_by_role("button", name="Save update").click()
    page.get_by_role("button", name="Ask for sign-off").click()
    visit_checked(page, "owner-ask-sign-off")
    page.get_by_role("button", name="Ask for sign-off").click()
    expect(page.locator("main")).to_contain_text("Awaiting sign-off")
    visit_checked(page, "owner-action")

    sign_in(page, pm)
    page.goto(action_url)
    page.get_by_role("button", name="Sign off as complete").click()
    page.get_by_label("Why is no evidence needed?").fill("Training records seen at the board.")
    page.get_by_role("button", name="Sign off as complete").click()
    expect(page.locator(".govuk-tag", has_text="Complete").first).to_be_visible()
    page.get_by_role("link", name="See the full history of this action").click()
    expect(page.locator("main")).to_contain_text("Sign off as complete")
    visit_checked(page, "pm-history")
