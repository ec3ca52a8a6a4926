"""Signing in and out, throttling, sessions and where each role lands."""

from __future__ import annotations

import pytest

from improvement_tracker.extensions import db
from improvement_tracker.models import LoginAttempt
from tests import factories
from tests.conftest import error_messages, summary_errors


def test_sign_in_page_has_the_fields(client_request):
    page = client_request.get("/sign-in")
    assert page.h1.get_text(strip=True) == "Sign in"
    assert page.select_one("input#email") and page.select_one("input#password[type=password]")


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("action_owner", "/my-actions"),
        ("programme_manager", "/todo"),
        ("oversight", "/forces"),
        ("admin", "/admin/"),
    ],
)
def test_each_role_lands_where_its_work_is(client_request, role, landing):
    user = factories.create_user(role)
    response = client_request.post("/sign-in", {"email": user.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == landing
    client_request.user = user
    client_request.get(landing)


def test_wrong_password_shows_an_error_and_keeps_the_email(client_request):
    user = factories.create_user()
    page = client_request.post_page("/sign-in", {"email": user.email, "password": "not the password"})
    assert error_messages(page) == ["Enter a correct email address and password"]
    assert summary_errors(page) == ["Enter a correct email address and password"]
    assert page.select_one("input#email")["value"] == user.email
    assert page.title.get_text().startswith("Error:")


def test_empty_form_shows_both_errors(client_request):
    page = client_request.post_page("/sign-in", {"email": "", "password": ""})
    assert error_messages(page) == ["Enter your email address", "Enter your password"]


def test_email_is_matched_whatever_its_case(client_request):
    user = factories.create_user(email="mixed.case@example.police.uk")
    response = client_request.post("/sign-in", {"email": "  Mixed.Case@Example.Police.UK ",
                                                "password": factories.PASSWORD})
    assert response.headers["Location"] == "/my-actions"
    assert user.id


def test_five_failures_lock_the_account_even_with_the_right_password(client_request):
    user = factories.create_user()
    for _ in range(5):
        client_request.post_page("/sign-in", {"email": user.email, "password": "wrong password!"})
    page = client_request.post_page("/sign-in", {"email": user.email, "password": factories.PASSWORD},
                                    expected_status=429)
    assert "too many attempts" in error_messages(page)[0]
    assert "Try again in 15 minutes" in error_messages(page)[0]


def test_five_failures_from_one_address_lock_other_accounts_too(client_request):
    users = [factories.create_user() for _ in range(2)]
    for n in range(5):
        client_request.post_page("/sign-in", {"email": f"nobody{n}@example.police.uk", "password": "x" * 12})
    client_request.post_page("/sign-in", {"email": users[1].email, "password": factories.PASSWORD},
                             expected_status=429)


def test_old_failures_do_not_count(client_request):
    from datetime import timedelta

    from improvement_tracker.models._types import utcnow

    user = factories.create_user()
    for _ in range(5):
        db.session.add(LoginAttempt(email=user.email, ip="127.0.0.1", succeeded=False,
                                    at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    response = client_request.post("/sign-in", {"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302


def test_deactivated_user_cannot_sign_in(client_request):
    user = factories.create_user(active=False)
    page = client_request.post_page("/sign-in", {"email": user.email, "password": factories.PASSWORD})
    assert error_messages(page) == ["Enter a correct email address and password"]


def test_deactivated_users_existing_session_stops_working(client_request):
    user = factories.create_user()
    client_request.login(user)
    client_request.get("/my-actions")
    user.active = False
    db.session.commit()
    response = client_request.client.get("/my-actions")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil.example"])
def test_next_only_goes_to_local_paths(client_request, target):
    user = factories.create_user()
    from urllib.parse import quote

    response = client_request.post(f"/sign-in?next={quote(target)}",
                                   {"email": user.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/my-actions"


def test_next_to_a_local_path_is_followed(client_request):
    user = factories.create_user()
    response = client_request.post("/sign-in?next=/my-actions%3Fx%3D1",
                                   {"email": user.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/my-actions?x=1"


def test_protected_page_sends_to_sign_in_with_next(client_request):
    response = client_request.client.get("/my-actions")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=%2Fmy-actions"


def test_session_cookie_flags(client_request):
    user = factories.create_user()
    response = client_request.post("/sign-in", {"email": user.email, "password": factories.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie


def test_sign_in_issues_a_new_session(client_request):
    user = factories.create_user()
    client_request.client.get("/sign-in")
    before = client_request.client.get_cookie("__Host-session").value
    client_request.post("/sign-in", {"email": user.email, "password": factories.PASSWORD})
    after = client_request.client.get_cookie("__Host-session").value
    assert before != after


def test_sign_out_needs_csrf_and_ends_the_session(client_request):
    user = factories.create_user()
    client_request.login(user)
    refused = client_request.post("/sign-out", csrf=False, expected_status=400)
    assert b"Your form could not be sent" in refused.data
    client_request.get("/my-actions")
    client_request.post("/sign-out")
    assert client_request.client.get("/my-actions").status_code == 302


def test_sign_in_without_csrf_is_refused(client_request):
    user = factories.create_user()
    response = client_request.post("/sign-in", {"email": user.email, "password": factories.PASSWORD},
                                   csrf=False, expected_status=400)
    page = client_request.check_page(response)
    assert page.h1.get_text(strip=True) == "Your form could not be sent"


def test_successful_sign_in_is_audited(client_request):
    from improvement_tracker.models import AuditEvent

    user = factories.create_user()
    client_request.login(user)
    events = db.session.query(AuditEvent).filter_by(actor_id=user.id, event="user.signed_in").all()
    assert len(events) == 1


def test_idle_session_expires(app, tmp_path, database_url):
    import time
    from datetime import timedelta

    from tests.conftest import ClientRequest, make_app

    short = make_app(str(tmp_path), database_url, PERMANENT_SESSION_LIFETIME=timedelta(seconds=1))
    with short.app_context():
        user = factories.create_user()
        request = ClientRequest(short.test_client()).login(user)
        assert request.client.get("/my-actions").status_code == 200
        time.sleep(2.1)  # the signed cookie's timestamp is checked in whole seconds
        response = request.client.get("/my-actions")
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_busy_session_still_ends_12_hours_after_sign_in(client_request):
    import time

    client_request.login(factories.create_user())
    with client_request.client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - 11 * 3600
    assert client_request.client.get("/my-actions").status_code == 200
    with client_request.client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - 12 * 3600 - 5
    response = client_request.client.get("/my-actions")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_static_files_do_not_set_the_session_cookie(client_request):
    client_request.login(factories.create_user())
    page = client_request.client.get("/my-actions")
    assert "Set-Cookie" in page.headers
    static = client_request.client.get("/static/dist/app.css")
    assert static.status_code == 200 and "Set-Cookie" not in static.headers
