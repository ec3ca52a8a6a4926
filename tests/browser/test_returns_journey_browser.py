"""The quarterly return in a real browser: a programme manager drafts it pillar by pillar and submits
it (an unfinished pillar first, named in the error summary); oversight assesses every pillar,
disagrees on one and asks a question; the programme manager answers; oversight marks it reviewed;
the board paper prints on A4. axe checks every page and every error state."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from improvement_tracker.extensions import db
from improvement_tracker.services import clock, reporting_periods
from tests import factories
from tests.browser.conftest import expect_errors, screenshot, sign_in, visit_checked

pytestmark = pytest.mark.browser

PILLARS = ("P1", "P2", "P3", "P4", "P5", "P6")


def checked(page, step: str) -> None:
    visit_checked(page, f"returns-journey-{step}")


def fill_pillar(page, code: str, assessment: str = "On track") -> None:
    page.get_by_role("link", name=f"{code} ", exact=False).first.click()
    page.get_by_label(assessment).check()
    page.get_by_label("Reason for the self-assessment").fill(f"{code}: most actions are on time")
    page.get_by_label("Progress this quarter").fill(f"{code}: training rolled out to two teams")
    page.get_by_label("Risks and issues").fill(f"{code}: staffing in the rape unit")
    page.get_by_label("Help needed from the national team").fill("None")
    page.get_by_role("button", name="Save and return to the return").click()
    expect(page.locator(f"#pillar-{code}-status")).to_have_text("Completed")


def test_a_return_is_drafted_submitted_assessed_questioned_answered_reviewed_and_printed(page):
    last = reporting_periods.quarter_of(clock.today()).preceding
    period = factories.create_period(last.financial_year, last.quarter)
    label = reporting_periods.label(period)
    manager = factories.create_user("programme_manager", name="Priya Manager")
    owner = factories.create_user("action_owner", name="Owen Owner")
    action = factories.create_action(owner, pillar_code="P2", reference="AS-P2-01-A", title="Flag repeat suspects",
                                     due=period.ends_on - timedelta(days=10))
    action.created_at = clock.start_of_london_day(period.starts_on)
    factories.changed(action)
    db.session.commit()
    oversight = factories.create_user("oversight", None, name="Olu National")

    # The programme manager starts the return from their navigation.
    sign_in(page, manager)
    page.get_by_role("link", name="Returns", exact=True).click()
    expect(page.locator("h1")).to_have_text("Quarterly returns")
    checked(page, "force-returns")
    page.get_by_role("link", name=label, exact=True).click()
    page.get_by_role("button", name="Start this return").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"You have started the {label} return")
    checked(page, "draft")

    # A pillar saved without its self-assessment: the error is next to the field, the words kept.
    page.get_by_role("link", name="P1 ", exact=False).first.click()
    page.get_by_label("Progress this quarter").fill("Two teams trained")
    page.get_by_role("button", name="Save and return to the return").click()
    expect_errors(page, "Select on track, at risk or off track")
    expect(page.get_by_label("Progress this quarter")).to_have_value("Two teams trained")
    checked(page, "pillar-error")
    page.get_by_role("link", name="Back").click()

    for code in PILLARS[:-1]:
        fill_pillar(page, code)
    # Submitting with P6 unfinished names it in the error summary, and nothing is submitted.
    page.get_by_role("button", name="Check and submit").click()
    page.get_by_role("button", name="Submit the return").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("P6 ")
    expect(summary).not_to_contain_text("P1 ")
    checked(page, "submit-error")
    page.locator("#unfinished").get_by_role("link").click()
    page.get_by_label("On track").check()
    for label_text in ("Reason for the self-assessment", "Progress this quarter", "Risks and issues",
                       "Help needed from the national team"):
        page.get_by_label(label_text).fill("Done")
    page.get_by_role("button", name="Save and return to the return").click()
    page.get_by_role("button", name="Check and submit").click()
    checked(page, "submit")
    page.get_by_role("button", name="Submit the return").click()
    expect(page.locator("h1")).to_have_text(f"{label} return, version 1")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("submitted: version 1")
    checked(page, "version")

    # Oversight: the national grid, then an assessment for every pillar, disagreeing on P2.
    sign_in(page, oversight)
    page.get_by_role("link", name="Returns", exact=True).click()
    expect(page.locator("h1")).to_have_text("Quarterly returns")
    checked(page, "national")
    page.locator("#force-avon-and-somerset").get_by_role("link", name="Submitted").first.click()
    page.get_by_role("link", name="Read the return as submitted (version 1)").click()
    for code in PILLARS:
        page.locator(f"#pillar-{code}").get_by_role("link", name=re.compile("^Assess this pillar")).click()
        if code == "P1":
            page.get_by_role("button", name="Save assessment").click()
            expect_errors(page, "Select on track, at risk or off track", "Enter a comment on this pillar")
            checked(page, "assess-error")
        page.get_by_label("At risk" if code == "P2" else "On track").check()
        page.get_by_label("Comment").fill("Overdue action on repeat suspects" if code == "P2" else "Agreed")
        page.get_by_role("button", name="Save assessment").click()
    expect(page.locator("#assessment-disagreements")).to_contain_text("on 1 pillar")
    expect(page.locator("#pillar-P2")).to_contain_text("The national team assesses this pillar as at risk")
    page.get_by_role("button", name="Ask a question").click()
    page.get_by_label("Which pillar is it about?").select_option("P2")
    page.get_by_label("Your question").fill("What will bring the repeat suspects action back on track?")
    page.get_by_role("button", name="Send question").click()
    expect(page.locator("#review")).to_contain_text("Wait for the force to answer every question")
    checked(page, "questioned")

    # The programme manager answers.
    sign_in(page, manager)
    page.goto(f"/forces/avon-and-somerset/returns/{reporting_periods.slug(period)}/versions/1")
    page.get_by_role("link", name="Answer this question").click()
    page.get_by_role("button", name="Send answer").click()
    expect_errors(page, "Enter your answer")
    checked(page, "answer-error")
    page.get_by_label("Your answer").fill("A second analyst starts next month")
    page.get_by_role("button", name="Send answer").click()
    expect(page.locator(".app-question")).to_contain_text("A second analyst starts next month")

    # Oversight marks it reviewed; the grid says so.
    sign_in(page, oversight)
    page.goto(f"/forces/avon-and-somerset/returns/{reporting_periods.slug(period)}/versions/1")
    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("marked reviewed")
    checked(page, "reviewed")
    page.get_by_role("link", name="Returns", exact=True).click()
    expect(page.locator("#force-avon-and-somerset")).to_contain_text("Reviewed")

    # The board paper: the service's chrome goes when printed, the quarter's date stays; A4 pages.
    page.goto(f"/forces/avon-and-somerset/returns/{reporting_periods.slug(period)}/versions/1")
    page.get_by_role("link", name="Board paper (print or save as PDF)").click()
    expect(page.locator("h1")).to_contain_text(f"Avon and Somerset: {label}")
    checked(page, "board-paper")
    page.emulate_media(media="print")
    expect(page.get_by_role("banner")).to_be_hidden()
    expect(page.locator("#as-at")).to_contain_text(f"As at {period.ends_on.day} ")
    expect(page.locator("#plan-figures")).to_be_visible()
    screenshot(page, "returns-journey-board-paper-print")
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes and all(round(float(w)) == 595 and round(float(h)) == 842 for w, h in boxes), boxes
    page.emulate_media(media="screen")
