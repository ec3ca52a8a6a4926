"""An action owner who opens a page of their own force meant for its programme managers is told so,
and where their actions are (a 403); another force's pages stay "Page not found" (a 404)."""

from __future__ import annotations

import pytest

from tests import factories

OWN_FORCE_PAGES = [
    "/forces/avon-and-somerset",
    "/forces/avon-and-somerset/dashboard",
    "/forces/avon-and-somerset/evidence",
    "/forces/avon-and-somerset/reminders",
    "/forces/avon-and-somerset/returns",
    "/forces/avon-and-somerset/import",
    "/forces/avon-and-somerset/deep-dives/new",
    "/forces/avon-and-somerset/plan.csv",
]


@pytest.mark.parametrize("path", OWN_FORCE_PAGES)
def test_an_action_owner_is_told_a_page_of_their_force_is_for_its_managers(client_request, path):
    client_request.login(factories.create_user("action_owner"))
    page = client_request.get(path, expected_status=403)
    assert page.h1.get_text(strip=True) == "This page is for your force's programme managers"
    assert page.title.get_text(strip=True).startswith("This page is for your force's programme managers")
    link = page.select_one("main a[href='/my-actions']")
    assert link is not None and link.get_text(strip=True) == "My actions"
    assert "You can see your actions in My actions" in page.select_one("main").get_text(" ", strip=True)
    assert "Page not found" not in page.get_text()
    # The same page of another force stays "Page not found": nothing about it is admitted to exist.
    page = client_request.get(path.replace("avon-and-somerset", "durham"), expected_status=404)
    assert page.h1.get_text(strip=True) == "Page not found"


def test_only_their_own_forces_pages_say_so(client_request):
    """A change sent to their force's plan is refused with the same words; a force that does not exist,
    and every other role's answers, are as they were."""
    client_request.login(factories.create_user("action_owner"))
    response = client_request.post("/forces/avon-and-somerset/deep-dives/new", {"title": "Mine"},
                                   expected_status=403)
    page = client_request.check_page(response)
    assert page.h1.get_text(strip=True) == "This page is for your force's programme managers"
    for path in ("/forces/no-such-force", "/forces/no-such-force/dashboard"):
        client_request.get(path, expected_status=404)
    client_request.login(factories.create_user("programme_manager", "durham"))
    assert client_request.get("/forces/avon-and-somerset", expected_status=404).h1.get_text(strip=True) == (
        "Page not found")
    client_request.login(factories.create_user("action_owner", "durham"))
    client_request.get("/forces/avon-and-somerset/dashboard", expected_status=404)
    client_request.login(factories.create_user("programme_manager"))
    client_request.get("/forces/avon-and-somerset")
