"""A national commitment in a real browser (docs/commitments.md), by clicking and typing: the national
team drafts one for the pathfinder cohort (an empty form first) and publishes it; Avon and Somerset's
programme manager gives the force's linked action to an owner and adds a milestone; the owner starts it,
writes a progress update, ticks the milestone off, uploads evidence and asks for sign-off; the programme
manager accepts the evidence and signs it off (four eyes); the national team confirms the completion (no
decision first). Durham's programme manager proposes a later date (one not later first), and the national
team refuses it with a reason (none first): Durham's due date stays. The national team then adds Kent and
takes South Wales off (no reason first). axe checks every commitments page and
every error state, and no page logs a console error."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from improvement_tracker.extensions import db
from improvement_tracker.formatting import govuk_date
from improvement_tracker.services import clock, snapshots
from tests import factories, files
from tests.browser.conftest import expect_errors, sign_in, visit_checked

pytestmark = pytest.mark.browser

REFERENCE = "NC-07"
TITLE = "Every adult rape victim offered an independent sexual violence adviser"
PATHFINDERS = ("Avon and Somerset", "Durham", "Metropolitan Police Service", "South Wales", "West Midlands")
AWAITING = "Signed off by the force, awaiting national confirmation"
CONFIRMED = "Confirmed by the national team"
MILESTONE = "Referral pathway agreed"
UPDATE = "Referral pathway agreed with the two ISVA services; every new victim is now offered one."
EVIDENCE = files.pdf("ISVA referral pathway")


def checked(page, step: str) -> None:
    visit_checked(page, f"commitments-journey-{step}")


def fill_date(page, legend: str, when: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(when.day))
    group.get_by_label("Month").fill(str(when.month))
    group.get_by_label("Year").fill(str(when.year))


def banner(page):
    return page.locator(".govuk-notification-banner")


def force_row(page, force: str):
    """A force's row in the commitment's force-by-force table."""
    return page.locator("#table-forces tbody tr", has=page.get_by_role("rowheader", name=force, exact=True))


def expect_row(page, force: str, standing: str, due: date, owner: str) -> None:
    cells = force_row(page, force).locator("td")
    expect(cells.nth(0)).to_have_text(standing)
    expect(cells.nth(2)).to_have_text(govuk_date(due))
    expect(cells.nth(3)).to_have_text(owner)


def open_commitment(page) -> None:
    """From anywhere: the Commitments navigation, then the commitment in the list."""
    page.get_by_role("link", name="Commitments", exact=True).click()
    expect(page.locator("h1")).to_have_text("National commitments")
    page.locator("#commitments").get_by_role("link", name=REFERENCE, exact=True).click()
    expect(page.locator("h1")).to_have_text(TITLE)


def test_a_commitment_is_published_worked_signed_off_confirmed_and_a_later_date_refused(page):
    today = clock.today()
    due = today + timedelta(days=120)
    oversight = factories.create_user("oversight", None, name="Olu National")
    manager = factories.create_user("programme_manager", name="Priya Manager")  # Avon and Somerset
    owner = factories.create_user("action_owner", name="Owen Owner")
    durham = factories.create_user("programme_manager", "durham", name="Dana Durham")

    # 1. The national team drafts the commitment (an empty form first) and publishes it to a cohort.
    sign_in(page, oversight)
    page.get_by_role("link", name="Commitments", exact=True).click()
    expect(page.locator("h1")).to_have_text("National commitments")
    expect(page.locator("main")).to_contain_text("There are no national commitments yet.")
    checked(page, "list-empty")
    page.get_by_role("link", name="Draft a new commitment").click()
    expect(page.locator("h1")).to_have_text("New national commitment")
    checked(page, "new")
    page.get_by_role("button", name="Save draft").click()
    expect_errors(page, "Enter a reference, like NC-01", "Enter a title", "Select a pillar",
                  "Select which forces the commitment applies to")
    checked(page, "new-errors")
    expect(page.get_by_role("group", name="Which forces does it apply to?")).to_be_visible()
    page.get_by_label("Reference", exact=True).fill(REFERENCE)
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Pillar", exact=True).select_option(label="P3 Procedural justice and victim engagement")
    page.get_by_label("What every force will do (optional)").fill("Offer every adult rape victim an ISVA at first "
                                                                  "contact, and record the offer.")
    page.get_by_label("What does done look like? (optional)").fill("An ISVA offered to 100 % of victims")
    page.get_by_label("What evidence the national team expects (optional)").fill("The referral pathway and a "
                                                                                 "month's audit of offers")
    fill_date(page, "Due date", due)
    page.get_by_label("A cohort", exact=True).check()
    page.get_by_label("Cohort", exact=True).select_option(label="Pathfinder (2021)")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(banner(page)).to_contain_text(f"Draft {REFERENCE} saved. No force's plan changes until you publish it")
    expect(page.locator(".govuk-caption-l")).to_have_text(f"National commitment {REFERENCE} (draft)")
    expect(page.locator("main")).to_contain_text("Pathfinder (2021) (5 forces)")
    checked(page, "draft")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("h1")).to_have_text(f"Publish {REFERENCE}: {TITLE}")
    expect(page.locator("main .app-columns li")).to_have_text(list(PATHFINDERS))
    checked(page, "publish")
    page.get_by_role("button", name="Publish to 5 forces").click()
    expect(banner(page)).to_contain_text(f"{REFERENCE} published: 5 forces now carry it in their plans")
    expect(page.locator("#table-forces tbody tr")).to_have_count(5)
    expect(page.locator("#table-forces tbody th")).to_have_text(list(PATHFINDERS))
    expect_row(page, "Avon and Somerset", "Not started", due, "Priya Manager")  # the first programme manager
    expect_row(page, "Durham", "Not started", due, "Dana Durham")
    expect_row(page, "South Wales", "Not started", due, "No owner")  # no programme manager yet
    expect(page.locator("#by-standing tbody tr")).to_have_text([re.compile(r"^\s*Not started\s*5\s*$")])
    checked(page, "published")
    page.get_by_role("link", name="National commitments").click()  # the breadcrumb
    row = page.locator("#commitments tbody tr", has_text=REFERENCE)
    expect(row).to_contain_text("Pathfinder (2021)")
    expect(row).to_contain_text("Published")
    checked(page, "list")

    # 2. Avon and Somerset's programme manager finds the action on the commitment's page and gives it an owner.
    sign_in(page, manager)
    expect(page.locator("h1")).to_have_text("To do")  # their start page; the plan is in the navigation
    page.get_by_role("link", name="Force plan", exact=True).click()
    expect(page.locator("h1")).to_have_text("Avon and Somerset")
    expect(page.get_by_role("row", name=re.compile(f"{REFERENCE}: {TITLE}"))).to_contain_text("National commitment")
    open_commitment(page)
    expect(page.locator("#table-forces tbody tr")).to_have_count(1)  # their own force's row only
    expect_row(page, "Avon and Somerset", "Not started", due, "Priya Manager")
    expect(page.get_by_role("link", name="Propose a later date for Avon and Somerset")).to_be_visible()
    expect(page.locator("#awaiting")).to_have_count(0)
    checked(page, "manager-view")
    force_row(page, "Avon and Somerset").get_by_role("link", name="Avon and Somerset").click()
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("#national-commitment")).to_contain_text(f"National commitment {REFERENCE}")
    checked(page, "manager-action")
    page.get_by_role("link", name="Edit action details").click()
    expect(page.locator("h1")).to_have_text(f"Edit action {REFERENCE}")
    expect(page.locator("#national-fields")).to_contain_text(TITLE)
    expect(page.get_by_label("Title", exact=True)).to_have_count(0)  # the national team's words are not inputs
    checked(page, "assign")
    page.get_by_label("Owner").select_option(label=f"Owen Owner ({owner.email})")
    page.get_by_role("button", name="Save action").click()
    expect(banner(page)).to_contain_text("Action saved")
    expect(page.locator("main")).to_contain_text(f"Owen Owner ({owner.email})")
    page.get_by_role("button", name="Add a milestone").click()  # the force's own milestone on it
    page.get_by_label("Milestone").fill(MILESTONE)
    fill_date(page, "Due date", today + timedelta(days=30))
    page.get_by_role("button", name="Save milestone").click()
    expect(page.locator("#milestones + .app-table-scroll table tbody tr")).to_contain_text([MILESTONE])

    # 3. The owner starts it, writes an update, uploads evidence and asks for sign-off.
    sign_in(page, owner)
    page.get_by_role("link", name=f"{REFERENCE}: {TITLE}").click()
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("#national-commitment")).to_contain_text(f"National commitment {REFERENCE}")
    expect(page.get_by_role("button", name="Close as not needed")).to_have_count(0)
    checked(page, "owner-action")
    page.get_by_role("button", name="Start work").click()
    page.get_by_role("button", name="Start work").click()
    expect(page.locator(".govuk-tag", has_text="In progress").first).to_be_visible()
    page.get_by_role("button", name="Add a progress update").click()
    page.get_by_label("What has happened since the last update?").fill(UPDATE)
    page.get_by_role("button", name="Save update").click()
    expect(banner(page)).to_contain_text("Progress update added")
    page.get_by_role("button", name=re.compile(rf"^Mark as done\W+{MILESTONE}$")).click()
    expect(banner(page)).to_contain_text(f"Milestone completed: {MILESTONE}")
    page.get_by_role("link", name="Upload evidence").click()
    with page.expect_file_chooser() as chooser:
        page.get_by_label("Upload files").click()
    chooser.value.set_files({"name": "isva-pathway.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE})
    page.get_by_label("Describe the evidence").fill("The ISVA referral pathway")
    page.get_by_label("Which milestone is it for? (optional)").select_option(label=MILESTONE)
    page.get_by_role("button", name="Upload evidence").click()
    expect(banner(page)).to_contain_text("1 file uploaded")
    page.get_by_role("button", name="Ask for sign-off").click()
    page.get_by_label("What has been done? (optional)").fill("Pathway attached.")
    page.get_by_role("button", name="Ask for sign-off").click()
    expect(banner(page)).to_contain_text(f"{REFERENCE} is now awaiting sign-off")
    checked(page, "owner-awaiting-sign-off")

    # 4. The programme manager (not the owner: four eyes) accepts the evidence and signs the action off.
    sign_in(page, manager)
    page.get_by_role("link", name=f"{REFERENCE}: {TITLE}").click()
    expect(page.locator(".govuk-tag", has_text="Awaiting sign-off").first).to_be_visible()
    page.get_by_role("link", name="Review isva-pathway.pdf").click()
    page.get_by_label("Yes, accept it").check()
    page.get_by_role("button", name="Save review").click()
    expect(banner(page)).to_contain_text("isva-pathway.pdf accepted")
    page.get_by_role("button", name="Sign off as complete").click()
    expect(page.locator("main")).to_contain_text("1 piece of evidence accepted")
    page.get_by_label("Sign-off comment (optional)").fill("Pathway seen at the RASSO board.")
    page.get_by_role("button", name="Sign off as complete").click()
    expect(banner(page)).to_contain_text(f"{REFERENCE} is now complete")
    expect(page.locator("main")).to_contain_text("signed off by Priya Manager")
    open_commitment(page)
    expect_row(page, "Avon and Somerset", AWAITING, due, "Owen Owner")  # the force sees it waits too
    expect(page.get_by_role("link", name=re.compile("^Confirm or return"))).to_have_count(0)  # not theirs to do

    # 5. The national team confirms Avon and Somerset's completion (no decision chosen first).
    sign_in(page, oversight)
    open_commitment(page)
    expect_row(page, "Avon and Somerset", AWAITING, due, "Owen Owner")
    expect(page.locator("#by-standing tbody")).to_contain_text(AWAITING)
    expect(page.locator("#awaiting")).to_have_text("Awaiting national confirmation")
    checked(page, "awaiting-confirmation")
    page.get_by_role("link", name="Confirm or return Avon and Somerset's completion").click()
    expect(page.locator("h1")).to_have_text("Avon and Somerset has signed it off")
    expect(page.locator("main")).to_contain_text("The referral pathway and a month's audit of offers")
    checked(page, "completion")
    expect(page.get_by_role("group", name="What does the national team decide?")).to_be_visible()
    page.get_by_role("button", name="Save the decision").click()
    expect_errors(page, "Select whether to confirm the completion or return it")
    checked(page, "completion-error")
    page.get_by_label("Confirm the completion").check()
    page.get_by_role("button", name="Save the decision").click()
    expect(banner(page)).to_contain_text(f"Avon and Somerset's completion of {REFERENCE} confirmed")
    expect_row(page, "Avon and Somerset", CONFIRMED, due, "Owen Owner")
    expect(page.locator("#awaiting")).to_have_count(0)
    checked(page, "confirmed")
    # The morning's snapshot (the 06:00 job's work) starts the completion trend: a chart and its table.
    snapshots.build_live(db.session, clock.today())
    db.session.commit()
    page.reload()
    expect(page.locator("#chart-trend .main-svg").first).to_be_visible()
    expect(page.locator("#table-trend tbody tr td").first).to_have_text("20")  # 1 of 5 forces signed off
    checked(page, "trend")

    # 6. Durham's programme manager proposes a later date (not a later one first); the national team
    # refuses it (no reason first) and Durham's due date stays.
    later = due + timedelta(days=60)
    sign_in(page, durham)
    open_commitment(page)
    expect(page.locator("#table-forces tbody tr")).to_have_count(1)
    expect_row(page, "Durham", "Not started", due, "Dana Durham")
    page.get_by_role("link", name="Propose a later date for Durham").click()
    expect(page.locator("h1")).to_have_text("Propose a later date")
    expect(page.locator("main")).to_contain_text(f"now {govuk_date(due)}")
    checked(page, "propose")
    fill_date(page, "Proposed due date", due)
    page.get_by_label("Why does the force need a later date?").fill("Our second ISVA service starts in May")
    page.get_by_role("button", name="Send to the national team").click()
    expect_errors(page, "Propose a date after the current due date")
    expect(page.get_by_label("Why does the force need a later date?")).to_have_value(
        "Our second ISVA service starts in May")
    checked(page, "propose-error")
    fill_date(page, "Proposed due date", later)
    page.get_by_role("button", name="Send to the national team").click()
    expect(banner(page)).to_contain_text("Your proposed date has been sent to the national team")
    expect(page.locator("#proposals")).to_have_count(0)  # the decision is not the force's
    expect_row(page, "Durham", "Not started", due, "Dana Durham")

    sign_in(page, oversight)
    open_commitment(page)
    expect(page.locator("#proposals")).to_have_text("Date proposals waiting for a decision")
    checked(page, "proposal-waiting")
    page.get_by_role("link", name=f"Durham proposes {govuk_date(later)}").click()
    expect(page.locator("h1")).to_have_text("Durham proposes a later date")
    expect(page.locator("main")).to_contain_text("Our second ISVA service starts in May")
    checked(page, "decide")
    # Each group of choices is a question a screen reader announces with its options.
    expect(page.get_by_role("group", name="What does the national team decide?")).to_be_visible()
    page.get_by_label("Refuse it").check()
    page.get_by_role("button", name="Save the decision").click()
    expect_errors(page, "Enter why the national team refuses the date")
    expect(page.get_by_label("Refuse it")).to_be_checked()
    checked(page, "decide-error")
    page.get_by_label("Why? (needed when refusing)").fill("Every pathfinder must offer an ISVA by this date: "
                                                          "borrow one from the regional service")
    page.get_by_role("button", name="Save the decision").click()
    expect(banner(page)).to_contain_text("Durham's proposed date refused")
    expect(page.locator("#proposals")).to_have_count(0)
    expect_row(page, "Durham", "Not started", due, "Dana Durham")
    checked(page, "refused")
    force_row(page, "Durham").get_by_role("link", name="Durham").click()
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(".govuk-caption-l")).to_have_text(f"Action {REFERENCE}, Durham")
    due_row = page.locator(".govuk-summary-list__row", has=page.get_by_text("Due date", exact=True))
    expect(due_row.locator("dd")).to_have_text(govuk_date(due))
    expect(page.locator("#replans")).to_have_count(0)  # no re-plan: the date never moved

    # 7. The national team adds Kent, then takes South Wales off (no reason first).
    open_commitment(page)
    page.get_by_role("link", name="Add forces").click()
    expect(page.locator("h1")).to_have_text("Add forces to the commitment")
    checked(page, "add-forces")
    page.get_by_label("Kent", exact=True).check()
    page.get_by_role("button", name="Add to these forces' plans").click()
    expect(banner(page)).to_contain_text(f"Kent now carries {REFERENCE} in its plan")
    expect_row(page, "Kent", "Not started", due, "No owner")
    page.get_by_role("link", name="Take a force off the commitment").click()
    page.get_by_label("Which force no longer needs to do this?").select_option(label="South Wales")
    page.get_by_role("button", name="Take the force off").click()
    expect_errors(page, "Enter why the force no longer needs to do this")
    checked(page, "remove-force-error")
    page.get_by_label("Why does the force no longer need to do this?").fill("South Wales offers ISVAs through the "
                                                                          "all-Wales service")
    page.get_by_role("button", name="Take the force off").click()
    expect(banner(page)).to_contain_text(f"South Wales no longer carries {REFERENCE}")
    expect(force_row(page, "South Wales")).to_have_count(0)
    expect(page.locator("#removed")).to_have_text("Taken off the commitment")
    checked(page, "removed")
    assert page.problems == [], page.problems
