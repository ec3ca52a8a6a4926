"""Things true of every page: headers, error pages, health, and user text rendered inert."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import Action
from tests import factories
from tests.conftest import ClientRequest, make_app

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_healthz_does_a_database_round_trip(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_is_503_with_a_reason_when_the_database_is_unreachable(tmp_path):
    app = make_app(str(tmp_path), "postgresql://postgres@127.0.0.1:9/nothing?connect_timeout=2")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.data)
    assert body["status"] == "unavailable" and "database unreachable" in body["reason"]


@pytest.mark.parametrize("path", ["/sign-in", "/healthz", "/no-such-page", "/static/dist/app.css"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_hsts_only_behind_https(tmp_path, database_url):
    app = make_app(str(tmp_path), database_url, HSTS_ENABLED=True)
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers
    assert "max-age=31536000" in client.get("/sign-in", base_url="https://localhost").headers[
        "Strict-Transport-Security"]


def test_not_found_is_a_govuk_page(client_request):
    page = client_request.get("/nowhere", expected_status=404)
    assert page.h1.get_text(strip=True) == "Page not found"
    assert page.title.get_text(strip=True) == "Page not found – Improvement Tracker"


def test_unexpected_error_is_a_govuk_500_page(tmp_path, database_url):
    app = make_app(str(tmp_path), database_url)

    @app.get("/__boom")
    def boom():
        raise RuntimeError("boom")

    page = ClientRequest(app.test_client()).get("/__boom", expected_status=500)
    assert page.h1.get_text(strip=True) == "Sorry, there is a problem with the service"


def test_a_service_refusing_who_you_are_is_the_403_page_not_a_500(tmp_path, database_url, app):
    """A service that refuses the user's role raises PermissionError (services.audit.enforce)."""
    from improvement_tracker.services import status

    owner = factories.create_user("action_owner")
    action_id = factories.create_action(factories.create_user("action_owner"), status="awaiting_sign_off").id
    other = make_app(str(tmp_path), database_url)

    @other.get("/__sign-off-as-an-owner")
    def sign_off_as_an_owner():
        status.apply(db.session, db.session.get(Action, action_id), "sign-off", "", actor=owner)

    page = ClientRequest(other.test_client()).get("/__sign-off-as-an-owner", expected_status=403)
    assert page.h1.get_text(strip=True) == "You do not have permission to do this"
    assert db.session.get(Action, action_id).status == "awaiting_sign_off"


def test_too_large_request_is_a_govuk_413_page(app, client_request):
    owner = factories.create_user("programme_manager")
    client_request.login(owner)
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client_request.client.post("/forces/avon-and-somerset/deep-dives/new",
                                          data={"summary": "x" * (limit + 1)})
    assert response.status_code == 413
    page = ClientRequest.check_page(response)
    assert page.h1.get_text(strip=True) == "The file is too large"


def test_user_text_is_rendered_inert_everywhere(app, client_request):
    pm = factories.create_user("programme_manager", name=XSS)
    owner = factories.create_user("action_owner", name=XSS)
    deep_dive = factories.create_deep_dive(title=XSS)
    finding = factories.create_finding(deep_dive, title=XSS, reference="R<b>1</b>")
    client_request.login(pm)
    client_request.post(f"/forces/avon-and-somerset/actions/new?finding={finding.id}", {
        "reference": "A<i>1</i>", "title": XSS, "pillar_id": finding.pillar_id, "owner_id": owner.id,
        "priority": "high", "description": XSS, "success_measure": XSS})
    action = db.session.scalar(select(Action))
    client_request.post(f"/actions/{action.id}/milestones/new", {"title": XSS})
    client_request.post(f"/actions/{action.id}/updates/new", {"text": XSS})
    client_request.post(f"/actions/{action.id}/status/block", {"note": XSS})
    client_request.post(f"/actions/{action.id}/rag", {"rag": "amber", "reason": XSS})
    for path in ("/forces/avon-and-somerset", f"/forces/avon-and-somerset/deep-dives/{deep_dive.id}",
                 f"/forces/avon-and-somerset/findings/{finding.id}", f"/actions/{action.id}",
                 f"/actions/{action.id}/history"):
        response = client_request.client.get(path)
        assert response.status_code == 200
        page = client_request.check_page(response)
        body = response.get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, path
        assert page.find("img") is None and page.find("b") is None and page.find("i") is None, path
        assert 'alert("x")' in page.get_text(), f"the text itself should still be shown on {path}"
