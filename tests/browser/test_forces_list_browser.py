"""The forces list in a browser: filter by cohort, country and computed RAG, sort by a column's
heading (aria-sort follows), on a desktop and a phone, and without JavaScript."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import sign_in, visit_checked
from tests.views.test_forces_list import _world  # the same three forces with overdue actions

pytestmark = pytest.mark.browser


def _names(page) -> list[str]:
    return page.locator("#forces tbody th").all_inner_texts()


def test_filter_then_sort_the_forces(page):
    sign_in(page, _world())
    page.get_by_role("link", name="Forces", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Forces")
    page.get_by_label("Computed RAG").select_option(label="Forces with red actions")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#forces-count")).to_have_text("3 of 43 forces match the filters.")
    page.locator("a.app-sortable__link", has_text="Overdue").click()
    expect(page.locator("#forces thead th", has_text="Overdue")).to_have_attribute("aria-sort", "descending")
    assert _names(page) == ["Durham", "Gwent", "Kent"]
    page.locator("a.app-sortable__link", has_text="Overdue").click()
    expect(page.locator("#forces thead th", has_text="Overdue")).to_have_attribute("aria-sort", "ascending")
    assert _names(page) == ["Kent", "Gwent", "Durham"]
    expect(page.get_by_label("Computed RAG")).to_have_value("red")  # the filter stays chosen
    visit_checked(page, "forces-sorted")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    visit_checked(page, "forces-sorted-390")


def test_sorting_works_without_javascript(browser, live_server):
    oversight = _world()
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.problems = []
    sign_in(page, oversight)
    page.goto("/forces?country=wales")
    page.locator("a.app-sortable__link", has_text="Overdue").click()
    assert page.locator("#forces tbody th").all_inner_texts()[0] == "Gwent"
    context.close()


def test_an_owner_sorts_my_actions_on_a_phone(page):
    today = date.today()
    owner = factories.create_user("action_owner", name="Owen Owner")
    for reference, due, status in (("A-3", 3, "blocked"), ("A-1", 9, "in_progress"), ("A-2", 5, "not_started")):
        factories.create_action(owner, reference=reference, due=today - timedelta(days=due), status=status)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, owner)
    page.goto("/my-actions")
    page.locator("#overdue a.app-sortable__link", has_text="Status").click()
    expect(page.locator("#overdue thead th", has_text="Status")).to_have_attribute("aria-sort", "ascending")
    links = page.locator("#overdue tbody td:first-child > a").all_inner_texts()
    assert [text.split(":")[0] for text in links] == ["A-2", "A-1", "A-3"]
    visit_checked(page, "my-actions-sorted-390")
