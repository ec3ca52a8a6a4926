"""Open redirects: a sign-in link whose ``next`` points off the site must land on a page of this site.

The sign-in form is the only place that follows a ``next`` given by the browser (evidence review
takes only the word "list"). Each case signs in through the real form and reads the Location the
browser would follow, resolved as a browser resolves it.
"""

from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from tests import factories
from tests.security.conftest import OWN, browser

SITE = "https://tracker.example/sign-in"

# Each is refused outright: the person lands where their role starts.
OFF_SITE = [
    "//evil.example/", "///evil.example", "////evil.example/x", "https://evil.example/", "http:evil.example",
    "https:/evil.example", "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "\\/evil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(document.cookie)", " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "%2F%2Fevil.example", "\t//evil.example", "/\t/evil.example",
    "/\r\nLocation: https://evil.example", "／／evil.example", "https://tracker.example.evil.example/",
    "//tracker.example@evil.example",
]
# Odd, but paths on this site: followed, and a browser stays on the site.
ODD_BUT_LOCAL = ["/%2F%2Fevil.example", "/%5Cevil.example", "/.evil.example", "/my-actions?next=//evil.example",
                 "/%0d%0aSet-Cookie:x=1"]


def _sign_in(app, user, target: str):
    person = browser(app)
    return person.post(f"/sign-in?next={quote(target, safe='')}",
                       {"email": user.email, "password": factories.PASSWORD}, expected_status=302)


def _stays_on_site(location: str) -> bool:
    resolved = urlsplit(urljoin(SITE, location))
    return resolved.scheme == "https" and resolved.netloc == "tracker.example"


@pytest.fixture
def owner(app, quick_passwords):
    return quick_passwords(factories.create_user("action_owner", OWN))


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_off_the_site_is_refused(app, owner, target):
    location = _sign_in(app, owner, target).headers["Location"]
    assert location == "/my-actions", f"next={target!r} sent the browser to {location!r}"


@pytest.mark.parametrize("target", ODD_BUT_LOCAL)
def test_next_within_the_site_is_followed_and_stays_on_it(app, owner, target):
    location = _sign_in(app, owner, target).headers["Location"]
    assert location == target and _stays_on_site(location)


def test_next_is_escaped_where_the_sign_in_form_carries_it(app):
    """The sign-in page puts ``next`` into its form's action: it must stay an attribute value."""
    target = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
    response = browser(app).client.get(f"/sign-in?next={quote(target)}")
    page = BeautifulSoup(response.data, "html.parser")
    assert page.select("img") == [] and all(s.get("nonce") for s in page.select("script"))
    action = page.select_one("form[method=post]")["action"]
    assert action.startswith("/sign-in?next=") and "<" not in action and '"' not in action


def test_signing_in_from_a_protected_page_comes_back_to_it(app, owner):
    """The ordinary use of next, which the refusals above must not break."""
    person = browser(app)
    asked = person.client.get("/notifications?tab=1")
    assert asked.headers["Location"] == "/sign-in?next=%2Fnotifications%3Ftab%3D1"
    response = person.post(asked.headers["Location"], {"email": owner.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/notifications?tab=1"


def test_evidence_review_next_only_knows_the_list(app, world):
    """The review form's ?next= picks one of two pages of this site; anything else is the action page."""
    person = browser(app, world.own.pm)
    for target in ("https://evil.example/", "//evil.example", "list"):
        response = person.post(f"/evidence/{world.own.evidence_id}/review?next={quote(target, safe='')}",
                               {"decision": "accepted", "reason": ""})
        location = response.headers["Location"]
        expected = f"/forces/{OWN}/evidence" if target == "list" else f"/actions/{world.own.action_id}"
        assert location == expected and _stays_on_site(location)
