"""The force programme manager's journey in a real browser, by clicking and typing: sign in, add a
finding to a deep dive, create an action with an owner and two milestones, import a small
spreadsheet plan, review the evidence an owner uploaded, sign off an action, open the force
dashboard and export the plan as CSV. Every page it reaches, and an error state of every form it
submits, is checked with axe and for console errors (CSP violations show up there)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests import import_sheets as sheets
from tests.browser.conftest import expect_errors, visit_checked

pytestmark = pytest.mark.browser

FINDING = "Investigators lack specialist training in sexual offending"
ACTION = "Specialist learning pathway for RASSO investigators"


def checked(page, step: str, charts: int = 0) -> None:
    visit_checked(page, f"pm-journey-{step}", charts)


def fill_date(page, legend: str, when: date | tuple[str, str, str]) -> None:
    day, month, year = (str(when.day), str(when.month), str(when.year)) if isinstance(when, date) else when
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_programme_manager_journey(page):
    today = date.today()
    pm = factories.create_user("programme_manager", name="Priya Manager")
    owner = factories.create_user("action_owner", name="Owen Owner")
    factories.create_deep_dive(title="Operation Soteria deep dive")
    # An action its owner has finished, with evidence waiting for review.
    waiting = factories.create_action(owner, pillar_code="P3", reference="AS-P3-01-A", status="awaiting_sign_off",
                                      title="Tell victims how their case is progressing",
                                      due=today + timedelta(days=20))
    factories.create_evidence(waiting, owner, name="victim-letters.pdf", description="Template letters to victims")
    plan_xlsx = sheets.filled_template(
        deep_dives=[sheets.deep_dive()],
        findings=[sheets.finding("AS-P5-01", pillar="P5", title="No strategic analysis of recorded rapes")],
        actions=[
            sheets.action("AS-P5-01-A", owner.email, finding="AS-P5-01", title="Monthly RASSO problem profile",
                          due_date="31/03/2027"),
            sheets.action("AS-P5-01-B", "nia.new@example.police.uk", owner_name="Nia New", finding="AS-P5-01",
                          title="Recruit a RASSO analyst", due_date="30/06/2027"),
        ],
        milestones=[sheets.milestone("AS-P5-01-A", "First profile to the board", due_date="31/12/2026")],
    )

    # Sign in: a wrong password first.
    page.goto("/sign-in")
    checked(page, "sign-in")
    page.get_by_label("Email address").fill(pm.email)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect_errors(page, "Enter a correct email address and password")
    expect(page.get_by_label("Email address")).to_have_value(pm.email)
    checked(page, "sign-in-error")
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("To do")  # their start page
    expect(page.locator(".govuk-task-list")).to_contain_text("Evidence to review")
    checked(page, "todo")
    page.get_by_role("link", name="Force plan", exact=True).click()
    expect(page.locator("h1")).to_have_text("Avon and Somerset")
    checked(page, "force-plan")

    # A finding for the deep dive: empty first.
    page.get_by_role("link", name="Operation Soteria deep dive").click()
    checked(page, "deep-dive")
    page.get_by_role("button", name="Add a finding").click()
    page.get_by_role("button", name="Save finding").click()
    expect_errors(page, "Enter a reference, like AS-P1-03", "Select the type of finding", "Enter a title")
    checked(page, "finding-errors")
    page.get_by_label("Pillar").select_option(label="P4 Officer learning, development and wellbeing")
    page.get_by_label("Reference").fill("AS-P4-02")
    page.get_by_label("Area for improvement").check()
    page.get_by_label("Title").fill(FINDING)
    page.get_by_label("High").check()
    page.get_by_role("button", name="Save finding").click()
    expect(page.locator("h1")).to_have_text(FINDING)
    checked(page, "finding")

    # An action for it, with an owner: no title first.
    page.get_by_role("button", name="Create an action for this finding").click()
    expect(page.get_by_label("Reference")).to_have_value("AS-P4-02-A")
    page.get_by_role("button", name="Save action").click()
    expect_errors(page, "Enter a title")
    checked(page, "action-errors")
    page.get_by_label("Title").fill(ACTION)
    page.get_by_label("What does done look like? (optional)").fill("Every RASSO investigator has started it")
    page.get_by_label("Owner").select_option(label=f"Owen Owner ({owner.email})")
    fill_date(page, "Due date", today + timedelta(days=120))
    page.get_by_role("button", name="Save action").click()
    expect(page.locator("h1")).to_have_text(ACTION)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Action AS-P4-02-A created")
    checked(page, "action")

    # Two milestones: a missing title and an impossible date first.
    page.get_by_role("button", name="Add a milestone").click()
    fill_date(page, "Due date", ("31", "2", "2027"))
    page.get_by_role("button", name="Save milestone").click()
    expect_errors(page, "Enter what the milestone is", "Due date must be a real date, like 27 3 2026")
    checked(page, "milestone-errors")
    page.get_by_label("Milestone").fill("Pathway designed with the College")
    fill_date(page, "Due date", today + timedelta(days=45))
    page.get_by_role("button", name="Save and add another").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Milestone added")
    expect(page.get_by_label("Milestone")).to_have_value("")
    checked(page, "milestone-another")
    page.get_by_label("Milestone").fill("First cohort started")
    fill_date(page, "Due date", today + timedelta(days=100))
    page.get_by_role("button", name="Save milestone").click()
    milestones = page.locator("#milestones + .app-table-scroll table tbody tr")
    expect(milestones).to_have_count(2)
    expect(milestones.nth(1)).to_contain_text("First cohort started")
    checked(page, "action-with-milestones")

    # Import a small plan from a spreadsheet: no file first, then one with a new owner to confirm.
    page.get_by_role("link", name="Force plan").click()
    page.get_by_role("link", name="Import a plan from a spreadsheet").click()
    checked(page, "import")
    page.get_by_role("button", name="Upload and check").click()
    expect_errors(page, "Select a spreadsheet to import")
    checked(page, "import-error")
    with page.expect_file_chooser() as chooser:
        page.get_by_label("Upload your spreadsheet").click()
    chooser.value.set_files({"name": "plan.xlsx", "buffer": plan_xlsx,
                             "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("h1")).to_have_text("Check your import")
    checked(page, "import-preview")
    page.get_by_role("button", name="Import the plan").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select every new owner")
    expect(page.locator(".govuk-error-message", has_text="Select every new owner")).to_be_visible()
    checked(page, "import-preview-error")
    page.get_by_label("Nia New (nia.new@example.police.uk)").check()
    page.get_by_role("button", name="Import the plan").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Imported plan.xlsx")
    expect(page.get_by_role("link", name="AS-P5-01-A: Monthly RASSO problem profile")).to_be_visible()
    checked(page, "force-plan-imported")

    # Evidence waiting for review. The sign-off page offers no form until it is reviewed: the way to the review.
    page.get_by_role("link", name="Evidence awaiting review").click()
    expect(page.locator("main table")).to_contain_text("victim-letters.pdf")
    checked(page, "evidence-awaiting-review")
    page.get_by_role("link", name="AS-P3-01-A: Tell victims how their case is progressing").click()
    expect(page.locator(".govuk-tag", has_text="Awaiting sign-off").first).to_be_visible()
    checked(page, "awaiting-sign-off")
    page.get_by_role("button", name="Sign off as complete").click()
    expect(page.locator("main")).to_contain_text("1 piece of evidence is awaiting review")
    expect(page.get_by_role("button", name="Sign off as complete")).to_have_count(0)
    checked(page, "sign-off-waiting")
    page.locator("#sign-off-evidence ~ ul").get_by_role("link", name="Review victim-letters.pdf").click()
    checked(page, "review")
    page.get_by_role("button", name="Save review").click()
    expect_errors(page, "Select whether you accept or reject the evidence")
    checked(page, "review-error")
    page.get_by_label("Yes, accept it").check()
    page.get_by_role("button", name="Save review").click()
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("victim-letters.pdf accepted")
    checked(page, "evidence-accepted")
    banner.get_by_role("link", name="Sign off this action now").click()
    expect(page.locator("main")).to_contain_text("1 piece of evidence accepted")
    checked(page, "sign-off-accepted")
    page.get_by_label("Sign-off comment (optional)").fill("Letters seen at the RASSO board.")
    page.get_by_role("button", name="Sign off as complete").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("AS-P3-01-A is now complete")
    expect(page.locator(".govuk-tag", has_text="Complete").first).to_be_visible()
    checked(page, "signed-off")

    # The force dashboard, then the plan as CSV.
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator("h1")).to_have_text("Avon and Somerset")
    checked(page, "force-dashboard", charts=2)
    page.get_by_role("link", name="Force plan").first.click()
    expect(page.locator("h1")).to_have_text("Avon and Somerset")
    checked(page, "force-plan-export")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    by_reference = {row.get("Reference"): row for row in rows}
    assert ACTION in by_reference["AS-P4-02-A"].values(), by_reference.get("AS-P4-02-A")
    assert "Owen Owner" in " ".join(by_reference["AS-P4-02-A"].values())
    assert {"AS-P3-01-A", "AS-P5-01-A", "AS-P5-01-B"} <= set(by_reference)
    assert page.problems == [], page.problems
