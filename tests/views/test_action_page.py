"""The action page: what it keeps is the plan's data, shared by everyone who may see the action;
what each viewer may do is worked out for them on every request."""

from __future__ import annotations

from datetime import datetime, timedelta

from improvement_tracker.extensions import db
from improvement_tracker.services import clock, kept
from tests import factories


def _kept_action_pages() -> list:
    return [key for key in kept.kept._entries if key[0] == kept.ACTION_PAGE]


def _link(page, text: str) -> bool:
    return any(a.get_text(" ", strip=True) == text for a in page.select("a"))


def test_one_kept_page_serves_every_viewer_with_their_own_buttons(app, client_request):
    owner = factories.create_user("action_owner", name="Olive Owner")
    pm = factories.create_user("programme_manager", name="Pat Manager")
    action = factories.create_action(owner, status="in_progress", due=clock.today() + timedelta(days=60))
    url = f"/actions/{action.id}"

    as_owner = client_request.login(owner).get(url)
    assert _link(as_owner, "Add a progress update") and _link(as_owner, "Ask for sign-off")
    assert as_owner.select_one(".govuk-summary-list__actions") is None  # the owner cannot move the date

    as_manager = client_request.login(pm).get(url)
    assert _link(as_manager, "Ask for sign-off")  # a manager can work it too
    change = as_manager.select_one(".govuk-summary-list__actions a")
    assert change.get_text(" ", strip=True) == "Change due date"
    assert change["href"] == f"/actions/{action.id}/due-date"
    assert len(as_manager.select(".govuk-summary-list__row--no-actions")) == 7  # every row but the due date's

    # Two people, two sessions, one entry: nothing of a session (its CSRF token, its user) is kept.
    assert len(_kept_action_pages()) == 1
    for form in as_manager.select("form[method=post]"):
        assert form.select_one("input[name=csrf_token]")["value"]


def test_the_page_says_why_its_rag_is_what_it_is(app, client_request):
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner, status="in_progress", due=clock.today() + timedelta(days=12))
    action.last_update_at = datetime.combine(clock.today() - timedelta(days=40), datetime.min.time())
    factories.changed(action)
    db.session.commit()
    page = client_request.login(owner).get(f"/actions/{action.id}")
    assert page.select_one("#computed-rag").get_text(" ", strip=True) == "Computed RAG: Amber"
    assert page.select_one("#rag-reason").get_text(" ", strip=True) == (
        "Amber: due in 12 days and no update for 40 days. To make it green, add a progress update.")
    # The same words beside it in the owner's list and in the force's plan.
    manager = factories.create_user("programme_manager")
    for person, path in ((owner, "/my-actions"), (manager, "/forces/avon-and-somerset")):
        page = client_request.login(person).get(path)
        row = page.find("a", string=f"{action.reference}: {action.title}").find_parent("tr")
        assert "Amber: due in 12 days and no update for 40 days" in row.get_text(" ", strip=True), path
    # And in the downloads of both lists, in its own column.
    for person, path in ((owner, "/my-actions.csv"), (manager, "/forces/avon-and-somerset/plan.csv")):
        client_request.login(person)
        text = client_request.client.get(path).get_data(as_text=True)
        header, row = text.splitlines()[:2]
        assert "Why (computed RAG)" in header and "Amber: due in 12 days and no update for 40 days" in row, path


def test_a_change_shows_at_once(app, client_request):
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner, status="in_progress")
    client_request.login(owner)
    assert client_request.get(f"/actions/{action.id}").find("h1").get_text(strip=True) == action.title
    client_request.post(f"/actions/{action.id}/updates/new", {"text": "Trained the first cohort"})
    assert "Trained the first cohort" in client_request.get(f"/actions/{action.id}").get_text()


def test_the_force_plan_keeps_one_page_for_every_viewer_and_adds_what_is_theirs(app, client_request):
    """The action tables are written once and kept; "Create an action" is the manager's alone."""
    finding = factories.create_finding(reference="AS-P1-09")
    factories.create_action(factories.create_user("action_owner"), reference="AS-P1-01-A", title="Train the team")
    pm, oversight = factories.create_user("programme_manager"), factories.create_user("oversight", None)
    as_manager = client_request.login(pm).get("/forces/avon-and-somerset")
    as_oversight = client_request.login(oversight).get("/forces/avon-and-somerset")
    for page in (as_manager, as_oversight):
        assert _link(page, "AS-P1-01-A: Train the team")
        assert _link(page, f"{finding.reference}: {finding.title}")
    assert _link(as_manager, f"Create an action for {finding.reference}")
    assert not _link(as_oversight, f"Create an action for {finding.reference}")
    assert len([key for key in kept.kept._entries if key[0] == kept.FORCE_PLAN]) == 1
