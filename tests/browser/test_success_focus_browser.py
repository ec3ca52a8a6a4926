"""After ticking a milestone or uploading a file, the success message is in view and has focus, on a
phone too (issue: daily work made easy, item 2): today the page jumped to the section, the banner off
screen and focus on the page's body."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests import factories, files
from tests.browser.conftest import sign_in, visit_checked

pytestmark = pytest.mark.browser


def _banner_in_view_with_focus(page, message: str) -> None:
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text(message)
    expect(banner).to_be_focused()
    expect(banner).to_be_in_viewport()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_success_message_is_in_view_and_has_focus(page, tmp_path, width):
    today = date.today()
    owner = factories.create_user("action_owner", name="Owen Owner")
    action = factories.create_action(owner, status="in_progress", due=today + timedelta(days=30),
                                     title="Train investigators")
    for n in range(6):  # a long page: the milestones and evidence sections sit well below the fold
        factories.create_milestone(action, f"Step {n + 1}", due=today + timedelta(days=n + 1))
    page.set_viewport_size({"width": width, "height": 844})
    sign_in(page, owner)
    page.goto(f"/actions/{action.id}")
    page.get_by_role("button", name=re.compile(r"^Mark as done\W+Step 1$")).click()
    _banner_in_view_with_focus(page, "Step 1")
    visit_checked(page, f"success-focus-milestone-{width}")

    upload = tmp_path / "register.pdf"
    upload.write_bytes(files.pdf("Training register"))
    page.get_by_role("link", name="Upload evidence").first.click()
    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_label("Describe the evidence").fill("Training register for the first cohort")
    page.get_by_role("button", name="Upload evidence").click()
    _banner_in_view_with_focus(page, "uploaded")
    visit_checked(page, f"success-focus-upload-{width}")
