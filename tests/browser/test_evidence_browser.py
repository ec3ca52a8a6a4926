"""Evidence in a real browser, the issue's "done when" journey: an owner uploads two files, the
programme manager rejects one with a reason, accepts the other and signs the action off;
oversight downloads the accepted file; a user of another force gets a 404 for the same URL.
Every page is checked with axe and for console errors (a CSP violation shows up there)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories, files
from tests.browser import conftest as browser
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def visit_checked(page, name: str) -> None:
    browser.visit_checked(page, f"evidence-{name}")


def test_evidence_from_upload_to_sign_off_and_download(page, live_server):
    pm = factories.create_user("programme_manager", name="Priya Manager")
    owner = factories.create_user("action_owner", name="Owen Owner")
    oversight = factories.create_user("oversight", None, name="Olu Oversight")
    outsider = factories.create_user("programme_manager", "durham", name="Dara Durham")
    action = factories.create_action(owner, reference="AS-P1-01-A", status="in_progress",
                                     title="Train investigators in suspect-focused work")
    factories.create_milestone(action, "First cohort trained")
    action_url = f"/actions/{action.id}"

    # The owner uploads two files at once; a disguised web page is refused first.
    sign_in(page, owner)
    page.get_by_role("link", name="Train investigators").click()
    page.get_by_role("link", name="Upload evidence").click()
    visit_checked(page, "upload-form")
    page.set_input_files("#files", [{"name": "register.pdf", "mimeType": "application/pdf", "buffer": files.HTML}])
    page.get_by_label("Describe the evidence").fill("Attendance register and the dashboard")
    page.get_by_role("button", name="Upload evidence").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_contain_text("is not really a PDF")
    assert page.get_by_label("Describe the evidence").input_value() == "Attendance register and the dashboard"
    visit_checked(page, "upload-refused")
    page.set_input_files("#files", [
        {"name": "register.pdf", "mimeType": "application/pdf", "buffer": files.pdf()},
        {"name": "dashboard.png", "mimeType": "image/png", "buffer": files.png(40, 20)},
    ])
    page.get_by_label("Which milestone is it for? (optional)").select_option(label="First cohort trained")
    page.get_by_role("button", name="Upload evidence").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 files uploaded")
    evidence_table = page.locator("#evidence + .app-table-scroll table")
    expect(evidence_table.locator("tbody tr")).to_have_count(2)
    visit_checked(page, "owner-action")
    page.get_by_role("button", name="Ask for sign-off").click()
    page.get_by_role("button", name="Ask for sign-off").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is now awaiting sign-off")

    # The programme manager reviews from the force plan's count.
    sign_in(page, pm)
    page.get_by_role("link", name="Force plan", exact=True).click()
    expect(page.locator("#evidence-awaiting-review")).to_contain_text("Evidence awaiting review: 2")
    visit_checked(page, "pm-force-plan")
    page.get_by_role("link", name="Evidence awaiting review").click()
    visit_checked(page, "awaiting-review")
    page.get_by_role("link", name="Review register.pdf").click()
    page.get_by_label("No, reject it").check()
    page.get_by_label("If you reject it, why?").fill("This copy is not signed: upload the signed register.")
    visit_checked(page, "review-reject")
    page.get_by_role("button", name="Save review").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("register.pdf rejected")
    page.get_by_role("link", name="Review dashboard.png").click()
    page.get_by_label("Yes, accept it").check()
    page.get_by_role("button", name="Save review").click()
    expect(page.locator("main")).to_contain_text("No evidence is waiting for review.")
    visit_checked(page, "awaiting-review-empty")

    page.goto(action_url)
    page.get_by_role("button", name="Sign off as complete").click()
    expect(page.locator("main")).to_contain_text("1 piece of evidence accepted")
    visit_checked(page, "sign-off")
    page.get_by_role("button", name="Sign off as complete").click()
    expect(page.locator(".govuk-tag", has_text="Complete").first).to_be_visible()
    expect(page.locator("#evidence + .app-table-scroll table")).to_contain_text("This copy is not signed")
    visit_checked(page, "pm-action-complete")

    # Oversight reads the evidence, sees the image preview and downloads the accepted file.
    sign_in(page, oversight)
    page.goto(action_url)
    page.get_by_role("link", name="Details of dashboard.png").click()
    # The preview loads after the page: wait for it rather than racing it.
    page.wait_for_function("() => { const img = document.querySelector('figure img');"
                           " return img && img.complete && img.naturalWidth > 0; }")
    assert page.locator("figure img").evaluate("img => img.naturalWidth") == 40
    visit_checked(page, "oversight-evidence")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download dashboard.png").click()
    download = download_info.value
    assert download.suggested_filename == "dashboard.png"
    with open(download.path(), "rb") as handle:
        assert handle.read() == files.png(40, 20)
    download_url = download.url.removeprefix(live_server)
    assert download_url.endswith("/download")

    # Another force's programme manager gets "Page not found" for the same address.
    sign_in(page, outsider)
    response = page.goto(download_url)
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    page.problems[:] = [p for p in page.problems if "404" not in p]  # the browser logs the 404 itself
    visit_checked(page, "outsider-404")
