"""The import's "done when", in a real browser: download the template, fill it in, upload it,
read the preview, fix the one bad row, upload again, add a new owner and confirm; the plan is
on the force page. Every page is checked with axe and for console errors (CSP violations)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from improvement_tracker.services.imports.columns import SHEETS_BY_KIND
from tests import factories
from tests import import_sheets as sheets
from tests.browser.conftest import sign_in, visit_checked

pytestmark = pytest.mark.browser


def fill(template: bytes, **sheet_rows: list[dict]) -> bytes:
    book = load_workbook(io.BytesIO(template))
    for kind, rows in sheet_rows.items():
        spec = SHEETS_BY_KIND[kind]
        keys = [c.key for c in spec.columns]
        for number, row in enumerate(rows, start=3):
            for key, value in row.items():
                book[spec.title].cell(row=number, column=keys.index(key) + 1, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_programme_manager_imports_their_plan_in_the_browser(page, tmp_path):
    pm = factories.create_user("programme_manager", name="Priya Manager")
    owner = factories.create_user("action_owner", name="Olive Owner")
    sign_in(page, pm)
    page.get_by_role("link", name="Force plan", exact=True).click()
    page.get_by_role("link", name="Import a plan from a spreadsheet").click()
    visit_checked(page, "import-upload")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the Excel template (XLSX)").click()
    template = (tmp_path / "template.xlsx")
    download.value.save_as(template)

    rows = {
        "deep_dives": [sheets.deep_dive()],
        "findings": [sheets.finding("AS-P1-01")],
        "actions": [
            sheets.action("AS-P1-01-A", owner.email, finding="AS-P1-01", due_date="31/03/2027"),
            sheets.action("AS-P1-01-B", "nia.new@example.police.uk", finding="AS-P1-01", owner_name="Nia New",
                          title="Case review panel", start_date="01/05/2027", due_date="01/04/2027"),
        ],
    }
    bad = tmp_path / "plan.xlsx"
    bad.write_bytes(fill(template.read_bytes(), **rows))
    page.get_by_role("button", name="Upload and check").click()  # no file chosen: an error first
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a spreadsheet to import")
    visit_checked(page, "import-upload-error")
    page.get_by_label("Upload your spreadsheet").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("h1")).to_have_text("Fix the problems in your spreadsheet")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Actions, row 4, column M (Due date)")
    visit_checked(page, "import-preview-problems")

    rows["actions"][1]["start_date"] = "01/03/2027"
    fixed = tmp_path / "plan-fixed.xlsx"
    fixed.write_bytes(fill(template.read_bytes(), **rows))
    page.get_by_label("Upload your spreadsheet").set_input_files(str(fixed))
    page.get_by_role("button", name="Upload and check again").click()
    expect(page.locator("h1")).to_have_text("Check your import")
    visit_checked(page, "import-preview")

    page.get_by_role("button", name="Import the plan").click()  # the new owner is not ticked yet
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select every new owner")
    visit_checked(page, "import-preview-owner-error")
    page.get_by_label("Nia New (nia.new@example.police.uk)").check()
    page.get_by_role("button", name="Import the plan").click()

    expect(page.locator("h1")).to_have_text("Avon and Somerset")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Imported plan-fixed.xlsx")
    expect(page.get_by_role("link", name="AS-P1-01-B: Case review panel")).to_be_visible()
    visit_checked(page, "import-done")
