"""Search in a real browser, at 1280 and at 390 CSS pixels wide: type in the header's box, read the
results grouped by kind with the matched words marked, follow one; then the empty state and an error.
Every page is checked with axe and for console errors, none scrolls sideways, each is photographed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from improvement_tracker.extensions import db
from improvement_tracker.services import milestones, status
from tests import factories
from tests.browser.conftest import expect_errors, sign_in, visit_checked

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _plans():
    """Avon and Somerset's programme manager and a plan that trains investigators; Durham's plan says
    the same words, which the manager must never see."""
    pm = factories.create_user("programme_manager", name="Priya Manager")
    owner = factories.create_user("action_owner", name="Owen Owner")
    for code, prefix in (("durham", "DU"), ("avon-and-somerset", "AS")):
        person = owner if prefix == "AS" else factories.create_user("action_owner", code)
        finding = factories.create_finding(factories.create_deep_dive(code), reference=f"{prefix}-P1-01",
                                           title="Investigators test the victim's credibility")
        action = factories.create_action(person, finding=finding, reference=f"{prefix}-P1-01-A", status="in_progress",
                                         title="Train investigators in suspect-focused work")
        milestones.add(db.session, action, "Investigator training course designed", None, actor=person)
        status.add_progress_update(db.session, action, "Two training days held for investigators in "
                                   + ("Durham" if prefix == "DU" else "Bristol and Taunton") + ". " * 12, actor=person)
    db.session.commit()
    return pm


def _no_sideways_scroll(page, name: str) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name} scrolls sideways at {widths[1]}px: it is {widths[0]}px wide"


@pytest.mark.parametrize("size", SIZES)
def test_search_from_the_header_and_follow_a_result(page, size):
    pm = _plans()
    page.set_viewport_size(SIZES[size])
    sign_in(page, pm)
    header = page.get_by_role("search", name="Search the service")
    box = header.get_by_label("Search", exact=True)
    expect(box).to_be_visible()
    _no_sideways_scroll(page, "the start page")
    box.fill("training investigators")
    header.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"/search\?q=training\+investigators$"))
    expect(page.locator("h1")).to_have_text("Search")
    expect(page.locator("#search-summary")).to_have_text("3 results for ‘training investigators’")
    expect(page.locator("main h2")).to_have_text(["Actions (1)", "Milestones (1)", "Progress updates (1)"])
    first = page.locator(".app-search-result h3 a").first
    expect(first).to_have_text("AS-P1-01-A: Train investigators in suspect-focused work")
    expect(first.locator("mark")).to_have_text(["Train", "investigators"])
    expect(page.locator(".app-search-result__snippet mark")).to_have_text(["training", "investigators"])
    expect(page.locator("main")).not_to_contain_text("Durham")
    _no_sideways_scroll(page, "the results")
    visit_checked(page, f"search-results-{size}")

    first.click()
    expect(page.locator("h1")).to_have_text("Train investigators in suspect-focused work")

    # Nothing found: the empty state, reached from the results page's own box.
    page.go_back()
    search = page.locator("main form")
    search.get_by_label("Search", exact=True).fill("zanzibar")
    search.get_by_role("button", name="Search").click()
    expect(page.locator("main h2")).to_have_text("No results found")
    _no_sideways_scroll(page, "the empty state")
    visit_checked(page, f"search-empty-{size}")

    # Only common words: a GOV.UK error, the error summary focused and linked to the box.
    search = page.locator("main form")
    search.get_by_label("Search", exact=True).fill("the and of")
    search.get_by_role("button", name="Search").click()
    expect_errors(page, "Enter a less common word: words like ‘the’, ‘and’ or ‘of’ are not searched for")
    _no_sideways_scroll(page, "the error state")
    visit_checked(page, f"search-error-{size}")
