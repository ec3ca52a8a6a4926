"""The oversight user's journey in a real browser: the national dashboard, a heatmap cell to that
force's plan for that pillar, an action, its evidence downloaded; back to the force dashboard and
its board pack, printed. Oversight is read-only: an action's edit page is refused with an
accessible error page. Every page is checked with axe and for console errors."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from improvement_tracker.extensions import db
from improvement_tracker.services import evidence, snapshots
from tests import factories, files
from tests.browser.conftest import forget_http_error, screenshot, sign_in, visit_checked

pytestmark = pytest.mark.browser

MINUTES = files.pdf("Minutes of the RASSO board: repeat suspect markers agreed")


def checked(page, step: str, charts: int = 0) -> None:
    visit_checked(page, f"oversight-journey-{step}", charts)


def test_oversight_journey(page):
    today = date.today()
    pm = factories.create_user("programme_manager", name="Priya Manager")
    owner = factories.create_user("action_owner", name="Owen Owner")
    action = factories.create_action(owner, pillar_code="P2", reference="AS-P2-01-A", status="in_progress",
                                     title="Flag repeat suspects on the crime system",
                                     due=today + timedelta(days=40))
    factories.create_milestone(action, "Markers designed", due=today - timedelta(days=5), done=True)
    factories.create_milestone(action, "Markers live", due=today + timedelta(days=30))
    item = factories.create_evidence(action, owner, data=MINUTES, name="board-minutes.pdf",
                                     description="Minutes where the markers were agreed")
    evidence.review(db.session, item, "accepted", "", actor=pm)
    factories.create_action(owner, pillar_code="P1", reference="AS-P1-01-A", status="complete",
                            title="Suspect-focused training")
    snapshots.build_live(db.session, today)
    db.session.commit()

    sign_in(page, factories.create_user("oversight", None, name="Olu Oversight"))
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator("h1")).to_have_text("National dashboard")
    checked(page, "national-dashboard", charts=4)

    # The heatmap's cell for Avon and Somerset, P2, as the link in the table under the chart.
    heatmap = page.locator("#table-completion")
    heatmap.get_by_role("link", name=re.compile(r"Avon and Somerset, P2$")).click()
    page.wait_for_url("**/forces/avon-and-somerset?pillar=P2")
    expect(page.locator("h1")).to_have_text("Avon and Somerset")
    expect(page.get_by_label("Pillar")).to_have_value("P2")
    expect(page.locator("main")).not_to_contain_text("Suspect-focused training")
    checked(page, "force-plan-p2")

    page.get_by_role("link", name="AS-P2-01-A: Flag repeat suspects on the crime system").click()
    expect(page.locator("h1")).to_have_text("Flag repeat suspects on the crime system")
    expect(page.get_by_role("button", name="Ask for sign-off")).to_have_count(0)  # read-only
    checked(page, "action")
    with page.expect_download() as download_info:
        evidence_table = page.locator("#evidence + .app-table-scroll table")
        evidence_table.get_by_role("link", name="board-minutes.pdf", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "board-minutes.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == MINUTES

    # Back to the plan, then its dashboard and board pack.
    page.go_back()
    expect(page.get_by_label("Pillar")).to_have_value("P2")
    page.get_by_role("link", name="Dashboard for Avon and Somerset").click()
    expect(page.locator("h1")).to_have_text("Avon and Somerset")
    checked(page, "force-dashboard", charts=2)
    page.get_by_role("link", name="Board pack (print or save as PDF)").click()
    expect(page.locator("h1")).to_have_text("Avon and Somerset")
    checked(page, "board-pack", charts=2)

    # Printed: the service's header, navigation and footer are gone; the date the figures are for is not.
    chrome = [page.get_by_role("banner"), page.get_by_role("navigation", name="Main menu"),
              page.get_by_role("contentinfo"), page.get_by_role("link", name="Back to the dashboard")]
    for part in chrome:
        expect(part).to_be_visible()  # on screen, so the checks below are not vacuous
    page.emulate_media(media="print")
    for part in chrome:
        expect(part).to_be_hidden()
    expect(page.locator("#as-at")).to_be_visible()
    expect(page.locator("#as-at")).to_contain_text(f"As at {today.day} ")
    expect(page.locator("#table-overdue-actions, #table-status-by-pillar").first).to_be_visible()
    screenshot(page, "oversight-journey-board-pack-print")
    page.emulate_media(media="screen")

    # Read-only: the action's edit page and its review page are refused, on a page that passes axe.
    response = page.goto(f"/actions/{action.id}/edit")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("You do not have permission to do this")
    forget_http_error(page, 403)
    checked(page, "edit-refused")
    response = page.goto(f"/evidence/{item.id}/review")
    assert response.status == 403
    forget_http_error(page, 403)
    assert page.problems == [], page.problems
