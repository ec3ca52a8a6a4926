"""Cross-site request forgery: every POST route refuses a form without its token, with a made-up
token, and with a token from another person's session, and writes nothing.

Each route is then sent the same form with the right token, which must change something: so a
refusal is the token's doing, not a form that would have been refused anyway.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from improvement_tracker.extensions import db
from improvement_tracker.models import User
from tests.security.conftest import OWN, WRITES, Browser, World, browser, fingerprint, methods, post, route_url, rules

REFUSED_HEADING = "Your form could not be sent"


def test_every_post_route_has_a_form_in_this_suite(app):
    """A new POST route fails here until it is given a valid form (and so a CSRF case)."""
    posts = {rule.endpoint for rule in rules(app) if "POST" in methods(rule)}
    assert posts - set(WRITES) == set(), "add a valid form for these routes to WRITES in tests/security/conftest.py"
    assert set(WRITES) - posts == set(), "these routes no longer take a POST"


def test_no_route_is_exempt_from_csrf_but_the_health_checks(app):
    from improvement_tracker.extensions import csrf

    exempt = set(csrf._exempt_views)
    assert exempt == {"improvement_tracker.views.health.healthz", "improvement_tracker.views.health.scheduler"}
    assert not csrf._exempt_blueprints


def _signed_in_as(app, world: World, role: str) -> Browser:
    return browser(app) if role == "anonymous" else browser(app, world.user(role))


def _still_signed_in(person: Browser) -> bool:
    return person.client.get("/notifications").status_code == 200


@pytest.mark.parametrize("endpoint", sorted(WRITES))
def test_post_without_a_good_token_is_refused_and_writes_nothing(app, world, endpoint):
    write = WRITES[endpoint]
    scope = world.own
    if write.prepare:
        write.prepare(world, scope)
    url = route_url(app, endpoint, world, scope, **write.params)
    person = _signed_in_as(app, world, write.role)
    stranger = browser(app, world.own.pm if write.role != "programme_manager" else world.own.owner)
    good = person.csrf_token()
    before = fingerprint(app)

    tokens = {"missing": None, "made-up": "IjEyMzQ1Njc4OTAi.ZZZZZZ.not-a-real-signature",
              "another session's": stranger.csrf_token()}
    for name, token in tokens.items():
        response = post(person, url, write, write.data(world, scope, person), token)
        assert response.status_code == 400, f"POST {url} with a {name} token: got {response.status_code}"
        page = person.check_page(response)
        assert page.h1.get_text(strip=True) == REFUSED_HEADING, f"{name} token: {page.h1}"
        assert "Nothing was saved" in page.get_text()
        assert fingerprint(app) == before, f"POST {url} with a {name} token changed what is stored"
    if endpoint == "auth.sign_out":
        assert _still_signed_in(person), "a forged sign-out signed the person out"
    if endpoint == "auth.sign_in":
        assert person.client.get("/notifications").status_code == 302, "a forged sign-in signed someone in"

    # The same form with the right token does change something.
    response = post(person, url, write, write.data(world, scope, person), good)
    assert response.status_code in (200, 302), f"POST {url} with the right token: got {response.status_code}"
    if response.status_code == 200:
        errors = BeautifulSoup(response.data, "html.parser").select(".govuk-error-message, .govuk-error-summary")
        assert not errors, f"the valid form for {endpoint} was refused: {[e.get_text(' ', strip=True) for e in errors]}"
    if endpoint == "auth.sign_out":
        assert not _still_signed_in(person)
    else:
        assert fingerprint(app) != before, f"the valid form for {endpoint} changed nothing"


def test_a_token_does_not_outlive_its_session(app, world):
    """A token read before sign-out cannot be replayed in the next session of the same browser."""
    person = browser(app, world.own.pm)
    old = person.csrf_token()
    person.post("/sign-out", {"csrf_token": old})
    person.login(world.own.pm)
    before = fingerprint(app)
    response = person.client.post(f"/forces/{OWN}/deep-dives/new",
                                  data={"title": "Forged", "period": "2023", "lead": "Nobody", "csrf_token": old})
    assert response.status_code == 400
    assert fingerprint(app) == before


def test_a_token_from_another_users_session_cannot_change_their_account(app, world):
    """Token swapping between two signed-in people (the classic CSRF with a leaked token)."""
    victim = browser(app, world.admin)
    attacker = browser(app, world.own.pm)
    response = victim.client.post(f"/admin/users/{world.own.pm.id}/edit", data={
        "name": "Promoted", "role": "admin", "force": "", "csrf_token": attacker.csrf_token()})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, world.own.pm.id).role == "programme_manager"


def test_over_https_a_form_sent_from_another_site_is_refused_even_with_a_good_token(app, world):
    """Over HTTPS the token must also come with a Referer from this site (Flask-WTF's strict SSL check):
    a page on another site that somehow learnt a token still cannot use it."""
    person = browser(app, world.own.pm)
    data = {"title": "From elsewhere", "period": "2023", "lead": "Nobody", "csrf_token": person.csrf_token()}
    url = f"/forces/{OWN}/deep-dives/new"
    before = fingerprint(app)
    for referer in (None, "https://evil.example/form", "http://localhost/forces", "https://localhost.evil.example/"):
        headers = {"Referer": referer} if referer else {}
        response = person.client.post(url, data=data, headers=headers, base_url="https://localhost")
        assert response.status_code == 400, f"Referer {referer}: {response.status_code}"
        assert fingerprint(app) == before
    response = person.client.post(url, data=data, headers={"Referer": f"https://localhost{url}"},
                                  base_url="https://localhost")
    assert response.status_code == 302 and fingerprint(app) != before
