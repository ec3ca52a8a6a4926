"""The action owner's journey in a real browser: open the link in a real reminder email (taken
from the SMTP capture), sign in, add a progress update, tick off a milestone, upload evidence
and ask for sign-off. On a desktop and on a phone with the mouse, and on a desktop with the
keyboard alone (Tab, Shift+Tab, Enter, Space and typing), where focus must be visible at every
stop. Every page and every error state is checked with axe and for console errors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from improvement_tracker import scheduler
from tests import factories, files
from tests.browser.conftest import expect_errors, visit_checked
from tests.browser.keyboard import assert_focus_visible, focus_state, intercept_file_choosers, tab_to, type_into
from tests.conftest import make_app

pytestmark = pytest.mark.browser

EVIDENCE = files.pdf("Attendance register, first cohort")
MARK_DONE = re.compile(r"^Mark as done\W+Course designed$")  # the milestone is in hidden text
UPDATE = "Course content agreed with the College of Policing; first cohort booked."


@dataclass
class Journey:
    action_id: int
    link: str
    owner: object
    reference: str = "AS-P1-01-A"
    title: str = "Train investigators in suspect-focused work"


def owner_with_a_reminder(live_server, smtp_server, tmp_path, database_url) -> Journey:
    """An owner with an action due in a week, and the reminder email the scheduler sent them."""
    handler, port = smtp_server
    mail_app = make_app(str(tmp_path), database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                        BASE_URL=live_server)
    owner = factories.create_user("action_owner", email="olive.owner@example.police.uk", name="Olive Owner")
    today = date.today()
    action = factories.create_action(owner, reference="AS-P1-01-A", status="in_progress",
                                     title="Train investigators in suspect-focused work",
                                     due=today + timedelta(days=7))
    factories.create_milestone(action, "Course designed", due=today + timedelta(days=3))
    factories.create_milestone(action, "First cohort trained", due=today + timedelta(days=7))
    run_day = today if today.weekday() < 5 else today + timedelta(days=7 - today.weekday())
    scheduler.daily_reminders(mail_app, run_day)

    [message] = handler.to(owner.email)
    text = message.get_body(("plain",)).get_content()
    link = re.search(rf"{re.escape(live_server)}/actions/\d+", text).group(0)
    assert link.endswith(f"/actions/{action.id}")
    return Journey(action.id, link, owner)


def expect_awaiting_sign_off(page, journey: Journey) -> None:
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{journey.reference} is now awaiting sign-off")
    expect(page.locator(".govuk-tag", has_text="Awaiting sign-off").first).to_be_visible()
    evidence = page.locator("#evidence + .app-table-scroll table")
    expect(evidence).to_contain_text("register.pdf")
    expect(evidence).to_contain_text("Milestone: Course designed")
    expect(page.locator("#updates ~ ol")).to_contain_text(UPDATE)


@pytest.mark.parametrize("device, viewport", [
    ("desktop", {"width": 1280, "height": 900}),
    ("phone", {"width": 390, "height": 844}),
], ids=["desktop", "phone"])
def test_owner_journey_from_a_reminder_email(page, live_server, smtp_server, tmp_path, database_url,
                                             device, viewport):
    journey = owner_with_a_reminder(live_server, smtp_server, tmp_path, database_url)
    step = f"owner-journey-{device}"
    page.set_viewport_size(viewport)

    # The link in the email, opened signed out: the sign-in page, then the action.
    page.goto(journey.link)
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    visit_checked(page, f"{step}-sign-in")
    page.get_by_label("Email address").fill(journey.owner.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(journey.link)
    expect(page.locator("h1")).to_have_text(journey.title)
    visit_checked(page, f"{step}-action")

    # A progress update: empty first, then written.
    page.get_by_role("button", name="Add a progress update").click()
    page.get_by_role("button", name="Save update").click()
    expect_errors(page, "Enter what has happened since the last update")
    visit_checked(page, f"{step}-update-error")
    page.get_by_label("What has happened since the last update?").fill(UPDATE)
    page.get_by_role("button", name="Save update").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Progress update added")

    # Tick off the first milestone.
    page.get_by_role("button", name=MARK_DONE).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Milestone completed: Course designed")
    expect(page.locator("#milestones + .app-table-scroll table tbody tr").first).to_contain_text("Done")
    visit_checked(page, f"{step}-milestone-done")

    # Evidence: nothing chosen first, then a PDF through the file chooser.
    page.get_by_role("link", name="Upload evidence").click()
    visit_checked(page, f"{step}-upload")
    page.get_by_role("button", name="Upload evidence").click()
    expect_errors(page, "Select a file to upload", "Enter a short description of the evidence")
    visit_checked(page, f"{step}-upload-error")
    with page.expect_file_chooser() as chooser:
        page.get_by_label("Upload files").click()
    chooser.value.set_files({"name": "register.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE})
    page.get_by_label("Describe the evidence").fill("Attendance register for the first cohort")
    page.get_by_label("Which milestone is it for? (optional)").select_option(label="Course designed")
    page.get_by_role("button", name="Upload evidence").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("1 file uploaded")
    visit_checked(page, f"{step}-evidence-uploaded")

    # Ask for sign-off.
    page.get_by_role("button", name="Ask for sign-off").click()
    visit_checked(page, f"{step}-ask-sign-off")
    page.get_by_label("What has been done? (optional)").fill("Register attached.")
    page.get_by_role("button", name="Ask for sign-off").click()
    expect_awaiting_sign_off(page, journey)
    visit_checked(page, f"{step}-awaiting-sign-off")


def test_owner_journey_with_the_keyboard_only(page, live_server, smtp_server, tmp_path, database_url):
    """No clicks and no fills: Tab and Shift+Tab to each control, Enter or Space, and typing."""
    journey = owner_with_a_reminder(live_server, smtp_server, tmp_path, database_url)
    step = "owner-journey-keyboard"
    keys = page.keyboard
    intercept_file_choosers(page)

    page.goto(journey.link)  # the owner opens the link in their email
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    visit_checked(page, f"{step}-sign-in")
    type_into(page, page.get_by_label("Email address"), journey.owner.email)
    type_into(page, page.get_by_label("Password", exact=True), factories.PASSWORD)
    tab_to(page, page.get_by_role("button", name="Sign in"))
    keys.press("Enter")
    page.wait_for_url(journey.link)
    expect(page.locator("h1")).to_have_text(journey.title)
    visit_checked(page, f"{step}-action")

    # The skip link is the first stop, and takes focus past the header to the content.
    tab_to(page, page.get_by_role("link", name="Skip to main content"), max_tabs=1)
    keys.press("Enter")
    expect(page.locator("main")).to_be_focused()
    tab_to(page, page.get_by_role("button", name="Add a progress update"))
    keys.press("Enter")

    # Saved empty: the error summary has focus; its link takes focus to the field.
    expect(page.locator("h1")).to_have_text("Add a progress update")
    tab_to(page, page.get_by_role("button", name="Save update"))
    keys.press("Enter")
    expect_errors(page, "Enter what has happened since the last update")
    visit_checked(page, f"{step}-update-error")
    tab_to(page, page.get_by_role("link", name="Enter what has happened since the last update"), max_tabs=1)
    keys.press("Enter")
    field = page.get_by_label("What has happened since the last update?")
    expect(field).to_be_focused()
    assert_focus_visible(focus_state(page, field), [])
    keys.type(UPDATE)
    tab_to(page, page.get_by_role("button", name="Save update"))
    keys.press("Space")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Progress update added")

    # Tick off the first milestone with Space.
    tab_to(page, page.get_by_role("button", name=MARK_DONE))
    keys.press("Space")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Milestone completed: Course designed")
    visit_checked(page, f"{step}-milestone-done")

    # Evidence: the file input opens the chooser from the keyboard.
    tab_to(page, page.get_by_role("link", name="Upload evidence"))
    keys.press("Enter")
    expect(page.locator("h1")).to_have_text("Upload evidence")
    visit_checked(page, f"{step}-upload")
    tab_to(page, page.get_by_label("Upload files"))
    with page.expect_file_chooser() as chooser:
        keys.press("Space")
    chooser.value.set_files({"name": "register.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE})
    type_into(page, page.get_by_label("Describe the evidence"), "Attendance register for the first cohort")
    milestone = page.get_by_label("Which milestone is it for? (optional)")
    tab_to(page, milestone)
    keys.press("ArrowDown")  # a closed select changes its choice with the arrow keys
    expect(milestone.locator("option:checked")).to_have_text("Course designed")
    # Shift+Tab back to the file input: the chosen file is still there. Then on to the button.
    tab_to(page, page.get_by_label("Upload files"), backwards=True)
    assert page.get_by_label("Upload files").evaluate("el => el.files.length") == 1
    tab_to(page, page.get_by_role("button", name="Upload evidence"))
    keys.press("Enter")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("1 file uploaded")
    visit_checked(page, f"{step}-evidence-uploaded")

    # Ask for sign-off: Space on the link styled as a button.
    tab_to(page, page.get_by_role("button", name="Ask for sign-off"))
    keys.press("Space")
    expect(page.locator("h1")).to_have_text("Ask for sign-off")
    visit_checked(page, f"{step}-ask-sign-off")
    type_into(page, page.get_by_label("What has been done? (optional)"), "Register attached.")
    tab_to(page, page.get_by_role("button", name="Ask for sign-off"))
    keys.press("Enter")
    expect_awaiting_sign_off(page, journey)
    visit_checked(page, f"{step}-awaiting-sign-off")
