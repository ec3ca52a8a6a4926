"""Four eyes means four eyes: whoever asked for sign-off never signs the action off, whatever their role."""

from __future__ import annotations

import pytest

from improvement_tracker.extensions import db
from improvement_tracker.models import Action
from tests import factories
from tests.conftest import ClientRequest

NO_EVIDENCE = {"no_evidence_reason": "Seen at the force board", "note": "Done"}


@pytest.mark.parametrize("role", ["programme_manager", "admin"])
def test_whoever_asks_for_sign_off_cannot_then_sign_it_off(app, client_request, role):
    owner = factories.create_user("action_owner", name="Owen Owner")
    manager = factories.create_user(role, "avon-and-somerset" if role == "programme_manager" else None,
                                    name="Mo Manager")
    action = factories.create_action(owner)
    client_request.login(manager)

    # Three requests, one person: start someone else's action, ask for sign-off, sign it off.
    client_request.post(f"/actions/{action.id}/status/start", {"note": ""})
    client_request.post(f"/actions/{action.id}/status/request-sign-off", {"note": "All trained"})
    response = client_request.post(f"/actions/{action.id}/status/sign-off", NO_EVIDENCE)

    assert response.headers["Location"].endswith(f"/actions/{action.id}")
    page = client_request.get(f"/actions/{action.id}")
    assert "You asked for this action to be signed off, so another programme manager must sign it off" in \
        page.get_text(" ", strip=True)
    assert not page.find("a", string=lambda s: s and "Sign off as complete" in s)
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "awaiting_sign_off"

    # Someone else may, and the page says who may not.
    colleague = factories.create_user("programme_manager", name="Cara Colleague")
    other = ClientRequest(app.test_client()).login(colleague)
    rule = other.get(f"/actions/{action.id}/status/sign-off").get_text(" ", strip=True)
    assert "someone other than the action’s owner (Owen Owner) and the person who asked for sign-off " \
           "(Mo Manager) must sign it off" in rule
    other.post(f"/actions/{action.id}/status/sign-off", NO_EVIDENCE)
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "complete"


def test_a_returned_action_can_be_signed_off_by_the_manager_who_returned_it(app, client_request):
    """Only the latest request counts: the owner asks again, so the manager who returned it may sign."""
    owner = factories.create_user("action_owner")
    pm = factories.create_user("programme_manager")
    action = factories.create_action(owner, status="in_progress")
    owner_browser = ClientRequest(app.test_client()).login(owner)
    client_request.login(pm)

    owner_browser.post(f"/actions/{action.id}/status/request-sign-off", {"note": "Done"})
    client_request.post(f"/actions/{action.id}/status/return", {"note": "Add the register"})
    client_request.post(f"/actions/{action.id}/status/request-sign-off", {"note": "Register added"})
    client_request.post(f"/actions/{action.id}/status/sign-off", NO_EVIDENCE)
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "awaiting_sign_off"  # the PM asked this time

    client_request.post(f"/actions/{action.id}/status/return", {"note": "Ask again yourself"})
    owner_browser.post(f"/actions/{action.id}/status/request-sign-off", {"note": "Done"})
    client_request.post(f"/actions/{action.id}/status/sign-off", NO_EVIDENCE)
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "complete"
