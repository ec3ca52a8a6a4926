"""An action says why its RAG is what it is, and what would make it green, in the same words on its
page, in My actions and in the force's plan (issue: daily work made easy, item 3), on a phone too."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from improvement_tracker.extensions import db
from tests import factories
from tests.browser.conftest import sign_in, visit_checked

pytestmark = pytest.mark.browser
WHY = "Amber: due in 12 days and no update for 34 days"


def test_the_rag_explains_itself_wherever_the_action_is_listed(page):
    today = date.today()
    owner = factories.create_user("action_owner", name="Owen Owner")
    manager = factories.create_user("programme_manager", name="Priya Manager")
    action = factories.create_action(owner, status="in_progress", due=today + timedelta(days=12),
                                     title="Repeat suspect markers")
    action.last_update_at = datetime.combine(today - timedelta(days=34), datetime.min.time()).replace(hour=12)
    factories.changed(action)
    db.session.commit()

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, owner)
    page.goto("/my-actions")
    row = page.locator("tr", has=page.get_by_role("link", name=f"{action.reference}: Repeat suspect markers"))
    expect(row).to_contain_text(WHY)
    visit_checked(page, "rag-reason-my-actions-390")
    row.get_by_role("link", name=f"{action.reference}: Repeat suspect markers").click()
    expect(page.locator("#rag-reason")).to_have_text(f"{WHY}. To make it green, add a progress update.")
    visit_checked(page, "rag-reason-action-390")

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, manager)
    page.goto("/forces/avon-and-somerset")
    expect(page.locator("tr", has=page.get_by_role("link", name=f"{action.reference}: Repeat suspect markers"))
           ).to_contain_text(WHY)
    visit_checked(page, "rag-reason-force-plan")
