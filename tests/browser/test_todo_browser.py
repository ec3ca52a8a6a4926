"""A programme manager's to-do page as their start page, reviewing evidence with the reason revealed by
"reject", signing off straight after accepting the last file, and an administrator confirming a
deactivation: on a desktop and on a 390-pixel phone. Every new page and error state is checked with axe,
for console errors (CSP violations show there) and for sideways scrolling; screenshots go to
test-artifacts/."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from improvement_tracker.extensions import db
from improvement_tracker.services import commitment_reviews, commitments, return_reviews, status
from tests import factories
from tests.browser.conftest import expect_errors, screenshot, sign_in, visit_checked

pytestmark = pytest.mark.browser

SIZES = [("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})]
TOO_LONG = "The letters are not signed. " * 80  # over 2,000 characters


def checked(page, name: str, device: str) -> None:
    page.wait_for_load_state()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name} scrolls sideways at {widths[1]}px: it is {widths[0]}px wide"
    visit_checked(page, f"todo-{name}-{device}")


def open_menu_item(page, name: str) -> None:
    """A link of the service navigation, behind the "Menu" button on a phone."""
    page.wait_for_load_state()
    if page.viewport_size["width"] < 641:  # GOV.UK's tablet breakpoint
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


def _plan() -> dict:
    today = date.today()
    pm = factories.create_user("programme_manager", name="Priya Manager")
    owner = factories.create_user("action_owner", name="Owen Owner")
    national = factories.create_user("oversight", None, name="Olu National")
    waiting = factories.create_action(owner, pillar_code="P3", reference="AS-P3-01-A", status="in_progress",
                                      title="Tell victims how their case is progressing",
                                      due=today + timedelta(days=20))
    status.apply(db.session, waiting, "request-sign-off", "Letters are in use", actor=owner)
    db.session.commit()
    factories.create_evidence(waiting, owner, name="victim-letters.pdf", description="Template letters to victims")
    quiet = factories.create_action(owner, pillar_code="P5", reference="AS-P5-01-A", status="in_progress",
                                    title="Recruit a RASSO analyst", due=today - timedelta(days=12))
    quiet.last_update_at = datetime.combine(today - timedelta(days=41), time(12))
    factories.changed(quiet)
    db.session.commit()
    factories.create_action(owner, reference="AS-P1-02-A", status="blocked", status_reason="No trainers",
                            title="Suspect-focused training for every team")
    [linked] = factories.publish_commitment(national, ["avon-and-somerset"])
    commitment = commitments.by_reference(db.session, "NC-01")
    member = commitments.member_of(db.session, commitment, linked.force_id)
    commitment_reviews.propose(db.session, commitment, member, linked, linked.current_due_date + timedelta(days=30),
                               "The new phones arrive in the spring", pm)
    quarterly_return = factories.create_return(pm, factories.create_period(2025, 3))
    version = factories.submit_return(pm, quarterly_return)
    return_reviews.ask(db.session, quarterly_return, version, None, "Who chairs the RASSO board?", national)
    db.session.commit()
    return {"pm": pm, "waiting": waiting}


@pytest.mark.parametrize(("device", "viewport"), SIZES)
def test_a_programme_manager_works_through_their_to_do_list(page, device, viewport):
    page.set_viewport_size(viewport)
    plan = _plan()

    # They land on the to-do page: every count links to its list.
    sign_in(page, plan["pm"])
    expect(page.locator("h1")).to_have_text("To do")
    tasks = page.locator(".govuk-task-list")
    expect(tasks.get_by_role("link", name="Evidence to review")).to_have_attribute(
        "href", "/forces/avon-and-somerset/evidence")
    expect(tasks.get_by_role("link", name="Blocked actions")).to_have_attribute(
        "href", "/forces/avon-and-somerset?status=blocked")
    expect(page.locator("#todo-3-status")).to_have_text("1 overdue")
    expect(page.locator("#overdue-no-update + .app-table-scroll")).to_contain_text(
        "AS-P5-01-A: Recruit a RASSO analyst")
    expect(page.locator("#date-proposals + .app-table-scroll")).to_contain_text("Waiting for the national team")
    expect(page.locator("#questions + .app-table-scroll")).to_contain_text("Who chairs the RASSO board?")
    checked(page, "start", device)
    tasks.get_by_role("link", name="Blocked actions").click()
    expect(page.locator("main")).to_contain_text("AS-P1-02-A")
    open_menu_item(page, "To do")
    expect(page.locator("h1")).to_have_text("To do")

    # An action waiting for their sign-off, with a file still to review: the sign-off page has no form yet.
    tasks.get_by_role("link", name="Actions awaiting your sign-off").click()
    expect(page).to_have_url(re.compile(r"#awaiting-sign-off$"))
    page.get_by_role("link", name="AS-P3-01-A: Tell victims how their case is progressing").click()
    page.get_by_role("button", name="Sign off as complete").click()
    expect(page.locator("main")).to_contain_text("1 piece of evidence is awaiting review")
    expect(page.locator("main form")).to_have_count(0)
    checked(page, "sign-off-waiting", device)
    page.get_by_role("link", name="Review victim-letters.pdf").click()

    # The reason box is revealed by "No, reject it": aria-controls on the radio, never aria-expanded.
    expect(page.locator("h1")).to_have_text("Review evidence")
    reason = page.get_by_label("If you reject it, why?")
    reject, accept = page.get_by_label("No, reject it"), page.get_by_label("Yes, accept it")
    expect(reason).to_be_hidden()
    expect(reject).to_have_attribute("aria-controls", "conditional-decision-2")
    checked(page, "review", device)
    reject.check()
    expect(reason).to_be_visible()
    assert page.locator("input[type=radio][aria-expanded]").count() == 0  # the phone's Menu button has one
    checked(page, "review-reject", device)
    accept.check()
    expect(reason).to_be_hidden()
    reject.check()
    page.get_by_role("button", name="Save review").click()
    expect_errors(page, "Enter why the evidence is rejected")
    expect(reason).to_be_visible()
    checked(page, "review-error", device)
    reason.fill(TOO_LONG)
    page.get_by_role("button", name="Save review").click()
    expect_errors(page, "Reason must be 2000 characters or fewer")
    expect(reason).to_have_value(TOO_LONG)  # what was typed is kept
    expect(page.get_by_label("No, reject it")).to_be_checked()
    checked(page, "review-error-long", device)

    # Accepting the last file offers the sign-off at once.
    page.get_by_label("Yes, accept it").check()
    expect(page.get_by_label("If you reject it, why?")).to_be_hidden()
    page.get_by_role("button", name="Save review").click()
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("victim-letters.pdf accepted. Nothing else on AS-P3-01-A is awaiting review.")
    checked(page, "accepted", device)
    banner.get_by_role("link", name="Sign off this action now").click()
    expect(page.locator("main")).to_contain_text("1 piece of evidence accepted")
    checked(page, "sign-off", device)
    page.get_by_label("Sign-off comment (optional)").fill("Letters seen at the RASSO board.")
    page.get_by_role("button", name="Sign off as complete").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("AS-P3-01-A is now complete")

    # Back on the to-do page, nothing waits for their sign-off any more.
    open_menu_item(page, "To do")
    expect(page.locator("#todo-2-status")).to_have_text("None")
    expect(page.locator("#awaiting-sign-off")).to_have_count(0)
    checked(page, "done", device)
    assert page.problems == [], page.problems


def test_without_javascript_the_reason_box_simply_shows(browser, live_server):
    plan = _plan()
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  java_script_enabled=False)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        sign_in(page, plan["pm"])
        page.goto(f"/actions/{plan['waiting'].id}")
        page.get_by_role("link", name="Review victim-letters.pdf").click()
        # GOV.UK's conditional reveal under "No, reject it", shown when no script can reveal it.
        expect(page.locator("#conditional-decision-2").get_by_label("If you reject it, why?")).to_be_visible()
        expect(page.get_by_label("No, reject it")).not_to_be_checked()
        screenshot(page, "todo-review-no-javascript")
        page.get_by_label("No, reject it").check()
        page.get_by_role("button", name="Save review").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why the evidence is rejected")
        page.get_by_label("If you reject it, why?").fill("The letters are not signed")
        page.get_by_role("button", name="Save review").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("victim-letters.pdf rejected")
    finally:
        context.close()


@pytest.mark.parametrize(("device", "viewport"), SIZES)
def test_an_administrator_confirms_a_deactivation_first(page, device, viewport):
    page.set_viewport_size(viewport)
    colleague = factories.create_user("action_owner", name="Colin Colleague")
    sign_in(page, factories.create_user("admin", None, name="Ada Admin"))
    page.goto(f"/admin/users/{colleague.id}/edit")
    page.get_by_role("button", name="Deactivate Colin Colleague").click()
    expect(page.locator("h1")).to_have_text("Are you sure you want to deactivate Colin Colleague?")
    expect(page.locator("main")).to_contain_text("they are signed out at once, on every device")
    checked(page, "deactivate-confirm", device)
    page.get_by_role("link", name="No, go back").click()
    expect(page.locator("h1")).to_have_text("Change Colin Colleague")
    db.session.refresh(colleague)
    assert colleague.active
    page.get_by_role("button", name="Deactivate Colin Colleague").click()
    page.get_by_role("button", name="Yes, deactivate Colin Colleague").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Colin Colleague has been deactivated and signed out")
    checked(page, "deactivated", device)
    db.session.refresh(colleague)
    assert not colleague.active
