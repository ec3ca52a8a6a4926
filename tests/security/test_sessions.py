"""Sessions: fixation, the cookie's flags, sign-in throttling, and the ways a session must end.

tests/views/test_auth.py and tests/views/test_admin.py check the everyday behaviour (one throttle
per account and per address, a new cookie at sign-in, deactivation and a new password ending
sessions); this module adds what an attacker would try next: replaying a cookie from before
sign-in or after sign-out, throttles that do not hold across servers or can be dodged with a
forged X-Forwarded-For, and a live session that keeps writing after its account was closed.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from bs4 import BeautifulSoup

from improvement_tracker.extensions import db
from improvement_tracker.models import LoginAttempt, User
from tests import factories
from tests.conftest import make_app
from tests.security.conftest import NEW_PASSWORD, OWN, browser, fingerprint

COOKIE = "__Host-session"
WRONG = "not the password at all"


def _replay(app, value: str, **headers):
    """A different browser presenting a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, value, domain="localhost", path="/", secure=True, httponly=True)
    return thief.get("/my-actions", headers=headers)


def _token(page) -> str:
    return BeautifulSoup(page.data, "html.parser").select_one("input[name=csrf_token]")["value"]


def _signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


@pytest.fixture
def owner(app, quick_passwords):
    return quick_passwords(factories.create_user("action_owner", OWN))


# --- fixation and replay --------------------------------------------------------------------

def test_a_cookie_planted_before_sign_in_is_worthless_after_it(app, owner):
    """Session fixation: the attacker gets a cookie from the sign-in page and plants it in the victim's
    browser; the victim signs in; the attacker's copy must still be a signed-out visitor's."""
    person = browser(app)
    person.client.get("/sign-in")
    planted = person.client.get_cookie(COOKIE).value
    person.login(owner)
    after = person.client.get_cookie(COOKIE).value
    assert after != planted
    assert person.client.get("/my-actions").status_code == 200
    assert _signed_out(_replay(app, planted))


def test_a_cookie_copied_before_sign_out_is_worthless_after_it(app, owner):
    person = browser(app).login(owner)
    stolen = person.client.get_cookie(COOKIE).value
    assert _replay(app, stolen).status_code == 200  # a copy works while the person is signed in
    person.post("/sign-out")
    assert _signed_out(person.client.get("/my-actions"))
    assert _signed_out(_replay(app, stolen)), "signing out must end copies of the session too"


def test_a_forged_or_tampered_cookie_is_a_signed_out_visitor(app, owner):
    person = browser(app).login(owner)
    real = person.client.get_cookie(COOKIE).value
    for forged in (real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB"), "e30.ZZZZZZ.forged",
                   f'{{"_user_id": "{owner.id}:x"}}'):
        assert _signed_out(_replay(app, forged)), forged


# --- the cookie -----------------------------------------------------------------------------

def _session_cookies(response) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}=")]


def test_every_session_cookie_is_host_only_secure_httponly_and_lax(app, owner):
    """__Host- means: Secure, Path=/ and no Domain, so no sibling site can set or read it."""
    client = app.test_client()
    responses = {"sign-in page": client.get("/sign-in")}
    responses["sign-in"] = client.post("/sign-in", data={
        "email": owner.email, "password": factories.PASSWORD, "csrf_token": _token(responses["sign-in page"])})
    responses["a page"] = client.get("/notifications")
    responses["sign-out"] = client.post("/sign-out", data={"csrf_token": _token(responses["a page"])})
    for name, response in responses.items():
        cookies = _session_cookies(response)
        assert cookies, f"{name}: no session cookie set"
        for header in cookies:
            morsel = SimpleCookie(header)[COOKIE]
            assert morsel["secure"] and morsel["httponly"], f"{name}: {header}"
            assert morsel["samesite"] == "Lax" and morsel["path"] == "/" and not morsel["domain"], f"{name}: {header}"
    assert "Set-Cookie" not in client.get("/static/dist/app.css").headers


def test_production_refuses_to_send_the_cookie_over_plain_http(tmp_path):
    from improvement_tracker.config import ConfigError, load_config

    env = {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "postgresql://db/x",
           "SESSION_COOKIE_SECURE": "0"}
    with pytest.raises(ConfigError):
        load_config(tmp_path, env)
    config = load_config(tmp_path, {**env, "SESSION_COOKIE_SECURE": ""})
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_NAME"] == COOKIE


# --- throttling -----------------------------------------------------------------------------

