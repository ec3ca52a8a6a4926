"""The quarterly returns pages on a phone: at 390 CSS pixels wide none scrolls sideways (WCAG 2.2
1.4.10), wide tables scroll in their own box, and axe finds nothing; with a correction (its table of
changes), long unbroken words and a question answered."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from improvement_tracker.extensions import db
from improvement_tracker.services import clock, reporting_periods, return_reviews, returns
from tests import factories
from tests.browser.conftest import sign_in, visit_checked
from tests.browser.test_reflow_browser import PHONE

pytestmark = pytest.mark.browser

LONG_WORD = "RapeAndSeriousSexualOffencesInvestigationStandardsEverywhere"


def assert_no_sideways_scroll(page, name: str) -> None:
    page.wait_for_load_state()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name} scrolls sideways at {widths[1]}px: it is {widths[0]}px wide"


def test_no_returns_page_scrolls_sideways_on_a_phone(page):
    last = reporting_periods.quarter_of(clock.today()).preceding
    period = factories.create_period(last.financial_year, last.quarter)
    slug = reporting_periods.slug(period)
    manager = factories.create_user("programme_manager", name="Priya Manager")
    oversight = factories.create_user("oversight", None, name="Olu National")
    quarterly_return = factories.create_return(manager, period, progress=f"Trained two teams in {LONG_WORD}")
    factories.submit_return(manager, quarterly_return, today=clock.today())
    returns.start_correction(db.session, quarterly_return, manager)
    returns.save_section(db.session, quarterly_return, factories.pillar("P3"), returns.SectionFields(
        "off_track", f"Two investigators left the {LONG_WORD} team", "None", "Vacancies", "Funding"), manager)
    db.session.commit()
    version = factories.submit_return(manager, quarterly_return, today=clock.today(), reason="P3 was misreported")
    question = return_reviews.ask(db.session, quarterly_return, version, factories.pillar("P3"),
                                  f"When will the {LONG_WORD} team be back to strength?", oversight)
    return_reviews.answer(db.session, quarterly_return, question, "By March", manager)
    db.session.commit()
    factories.assess_return(oversight, quarterly_return, version, {"P3": "at_risk"})
    base = f"/forces/avon-and-somerset/returns/{slug}"

    page.set_viewport_size(PHONE)
    sign_in(page, oversight)
    for name, path, heading in (
        ("national returns", "/returns", "Quarterly returns"),
        ("force returns", "/forces/avon-and-somerset/returns", "Quarterly returns"),
        ("return", base, f"{reporting_periods.label(period)} return"),
        ("version", f"{base}/versions/2", f"{reporting_periods.label(period)} return, version 2"),
        ("board paper", f"{base}/versions/2/board-paper", f"Avon and Somerset: {reporting_periods.label(period)}"),
    ):
        page.goto(path)
        expect(page.locator("h1")).to_contain_text(heading)
        assert_no_sideways_scroll(page, name)
        visit_checked(page, f"returns-reflow-{name.replace(' ', '-')}")
    expect(page.locator("main")).to_contain_text(LONG_WORD)

    sign_in(page, manager)
    page.goto(base)
    page.get_by_role("button", name="Start a correction").click()
    expect(page.locator("#return-pillars")).to_be_visible()
    assert_no_sideways_scroll(page, "the draft of a correction")
    visit_checked(page, "returns-reflow-draft")
    page.get_by_role("link", name="P3 ", exact=False).first.click()
    assert_no_sideways_scroll(page, "a pillar's form")
    visit_checked(page, "returns-reflow-section")
