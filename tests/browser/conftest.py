"""Real Chromium (Debian's) through Playwright, against the app served from a thread.

Outside CI the browser tests skip when no Chromium is installed; REQUIRE_BROWSER=1 (set by
.ci/run) turns a missing browser into a failure.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts")


def _require_browser() -> None:
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    _require_browser()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    # Generous waits: CI runs two workers on two cores, with axe-core on every page.
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.problems = []  # console errors and CSP violations: none are allowed
    page.on("console", lambda m: m.type in ("error", "warning") and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    yield page
    context.close()


def sign_in(page, user) -> None:
    """Sign in through the form, in a fresh session."""
    from tests import factories

    # Leave the old page first: its late static requests would otherwise set the old session
    # cookie again after it was cleared.
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def visit_checked(page, name: str, charts: int = 0) -> None:
    """The page a journey has reached: no axe violations, no console errors, a screenshot.

    `charts`: how many plotly charts the page draws; axe waits until they are drawn.
    """
    page.wait_for_load_state()
    if charts:
        page.wait_for_function(f"() => document.querySelectorAll('.app-chart .main-svg').length >= {charts}")
    check_accessibility(page)
    assert page.problems == [], page.problems
    screenshot(page, name)


def screenshot(page, name: str) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"{name}.png"), full_page=True)


def check_accessibility(page) -> None:
    """axe-core (shipped in the axe-playwright-python wheel): no WCAG 2.2 A/AA violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
    violations = results.response["violations"]
    assert violations == [], "\n".join(
        f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in violations)


def expect_errors(page, *messages: str) -> None:
    """A form shown again with errors: the GOV.UK error summary has focus and links each message,
    and each message is also shown next to its field."""
    from playwright.sync_api import expect

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    for message in messages:
        expect(summary.get_by_role("link", name=message)).to_be_visible()
        expect(page.locator(".govuk-error-message", has_text=message)).to_be_visible()


def forget_http_error(page, status: int) -> None:
    """An error page was expected: drop the browser's own console line about its status."""
    page.problems[:] = [p for p in page.problems if f"status of {status}" not in p]