def _attempt(client, email: str, password: str, **environ) -> int:
    """One sign-in through the form, from the address and headers given; its status code."""
    token = _token(client.get("/sign-in", environ_base=environ))
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token},
                       environ_base=environ).status_code


def test_the_account_throttle_holds_across_servers(app, owner, tmp_path, database_url):
    """Failures are counted in the database: a second server (another worker, another machine)
    refuses the account too, even with the right password."""
    other_server = make_app(str(tmp_path), database_url)
    first, second = app.test_client(), other_server.test_client()
    for n in range(5):
        assert _attempt(first if n % 2 else second, owner.email, WRONG) == 200
    with other_server.app_context():
        assert _attempt(second, owner.email, factories.PASSWORD) == 429
    assert _attempt(first, owner.email, factories.PASSWORD) == 429


def test_a_forged_x_forwarded_for_does_not_dodge_the_address_throttle(app, owner):
    """Without a trusted proxy the header is the attacker's to write, so it must not count."""
    client = app.test_client()
    for n in range(5):
        _attempt(client, f"guess{n}@example.police.uk", WRONG, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert _attempt(client, owner.email, factories.PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7") == 429
    assert {a.ip for a in db.session.query(LoginAttempt)} == {"127.0.0.1"}


def test_behind_a_trusted_proxy_the_address_is_the_one_the_proxy_saw(tmp_path, database_url, quick_passwords):
    """With TRUST_PROXY, only the last address (added by our proxy) counts: an attacker's own
    X-Forwarded-For entries in front of it are ignored."""
    proxied = make_app(str(tmp_path), database_url, TRUST_PROXY=True)
    with proxied.app_context():
        user = quick_passwords(factories.create_user("action_owner", OWN))
        client = proxied.test_client()
        for n in range(5):
            _attempt(client, f"guess{n}@example.police.uk", WRONG,
                     HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 192.0.2.50")
        assert _attempt(client, user.email, factories.PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.50") == 429
        assert _attempt(client, user.email, factories.PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.51") == 302
        assert {a.ip for a in db.session.query(LoginAttempt) if not a.succeeded} == {"192.0.2.50"}


def test_sign_in_does_not_tell_which_emails_have_accounts(app, owner):
    """The same page and status for an unknown email and a wrong password, throttled or not."""
    client = app.test_client()

    def answer(email: str) -> tuple[int, str]:
        token = _token(client.get("/sign-in"))
        response = client.post("/sign-in", data={"email": email, "password": WRONG, "csrf_token": token})
        text = BeautifulSoup(response.data, "html.parser").select_one(".govuk-error-message").get_text(strip=True)
        return response.status_code, text

    assert answer(owner.email) == answer("nobody@example.police.uk")
    deactivated = factories.create_user("action_owner", OWN, active=False)
    assert answer(deactivated.email) == answer("nobody2@example.police.uk")


# --- sessions that must end -----------------------------------------------------------------

def test_a_deactivated_users_live_session_can_neither_read_nor_write(app, world):
    victim = browser(app, world.own.owner)
    token = victim.csrf_token()
    assert victim.client.get(f"/actions/{world.own.action_id}").status_code == 200
    admin = browser(app, world.admin)
    admin.post(f"/admin/users/{world.own.owner.id}/deactivate")
    before = fingerprint(app)
    assert _signed_out(victim.client.get(f"/actions/{world.own.action_id}"))
    response = victim.client.post(f"/actions/{world.own.action_id}/updates/new",
                                  data={"text": "Still here", "csrf_token": token})
    assert response.status_code in (302, 400) and fingerprint(app) == before


@pytest.mark.parametrize("change", ["password", "role", "force"])
def test_an_administrators_change_to_an_account_ends_its_other_sessions(app, world, change):
    """A new password, role or force must not ride on a session granted before it."""
    victim = browser(app, world.own.pm)
    assert victim.client.get(f"/forces/{OWN}").status_code == 200
    admin = browser(app, world.admin)
    if change == "password":
        admin.post(f"/admin/users/{world.own.pm.id}/password", {"password": NEW_PASSWORD})
    else:
        admin.post(f"/admin/users/{world.own.pm.id}/edit", {
            "name": world.own.pm.name, "role": "action_owner" if change == "role" else "programme_manager",
            "force": OWN if change == "role" else "durham"})
    db.session.expire_all()
    assert (db.session.get(User, world.own.pm.id).role == "action_owner") == (change == "role")
    assert _signed_out(victim.client.get(f"/forces/{OWN}")), f"the session survived a change of {change}"
