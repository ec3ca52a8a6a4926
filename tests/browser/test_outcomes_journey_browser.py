"""Outcome figures in a real browser (issue 14): the national team loads a file of figures for all 43
forces, previews and confirms it, reads the national outcomes page, changes the measure and drills into
a force; a programme manager saves the 2019 baseline and a quarter's figures (a bad value first) and
sees them at a glance on the force's page; administrators change a measure's words. axe finds nothing
on every page and error state, and at 390 CSS pixels wide none of them scrolls sideways."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import Force
from improvement_tracker.services import clock, outcome_import, reporting_periods
from tests import factories
from tests.browser.conftest import expect_errors, sign_in, visit_checked
from tests.browser.test_reflow_browser import PHONE

pytestmark = pytest.mark.browser

HEADER = ["force code", "quarter", "measure", "value"]
# (part, whole): a part is never above its whole, so every rate stays within 100 %.
PARTS = (("charges", "recorded_offences"), ("victim_withdrawals", "outcomes_assigned"),
         ("phones_returned_24h", "phones_taken"))
# The measures a programme manager types (rates are worked out from them).
BASELINE = {"recorded_offences": "200", "referrals": "20", "charges": "6", "outcomes_assigned": "180",
            "victim_withdrawals": "90", "median_days_to_charge": "400", "phones_taken": "40",
            "phones_returned_24h": "8"}
QUARTER = {"recorded_offences": "250", "referrals": "42", "charges": "12", "outcomes_assigned": "200",
           "victim_withdrawals": "80", "median_days_to_charge": "300", "phones_taken": "50",
           "phones_returned_24h": "45"}
NAMES = {"recorded_offences": "Recorded adult rape offences",
         "referrals": "Referrals to the CPS for a charging decision", "charges": "Charges or summons",
         "outcomes_assigned": "Outcomes assigned",
         "victim_withdrawals": "Closed because the victim does not support further action",
         "median_days_to_charge": "Median days from report to charge",
         "phones_taken": "Victims' phones taken for examination",
         "phones_returned_24h": "Victims' phones returned within 24 hours"}


@pytest.fixture(autouse=True)
def import_dir(app, tmp_path):
    """This file's uploads are kept in its own folder."""
    app.config["OUTCOME_IMPORT_DIR"] = str(tmp_path / "outcome-imports")
    yield
    app.config.pop("OUTCOME_IMPORT_DIR")


def ended_quarters() -> list[reporting_periods.Quarter]:
    """The last four quarters that have ended, oldest first."""
    quarters = [reporting_periods.quarter_of(clock.today()).preceding]
    while len(quarters) < 4:
        quarters.append(quarters[-1].preceding)
    return list(reversed(quarters))


