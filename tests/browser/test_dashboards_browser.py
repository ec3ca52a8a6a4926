"""Dashboards in a real browser: plotly draws every chart under the strict CSP with no console
error, axe finds nothing, and a heatmap cell leads to that force's plan for that pillar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from improvement_tracker.extensions import db
from improvement_tracker.services import snapshots
from tests import factories
from tests.browser.conftest import check_accessibility, screenshot
from tests.browser.test_plan_journey_browser import sign_in

pytestmark = pytest.mark.browser


def visit_checked(page, name: str, charts: int) -> None:
    page.wait_for_load_state()
    page.wait_for_function(f"() => document.querySelectorAll('.app-chart .main-svg').length >= {charts}")
    check_accessibility(page)
    assert page.problems == [], page.problems
    assert page.locator("style").count() == 0, "plotly injected an inline <style>"
    screenshot(page, name)


def test_national_heatmap_to_force_plan_and_force_dashboard(page):
    today = date.today()
    owner = factories.create_user("action_owner", name="Owen Owner")
    action = factories.create_action(owner, pillar_code="P2", reference="AS-P2-01", title="Repeat suspect markers",
                                     due=today - timedelta(days=2), status="in_progress")
    factories.create_milestone(action, "Markers designed", due=today - timedelta(days=20), done=True)
    factories.create_milestone(action, "Markers live", due=today + timedelta(days=20))
    factories.create_action(owner, pillar_code="P1", reference="AS-P1-01", status="complete")
    snapshots.build_live(db.session, today)
    db.session.commit()

    sign_in(page, factories.create_user("oversight", None))
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator("h1")).to_have_text("National dashboard")
    visit_checked(page, "national-dashboard", 4)

    # The heatmap cell for Avon and Somerset, P2: plotly's own click handling, as a user's click.
    page.evaluate("""() => {
        const el = document.getElementById('chart-completion');
        const rows = el.data[0].y, cols = el.data[0].x;
        const row = rows.indexOf('Avon and Somerset'), col = cols.indexOf('P2');
        const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
        window.__cell = [xa._offset + xa.l2p(col), ya._offset + ya.l2p(row)];
    }""")
    x, y = page.evaluate("window.__cell")
    page.evaluate("document.getElementById('chart-completion').scrollIntoView()")
    chart = page.locator("#chart-completion").bounding_box()
    # A cell is a link, and looks like one under the pointer.
    cursor = page.evaluate(f"""() => getComputedStyle(document.elementFromPoint({chart["x"] + x}, {chart["y"] + y}))
        .cursor""")
    assert cursor == "pointer", cursor
    page.mouse.click(chart["x"] + x, chart["y"] + y)
    page.wait_for_url("**/forces/avon-and-somerset?pillar=P2")
    expect(page.locator("h1")).to_have_text("Avon and Somerset")
    expect(page.locator("main")).to_contain_text("Repeat suspect markers")
    # It lands on what was clicked: P2's own figures (one action, overdue), and the pillar chosen in
    # full in the filter, not cut off.
    expect(page.locator("#figures-for")).to_have_text("P2 Identifying and disrupting repeat suspects")
    expect(page.locator("#count-overdue")).to_contain_text("1")
    assert page.locator(".govuk-grid-row p.govuk-body .govuk-heading-l").first.inner_text() == "1"
    expect(page.get_by_label("Pillar")).to_have_value("P2")
    assert page.get_by_label("Pillar").evaluate("""s => {
        const text = document.createElement("canvas").getContext("2d");
        text.font = getComputedStyle(s).font;  // the chosen name, with room for the arrow, fits the box
        return text.measureText(s.options[s.selectedIndex].text).width + 40 <= s.clientWidth; }""")
    assert page.locator("main").inner_text().find("AS-P1-01") == -1  # another pillar's action is not listed
    page.wait_for_load_state()
    check_accessibility(page)
    assert page.problems == [], page.problems

    page.get_by_role("link", name="Dashboard for Avon and Somerset").click()
    visit_checked(page, "force-dashboard", 2)
    expect(page.locator("#table-overdue-actions")).to_contain_text("AS-P2-01")
    page.get_by_role("link", name="Board pack (print or save as PDF)").click()
    visit_checked(page, "force-board-pack", 2)
    # Printed, the board pack is its content only: the page's header, menu and footer are hidden,
    # and no link has its address printed after it (GOV.UK's print style for the rest of the service).
    chrome = [page.get_by_role("banner"), page.get_by_role("navigation", name="Main menu"),
              page.get_by_role("contentinfo")]
    link = page.locator("#table-overdue-actions a.govuk-link").first
    for landmark in chrome:
        expect(landmark).to_be_visible()
    page.emulate_media(media="print")
    for landmark in chrome:
        expect(landmark).not_to_be_visible()
    expect(link).to_be_visible()
    assert link.evaluate("a => getComputedStyle(a, '::after').content") in ("none", '""')
    page.emulate_media(media="screen")

    sign_in(page, factories.create_user("programme_manager"))
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator("h1")).to_have_text("Avon and Somerset")
    visit_checked(page, "pm-force-dashboard", 2)
