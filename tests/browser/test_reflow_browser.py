"""Reflow (WCAG 2.2 SC 1.4.10) on a phone: at 390 CSS pixels wide no page scrolls sideways.

Wide tables scroll inside their own focusable region, and long unbroken text (references,
email addresses, file names, hashes) wraps. Each page is also checked with axe.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from improvement_tracker.extensions import db
from improvement_tracker.services import reminders, snapshots
from improvement_tracker.services.settings import ReminderSettings
from improvement_tracker.services.working_days import is_working_day
from tests import factories
from tests.browser.conftest import sign_in, visit_checked

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LONG_TITLE = "Embed suspect-focused practice: RapeAndSeriousSexualOffencesInvestigationStandards in every team"


def assert_no_sideways_scroll(page, name: str) -> None:
    """The page is no wider than the window, and every table's scrolling box can be reached by keyboard
    and is named for a screen reader."""
    page.wait_for_load_state()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name} scrolls sideways at {widths[1]}px: it is {widths[0]}px wide"
    boxes = page.locator(".app-table-scroll").evaluate_all(
        "boxes => boxes.map(b => [b.getAttribute('role'), b.tabIndex, !!b.getAttribute('aria-label')])")
    assert boxes, f"{name} has no table"
    assert all(box == ["region", 0, True] for box in boxes), f"{name}: a table's scrolling box is {boxes}"


def test_no_page_scrolls_sideways_on_a_phone(page):
    today = date.today()
    run_day = next(today + timedelta(days=n) for n in range(10) if is_working_day(today + timedelta(days=n)))
    pm = factories.create_user("programme_manager", name="Priya Manager",
                               email="priya.programme-manager.improvement.plans@avon-and-somerset.police.uk")
    finding = factories.create_finding(reference="AS-P1-03-INVESTIGATIVE-STANDARDS-REVIEW")
    # The programme manager owns it too, so every milestone has every button (mark as done, edit, move).
    action = factories.create_action(pm, finding=finding, reference="AS-P1-03-A-INVESTIGATIVE-STANDARDS",
                                     title=LONG_TITLE, due=run_day + timedelta(days=7), status="in_progress")
    factories.create_action(pm, reference="AS-P2-01-VICTIM-ENGAGEMENT-OFFICERS", title="Victim engagement",
                            due=today - timedelta(days=3), status="in_progress")
    factories.create_milestone(action, "Course designed with the NationalOperatingModelAcademicTeam",
                               due=today - timedelta(days=5))
    factories.create_milestone(action, "First cohort trained", due=today + timedelta(days=20), done=True)
    factories.create_milestone(action, "Every investigator trained", due=today + timedelta(days=60))
    factories.create_evidence(action, pm, name="investigator_training_attendance_register_cohort_one_2026.pdf")
    reminders.run_daily(db.session, run_day, ReminderSettings())
    snapshots.build_live(db.session, today)
    db.session.commit()

    page.set_viewport_size(PHONE)
    sign_in(page, pm)

    page.goto(f"/actions/{action.id}")
    expect(page.locator("h1")).to_have_text(LONG_TITLE)
    expect(page.locator("#milestones + .app-table-scroll table tbody tr")).to_have_count(3)
    expect(page.locator("#evidence + .app-table-scroll table")).to_contain_text("investigator_training")
    expect(page.locator("#reminders + .app-table-scroll table")).to_contain_text("Due in 7 days")
    assert_no_sideways_scroll(page, "the action page")
    visit_checked(page, "reflow-action")

    page.get_by_role("link", name="See the full history of this action").click()
    expect(page.locator("h1")).to_have_text("History")
    assert_no_sideways_scroll(page, "the action history")
    visit_checked(page, "reflow-history")

    page.goto("/my-actions")
    expect(page.locator("h1")).to_have_text("My actions")
    expect(page.locator("main")).to_contain_text("AS-P2-01-VICTIM-ENGAGEMENT-OFFICERS")
    assert_no_sideways_scroll(page, "My actions")
    visit_checked(page, "reflow-my-actions")

    page.goto("/forces/avon-and-somerset")
    expect(page.locator("h1")).to_have_text("Avon and Somerset")
    assert_no_sideways_scroll(page, "the force plan")
    visit_checked(page, "reflow-force-plan")

    page.get_by_role("link", name="Dashboard for Avon and Somerset").click()
    expect(page.locator("h1")).to_have_text("Avon and Somerset")
    page.wait_for_function("() => document.querySelectorAll('.app-chart .main-svg').length >= 2")
    assert_no_sideways_scroll(page, "the force dashboard")
    visit_checked(page, "reflow-force-dashboard", charts=2)