def force_figures(n: int, step: int | None) -> dict[str, int]:
    """Force number n's figures for its 2019 baseline (step None) or its step-th quarter since (0 to 3):
    forces differ in size and in how fast they improve, so the rankings differ."""
    size = 80 + (n * 53) % 420
    k = 0 if step is None else step + 1
    recorded = size * (100 + 3 * k + n % 9) // 100
    assigned = recorded * 9 // 10
    phones = size // 5 + k
    figures = {
        "recorded_offences": recorded,
        "referrals": max(3, size * (6 + n % 5) // 100) * (100 + k * (10 + (n * 7) % 31)) // 100,
        "charges": max(1, size * (3 + n % 3) * (100 + k * (4 + n % 11) * 3) // 10_000),
        "outcomes_assigned": assigned,
        "victim_withdrawals": assigned * (45 + n % 15 - 3 * k) // 100,
        "median_days_to_charge": 380 + (n * 7) % 120 - k * (5 + n % 10),
        "phones_taken": phones,
        "phones_returned_24h": phones * min(100, 10 + k * (12 + n % 9) + n % 20) // 100,
    }
    assert all(figures[part] <= figures[whole] for part, whole in PARTS), figures
    return figures


def figures_csv(codes: list[str], bad_row: bool = False, revise: bool = False) -> bytes:
    """A file of every force's figures: its 2019 baseline and the last four ended quarters. `bad_row`: a
    word for a number on row 4; `revise`: the first force's referrals a year ago (published) one higher."""
    rows: list[list] = []
    for n, code in enumerate(codes):
        for step, quarter in [(None, "baseline"), *((s, reporting_periods.label(q))
                                                    for s, q in enumerate(ended_quarters()))]:
            rows.extend([code, quarter, measure, value] for measure, value in force_figures(n, step).items())
    if bad_row:
        rows[2][3] = "twelve"
    if revise:
        assert rows[9][1:3] == [reporting_periods.label(ended_quarters()[0]), "referrals"]
        rows[9][3] += 1
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return buffer.getvalue().encode()


def force_codes() -> list[str]:
    codes = list(db.session.scalars(select(Force.code).order_by(Force.code)))
    assert len(codes) == 43
    return codes


def latest_period():
    last = reporting_periods.quarter_of(clock.today()).preceding
    return factories.create_period(last.financial_year, last.quarter)


def load_figures(codes: list[str]) -> None:
    """Every force's figures, loaded as the import's confirmation would."""
    data = figures_csv(codes)
    report = outcome_import.check(db.session, data, "figures.csv", clock.today())
    assert report.ok, report.errors
    outcome_import.apply(db.session, report, None, clock.today())
    db.session.commit()


def table_rows(page, table: str):
    return page.locator(f"#table-{table} tbody tr")


def assert_no_sideways_scroll(page, name: str) -> None:
    """No wider than the window (WCAG 2.2 1.4.10); wide tables scroll in their own box, which can be
    reached by keyboard and is named for a screen reader."""
    page.wait_for_load_state()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name} scrolls sideways at {widths[1]}px: it is {widths[0]}px wide"
    boxes = page.locator(".app-table-scroll").evaluate_all(
        "boxes => boxes.map(b => [b.getAttribute('role'), b.tabIndex, !!b.getAttribute('aria-label')])")
    assert all(box == ["region", 0, True] for box in boxes), f"{name}: a table's scrolling box is {boxes}"


def test_the_national_team_loads_every_forces_figures_and_drills_into_a_force(page, tmp_path):
    codes = force_codes()
    latest = reporting_periods.label(ended_quarters()[-1])
    sign_in(page, factories.create_user("oversight", None, name="Olu National"))

    page.get_by_role("link", name="Outcomes", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Outcomes across England and Wales")
    expect(page.locator("main")).to_contain_text("No force has given any figures yet")
    visit_checked(page, "outcomes-national-empty")
    page.get_by_role("link", name="Load figures from a file").click()
    expect(page.locator("h1")).to_have_text("Load outcome figures from a file")
    visit_checked(page, "outcomes-import")

    page.get_by_role("button", name="Upload and check").click()  # no file chosen
    expect_errors(page, "Select a file of figures to load")
    visit_checked(page, "outcomes-import-error")

    # A file with one bad value: every problem by row and column, and nothing loaded.
    bad = tmp_path / "figures.csv"
    bad.write_bytes(figures_csv(codes, bad_row=True))
    page.get_by_label("Upload the file of figures").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("h1")).to_have_text("Fix the problems in your file")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Row 4, column D (value)")
    expect(page.get_by_role("button", name="Load the figures")).to_have_count(0)
    visit_checked(page, "outcomes-import-problems")

    # The corrected file: the preview counts every force, quarter and figure.
    fixed = tmp_path / "figures-fixed.csv"
    fixed.write_bytes(figures_csv(codes))
    page.get_by_label("Upload the file of figures").set_input_files(str(fixed))
    page.get_by_role("button", name="Upload and check again").click()
    expect(page.locator("h1")).to_have_text("Check the figures before you load them")
    counts = page.locator("#counts .govuk-summary-list__row").evaluate_all(
        "rows => rows.map(r => [r.querySelector('dt').innerText.trim(), r.querySelector('dd').innerText.trim()])")
    assert dict(counts) == {"Forces": "43", "Quarters": "5", "New figures": "1,720", "Changed figures": "0",
                            "Unchanged figures": "0"}
    expect(page.locator("#changes tbody tr")).to_have_count(200)  # the first page of 1,720 changes
    visit_checked(page, "outcomes-import-preview")
    expect(page.locator("#revisions")).to_have_count(0)  # new figures revise nothing published: no reason asked
    page.get_by_role("button", name="Load the figures").click()

    # The national page: the success message, 43 forces ranked, the trend drawn with its table.
    expect(page.locator("h1")).to_have_text("Outcomes across England and Wales")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Loaded figures-fixed.csv: 1,720 new, 0 changed and 0 unchanged figures for 43 forces")
    expect(page.get_by_label("Quarter", exact=True)).to_have_value(re.compile(r"q\d$"))
    expect(page.locator("#summary")).to_have_text(f"{latest} across England and Wales")
    expect(table_rows(page, "outcomes-ranking")).to_have_count(43)
    expect(page.locator("#table-outcomes-ranking caption")).to_contain_text("Charge or summons rate")
    expect(page.locator("#chart-outcomes-trend svg").first).to_be_visible()
    expect(table_rows(page, "outcomes-trend")).to_have_count(4)
    expect(table_rows(page, "outcomes-progress")).to_have_count(43)
    expect(page.locator(".govuk-warning-text")).to_contain_text("association, not cause")
    visit_checked(page, "outcomes-national", charts=2)
    first_by_rate = table_rows(page, "outcomes-ranking").first.locator("td").first.inner_text()

    # Ranked on referrals instead: a different order.
    page.get_by_label("Measure to rank and trend").select_option("referrals")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/outcomes\?(.*&)?measure=referrals"))
    expect(page.locator("#ranking")).to_have_text("Forces ranked on referrals to the CPS for a charging decision")
    expect(page.get_by_label("Measure to rank and trend")).to_have_value("referrals")
    expect(table_rows(page, "outcomes-ranking")).to_have_count(43)
    expect(page.locator("#table-outcomes-trend caption")).to_contain_text("against the 2019 average (×)")
    visit_checked(page, "outcomes-national-referrals", charts=2)
    top = table_rows(page, "outcomes-ranking").first
    assert top.locator("td").first.inner_text() != first_by_rate, "the rankings on two measures are the same"

    # Drill into the top force: its table and a chart for every measure.
    name = top.locator("td").first.inner_text()
    top.get_by_role("link", name=name, exact=True).click()
    expect(page.locator("h1")).to_have_text("Outcomes")
    expect(page.locator(".govuk-caption-l")).to_have_text(name)
    expect(page.locator("#table-outcomes-latest caption")).to_have_text(f"{latest} at a glance")
    expect(table_rows(page, "outcomes-latest")).to_have_count(11)
    expect(table_rows(page, "referrals")).to_have_count(4)
    expect(page.locator("#chart-charge_rate svg").first).to_be_visible()
    visit_checked(page, "outcomes-force", charts=11)
    page.get_by_role("link", name="History of the figures").click()
    expect(page.locator("h1")).to_have_text("History of the outcome figures")
    expect(page.locator(".app-history-entry")).to_have_count(5)  # the baseline and four quarters
    visit_checked(page, "outcomes-force-history")


def test_a_programme_manager_enters_a_quarters_figures_and_sees_them_at_a_glance(page):
    period = latest_period()
    label = reporting_periods.label(period)
    manager = factories.create_user("programme_manager", name="Priya Manager")
    sign_in(page, manager)
    page.goto("/forces/avon-and-somerset/outcomes")
    expect(page.locator("main")).to_contain_text("The force has given no figures yet")
    visit_checked(page, "outcomes-force-empty")

    # The 2019 baseline first, on its own page.
    page.get_by_role("link", name="2019 baseline").click()
    expect(page.locator("h1")).to_have_text("2019 baseline")
    expect(page.get_by_label("Charge or summons rate")).to_have_count(0)  # rates are never typed
    visit_checked(page, "outcomes-baseline")
    for code, value in BASELINE.items():
        page.get_by_label(NAMES[code], exact=True).fill(value)
    page.get_by_role("button", name="Save figures").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2019 baseline saved")

    # The latest ended quarter: a word where a number should be, then the figures right.
    page.get_by_role("link", name=f"{label} figures", exact=True).click()
    expect(page.locator("h1")).to_have_text(label)
    visit_checked(page, "outcomes-enter")
    for code, value in QUARTER.items():
        page.get_by_label(NAMES[code], exact=True).fill(value)
    page.get_by_label("Charges or summons", exact=True).fill("twelve")
    page.get_by_role("button", name="Save figures").click()
    expect_errors(page, "Enter charges or summons as a number, like 120")
    expect(page.get_by_label("Charges or summons", exact=True)).to_have_value("twelve")
    expect(page.get_by_label(NAMES["referrals"], exact=True)).to_have_value("42")
    visit_checked(page, "outcomes-enter-error")
    page.get_by_label("Charges or summons", exact=True).fill("12")
    page.get_by_role("button", name="Save figures").click()
    # (A published quarter asks a reason only when figures saved before change: these are its first.)
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{label} outcome figures saved")

    # At a glance: 42 referrals, 2.1 × the 2019 average of 20; the charge rate 12 ÷ 250 = 4.8 %.
    expect(page).to_have_url(re.compile(r"/forces/avon-and-somerset/outcomes#latest$"))
    glance = page.locator("#table-outcomes-latest")
    expect(glance.locator("caption")).to_have_text(f"{label} at a glance")
    referrals = glance.locator("tbody tr", has_text=NAMES["referrals"])
    expect(referrals.locator("td").nth(0)).to_have_text("42")
    expect(referrals.locator("td").nth(1)).to_have_text("2.1 ×")
    rate = glance.locator("tbody tr", has_text="Charge or summons rate")
    expect(rate.locator("td").nth(0)).to_have_text("4.8")
    expect(rate.locator("td").nth(1)).to_have_text("+1.8 points")
    visit_checked(page, "outcomes-force-entered", charts=11)
    page.get_by_role("link", name="History of the figures").click()
    expect(page.locator(".app-history-entry").first).to_contain_text("Priya Manager")
    expect(page.locator("main")).to_contain_text("Charges or summons: no figure → 12")
    visit_checked(page, "outcomes-history")


def test_the_measure_pages_and_an_administrators_change_to_a_measures_words(page):
    sign_in(page, factories.create_user("admin", None, name="Ada Admin"))
    page.goto("/outcomes/measures")
    expect(page.locator("h1")).to_have_text("Outcome measures")
    expect(page.locator("main tbody tr")).to_have_count(11)
    visit_checked(page, "outcome-measures")
    page.get_by_role("link", name="Charge or summons rate", exact=True).click()
    expect(page.locator("h1")).to_have_text("Charge or summons rate")
    expect(page.locator("#caveat + .govuk-inset-text")).to_contain_text("not the same cases")
    visit_checked(page, "outcome-measure")
    page.get_by_role("link", name="Change the wording").click()
    expect(page.locator("h1")).to_have_text("Change the wording")
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_role("button", name="Save changes").click()
    expect_errors(page, "Enter the measure's name")
    visit_checked(page, "outcome-measure-edit-error")


def test_no_outcomes_page_scrolls_sideways_on_a_phone(page, tmp_path):
    codes = force_codes()
    load_figures(codes)
    period = latest_period()
    admin = factories.create_user("admin", None, name="Ada Admin")

    page.set_viewport_size(PHONE)
    sign_in(page, admin)
    for name, path, heading, charts in (
        ("national outcomes", "/outcomes", "Outcomes across England and Wales", 2),
        ("national referrals", "/outcomes?measure=referrals", "Outcomes across England and Wales", 2),
        ("force outcomes", "/forces/durham/outcomes", "Outcomes", 11),
        ("force history", "/forces/durham/outcomes/history", "History of the outcome figures", 0),
        ("baseline", "/forces/durham/outcomes/baseline", "2019 baseline", 0),
        ("enter", f"/forces/durham/outcomes/quarters/{reporting_periods.slug(period)}",
         reporting_periods.label(period), 0),
        ("measures", "/outcomes/measures", "Outcome measures", 0),
        ("measure", "/outcomes/measures/charge_rate", "Charge or summons rate", 0),
        ("measure edit", "/outcomes/measures/victim_withdrawal_share/edit", "Change the wording", 0),
        ("import", "/outcomes/import", "Load outcome figures from a file", 0),
    ):
        page.goto(path)
        expect(page.locator("h1")).to_have_text(heading)
        if charts:
            page.wait_for_function(f"() => document.querySelectorAll('.app-chart .main-svg').length >= {charts}")
        assert_no_sideways_scroll(page, name)
        visit_checked(page, f"outcomes-reflow-{name.replace(' ', '-')}")

    # Error states: a figure refused, a file with a bad row, and the preview of a good one.
    page.goto(f"/forces/durham/outcomes/quarters/{reporting_periods.slug(period)}")
    page.get_by_label("Charges or summons", exact=True).fill("RapeAndSeriousSexualOffencesChargedInTheQuarter")
    page.get_by_role("button", name="Save figures").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_no_sideways_scroll(page, "a quarter's figures with an error")
    visit_checked(page, "outcomes-reflow-enter-error")
    bad = tmp_path / "figures-bad.csv"
    bad.write_bytes(figures_csv(codes, bad_row=True))
    page.goto("/outcomes/import")
    page.get_by_label("Upload the file of figures").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("h1")).to_have_text("Fix the problems in your file")
    assert_no_sideways_scroll(page, "a file's problems")
    visit_checked(page, "outcomes-reflow-import-problems")

    # A file revising a published figure: its preview, and the reason it asks for.
    revised = tmp_path / "figures-revised.csv"
    revised.write_bytes(figures_csv(codes, revise=True))
    page.get_by_label("Upload the file of figures").set_input_files(str(revised))
    page.get_by_role("button", name="Upload and check again").click()
    expect(page.locator("h1")).to_have_text("Check the figures before you load them")
    expect(page.locator("#revisions tbody tr")).to_have_count(1)
    expect(page.locator("#changes tbody tr")).to_have_count(1)
    assert_no_sideways_scroll(page, "the preview")
    visit_checked(page, "outcomes-reflow-import-preview")
    page.get_by_role("button", name="Load the figures").click()
    expect_errors(page, "Give a reason for revising published figures")
    assert_no_sideways_scroll(page, "the preview asking for a reason")
    visit_checked(page, "outcomes-reflow-import-reason-error")
    page.get_by_label("Why are these published figures being revised?").fill("Avon and Somerset's referrals "
                                                                             "were corrected after an audit")
    page.get_by_role("button", name="Load the figures").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Loaded figures-revised.csv: 0 new, 1 changed and 1,719 unchanged figures for 43 forces")
