"""The forces list filters by cohort, country and computed RAG, and sorts by any column with plain
links that say their state to assistive technology (aria-sort)."""

from __future__ import annotations

from datetime import timedelta

from improvement_tracker.services import clock
from tests import factories


def _names(page) -> list[str]:
    return [th.get_text(strip=True) for th in page.select("#forces tbody th")]


def _heading(page, text: str):
    return next(a for a in page.select("a.app-sortable__link") if a.get_text(" ", strip=True).startswith(text))


def _world():
    today = clock.today()
    for code, overdue in (("durham", 3), ("kent", 1), ("gwent", 2)):
        owner = factories.create_user("action_owner", code)
        for n in range(overdue):
            factories.create_action(owner, reference=f"X-{n}", due=today - timedelta(days=5), status="in_progress")
    return factories.create_user("oversight", None)


def test_the_forces_list_filters_and_sorts(client_request):
    client_request.login(_world())
    page = client_request.get("/forces")
    assert len(_names(page)) == 43 and _names(page)[0] == "Avon and Somerset"
    assert page.select_one("#forces th[aria-sort='ascending']").get_text(" ", strip=True).startswith("Force")

    # Overdue, largest first from its heading's link; the heading says so; filters are kept in links.
    link = _heading(page, "Overdue")
    page = client_request.get(link["href"])
    assert _names(page)[:3] == ["Durham", "Gwent", "Kent"]
    assert page.select_one("#forces th[aria-sort='descending']").get_text(" ", strip=True).startswith("Overdue")
    page = client_request.get("/forces?sort=overdue&order=asc")
    assert _names(page)[-3:] == ["Kent", "Gwent", "Durham"]

    assert _names(client_request.get("/forces?cohort=pathfinder")) == [
        "Avon and Somerset", "Durham", "Metropolitan Police Service", "South Wales", "West Midlands"]
    assert _names(client_request.get("/forces?country=wales&sort=red&order=desc")) == [
        "Gwent", "Dyfed-Powys", "North Wales", "South Wales"]
    page = client_request.get("/forces?rag=red")
    assert _names(page) == ["Durham", "Gwent", "Kent"]
    assert "3 of 43 forces match the filters" in page.select_one("#forces-count").get_text(" ", strip=True)
    heading = _heading(page, "Blocked")
    assert "rag=red" in heading["href"]  # sorting keeps the filters
    # Nonsense is ignored, not an error.
    assert len(_names(client_request.get("/forces?cohort=nowhere&sort=x&order=y&rag=purple"))) == 43


def test_my_actions_sort_within_each_list(client_request):
    today = clock.today()
    owner = factories.create_user("action_owner", name="Owen Owner")
    for reference, due, status in (("A-3", 3, "blocked"), ("A-1", 9, "in_progress"), ("A-2", 5, "not_started")):
        factories.create_action(owner, reference=reference, due=today - timedelta(days=due), status=status)
    client_request.login(owner)

    def order(page) -> list[str]:
        return [a.get_text(strip=True).split(":")[0] for a in page.select("#overdue tbody td:first-child > a")]

    page = client_request.get("/my-actions")
    assert order(page) == ["A-1", "A-2", "A-3"]  # longest overdue first: by due date
    assert page.select_one("#overdue th[aria-sort='ascending']").get_text(" ", strip=True).startswith("Due")
    page = client_request.get(_heading(page, "Status")["href"])
    assert order(page) == ["A-2", "A-1", "A-3"]  # not started, in progress, blocked
    assert page.select_one("#overdue th[aria-sort='ascending']").get_text(" ", strip=True).startswith("Status")
    page = client_request.get("/my-actions?sort=action&order=desc")
    assert order(page) == ["A-3", "A-2", "A-1"]
