"""Quarterly returns, attacked: ids from another force's return inside my force's URLs, version
numbers and quarters that name nothing, roles writing what is not theirs to write, a submitted
version edited, and the same answer or submission sent from several tabs at once.

The world (tests/security/conftest.py) gives each force a return for the last quarter that has
ended: version 1 submitted, with a question from the national team not yet answered. Every refusal
is checked as the person would notice it (the page they get, what it says) and by the stored
fingerprint: a refused write stores nothing.
"""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
import requests
import sqlalchemy as sa
from bs4 import BeautifulSoup

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, QuarterlyReturn, ReturnQuestion, ReturnVersion
from improvement_tracker.services import clock, reporting_periods
from improvement_tracker.views._helpers import CHANGED_AT_ONCE
from tests import factories
from tests.security.conftest import (
    OTHER,
    OWN,
    WRITES,
    Browser,
    Scope,
    World,
    browser,
    fingerprint,
    latest_version,
    marker,
    methods,
    post,
    route_url,
    rules,
)
from tests.views.test_writes_apply_once import AT_ONCE, Person, each_tab

RETURN_PAGES = ("returns.", "return_reviews.")
NOT_FOUND = "Page not found"
FOR_MANAGERS = "This page is for your force's programme managers"
FORBIDDEN = "You do not have permission to do this"
SUBMITTED = "This return has been submitted, so it cannot be changed"


def _text(response) -> str:
    return BeautifulSoup(response.data, "html.parser").get_text(" ", strip=True)


def _heading(response) -> str:
    return BeautifulSoup(response.data, "html.parser").h1.get_text(" ", strip=True)


def _return_url(scope: Scope) -> str:
    return f"/forces/{scope.force_code}/returns/{scope.period}"


def _version_url(scope: Scope, number: int = 1) -> str:
    return f"{_return_url(scope)}/versions/{number}"


def _answer(question_id: int) -> str | None:
    db.session.expire_all()
    return db.session.get(ReturnQuestion, question_id).answer


def _versions(return_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(ReturnVersion)
                             .where(ReturnVersion.return_id == return_id))


def _return_rules(app):
    return [rule for rule in rules(app) if rule.endpoint.startswith(RETURN_PAGES)]


def _send(person: Browser, method: str, url: str, endpoint: str, world: World, scope: Scope, **kwargs):
    """GET the page, or POST it the route's complete, valid form."""
    if method == "GET":
        return person.client.get(url, **kwargs)
    write = WRITES[endpoint]
    return person.client.post(url, data={**write.data(world, scope, person), "csrf_token": person.csrf_token()},
                              **kwargs)


# --- ids that are not this return's ---------------------------------------------------------

@pytest.mark.parametrize("role", ["programme_manager", "admin"])
def test_another_forces_question_inside_my_forces_version_url_is_not_found(app, world, role):
    """My force's version 1 with Durham's question id: not one of this version's questions, so not
    found, for the force's programme manager and for an administrator, who may see both."""
    person = browser(app, world.user(role))
    person.get(f"{_version_url(world.own)}/questions/{world.own.question_id}/answer")  # the version's own: opens
    path = f"{_version_url(world.own)}/questions/{world.other.question_id}/answer"
    response = person.client.get(path)
    assert response.status_code == 404 and _heading(response) == NOT_FOUND
    assert marker(OTHER) not in _text(response)
    before = fingerprint(app)
    response = person.client.post(path, data={"answer": "Answered from the wrong return",
                                              "csrf_token": person.csrf_token()})
    assert response.status_code == 404 and _heading(response) == NOT_FOUND
    assert fingerprint(app) == before
    assert _answer(world.other.question_id) is None


def test_a_version_that_does_not_exist_is_not_found(app, world):
    """Version 2 (not submitted yet), 0 and 99 of a return that has only version 1, on every route of a
    version: as an administrator, who may see everything, so a 404 means "no such version"."""
    admin = browser(app, world.admin)
    before = fingerprint(app)
    wrong, checked = [], 0
    for rule in _return_rules(app):
        if "number" not in rule.arguments:
            continue
        if "GET" in methods(rule) and admin.client.get(route_url(app, rule.endpoint, world, world.own)).status_code \
                == 404:
            wrong.append(f"{rule.endpoint}: 404 for version 1, so the others prove nothing")
        for number in (2, 0, 99):
            url = route_url(app, rule.endpoint, world, world.own, number=number)
            for method in sorted(methods(rule)):
                response = _send(admin, method, url, rule.endpoint, world, world.own)
                checked += 1
                if response.status_code != 404 or _heading(response) != NOT_FOUND:
                    wrong.append(f"{method} {url}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
    assert checked >= 3 * 10
    assert fingerprint(app) == before


# A year whose two-digit end is wrong, a fifth quarter, a quarter 0, upper case, a space, a parent
# directory, path traversal with its slash, a NUL, a 5,000-digit year, and a well-formed quarter
# for which there is no period at all.
BAD_PERIODS = ["2026-99-q1", "2026-27-q9", "2026-27-q0", "2026-27-Q1", "2026-27-q1%20", "..", "..%2F",
               "..%2F..%2Fdurham", "%00", "9" * 5000, "9" * 5000 + "-00-q1", "1999-00-q1"]


def test_a_quarter_that_is_malformed_or_names_no_period_is_not_found(app, world):
    """Every route with a quarter in its URL, as an administrator: the page a person ends up on (after
    any slash-merging redirect) is "Page not found", and nothing is written."""
    admin = browser(app, world.admin)
    before = fingerprint(app)
    wrong, checked = [], 0
    for rule in _return_rules(app):
        if "period" not in rule.arguments:
            continue
        placeholder = "2030-31-q1"  # replaced, as it is typed, by each bad quarter
        good = route_url(app, rule.endpoint, world, world.own, period=placeholder)
        real = good.replace(placeholder, world.own.period)
        if admin.client.get(real).status_code == 404 and "GET" in methods(rule):
            wrong.append(f"GET {real}: 404 for the real quarter, so the bad ones prove nothing")
        for bad in BAD_PERIODS:
            url = good.replace(placeholder, bad)
            for method in sorted(methods(rule)):
                response = _send(admin, method, url, rule.endpoint, world, world.own, follow_redirects=True)
                checked += 1
                if response.status_code != 404 or _heading(response) != NOT_FOUND:
                    wrong.append(f"{method} {url[:100]}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
    assert checked >= len(BAD_PERIODS) * 15
    assert fingerprint(app) == before


# --- people doing what is not theirs to do ----------------------------------------------------

def test_a_programme_manager_cannot_answer_a_question_about_another_forces_return(app, world):
    pm = browser(app, world.own.pm)
    pm.get(f"{_version_url(world.own)}/questions/{world.own.question_id}/answer")  # their own force's: opens
    path = f"{_version_url(world.other)}/questions/{world.other.question_id}/answer"
    for response in (pm.client.get(path), pm.client.get(_version_url(world.other))):
        assert response.status_code == 404 and _heading(response) == NOT_FOUND
        assert marker(OTHER) not in _text(response), "another force's question was shown"
    before = fingerprint(app)
    response = pm.client.post(path, data={"answer": "Answered by the wrong force", "csrf_token": pm.csrf_token()})
    assert response.status_code == 404 and _heading(response) == NOT_FOUND
    assert fingerprint(app) == before
    assert _answer(world.other.question_id) is None


@pytest.mark.parametrize("endpoint", ["returns.section", "returns.submit", "returns.correct", "returns.start",
                                      "return_reviews.answer"])
def test_oversight_cannot_write_a_forces_return(app, world, endpoint):
    """The national team reads every force's return but writes none of its words. Each form is the
    complete one a programme manager would send, with the return in the state where it would work."""
    write = WRITES[endpoint]
    oversight = browser(app, world.oversight)
    for scope in (world.own, world.other):
        if write.prepare:
            write.prepare(world, scope)
        url = route_url(app, endpoint, world, scope, **write.params)
        before = fingerprint(app)
        response = post(oversight, url, write, write.data(world, scope, oversight), oversight.csrf_token())
        assert response.status_code == 403, f"POST {url}: {response.status_code}"
        assert _heading(response) == FORBIDDEN
        assert fingerprint(app) == before, f"POST {url} as oversight changed what is stored"


def test_oversight_is_not_offered_a_forces_forms(app, world):
    """Its pages of a return show no way to change the force's words (nor the pages behind them)."""
    oversight = browser(app, world.oversight)
    page = oversight.get(_return_url(world.own))
    for label in ("Start this return", "Submit", "Correct", "Change"):
        assert not [b for b in page.select("main button, main a.govuk-button") if label in b.get_text()], label
    assert oversight.client.get(f"{_return_url(world.own)}/pillars/P1").status_code == 403
    page = oversight.get(_version_url(world.own))
    assert not page.select("a[href*='/answer']"), "oversight is offered the force's answer"


def test_an_action_owner_gets_not_found_on_every_returns_url(app, world):
    """Returns are not an action owner's business: every page and every form of another force is "Page
    not found", and of their own force says it is for its programme managers (403), whatever they
    send; nothing is written."""
    owner = browser(app, world.own.owner)
    before = fingerprint(app)
    wrong, checked = [], 0
    for rule in _return_rules(app):
        for scope in (world.own, world.other):
            url = route_url(app, rule.endpoint, world, scope)
            # A page of their own force, not another's and not the national team's.
            own = url.startswith(f"/forces/{OWN}/")
            status, heading = (403, FOR_MANAGERS) if own else (404, NOT_FOUND)
            for method in sorted(methods(rule)):
                response = _send(owner, method, url, rule.endpoint, world, scope)
                checked += 1
                if response.status_code != status or _heading(response) != heading:
                    wrong.append(f"{method} {url}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
    assert checked >= 2 * 19
    assert fingerprint(app) == before


@pytest.mark.parametrize("endpoint", ["return_reviews.assess", "return_reviews.ask", "return_reviews.review"])
def test_a_programme_manager_cannot_assess_ask_about_or_review_their_return(app, world, endpoint):
    """Their own force's return, which they can read: the national team's forms are refused (403), with
    the return ready for each (so the only reason is who they are), and nothing is written."""
    write = WRITES[endpoint]
    pm = browser(app, world.own.pm)
    if write.prepare:
        write.prepare(world, world.own)
    url = route_url(app, endpoint, world, world.own, **write.params)
    if "GET" in methods(next(app.url_map.iter_rules(endpoint))):
        assert pm.client.get(url).status_code == 403
    before = fingerprint(app)
    response = post(pm, url, write, write.data(world, world.own, pm), pm.csrf_token())
    assert response.status_code == 403 and _heading(response) == FORBIDDEN
    assert fingerprint(app) == before
    # The version's page offers them none of it.
    page = pm.get(_version_url(world.own))
    assert not page.select("a[href*='/assess'], a[href*='/questions/new'], form[action$='/review']")


def test_a_submitted_versions_words_cannot_be_edited(app, world):
    """A programme manager sending a complete section form for a submitted return: sent back to the
    return, told why, and neither the draft nor the frozen version changes."""
    pm = browser(app, world.own.pm)
    section = f"{_return_url(world.own)}/pillars/P1"
    response = pm.client.get(section)
    assert response.status_code == 302 and response.headers["Location"].endswith(_return_url(world.own))
    assert SUBMITTED in _text(pm.client.get(response.headers["Location"]))
    before = fingerprint(app)
    sha256 = latest_version(world.own).sha256
    response = pm.client.post(section, data={**WRITES["returns.section"].data(world, world.own, pm),
                                             "csrf_token": pm.csrf_token()})
    assert response.status_code == 302 and response.headers["Location"].endswith(_return_url(world.own))
    assert SUBMITTED in _text(pm.client.get(response.headers["Location"]))
    assert fingerprint(app) == before
    assert latest_version(world.own).sha256 == sha256
    # Nor submitted again: that is a correction, which starts with its own button.
    response = pm.client.post(f"{_return_url(world.own)}/submit", data={"reason": "Again",
                                                                         "csrf_token": pm.csrf_token()})
    assert response.status_code == 302
    assert "This return has already been submitted" in _text(pm.client.get(response.headers["Location"]))
    assert fingerprint(app) == before


# --- the same thing from several tabs at once --------------------------------------------------

def _told(base: str, response: requests.Response) -> str:
    """What the person reads after this response: the page itself, or the page it sends them to with
    the message it set (the session cookie of this response, not of whichever came back last)."""
    if response.status_code != 302:
        return BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)
    http = requests.Session()
    for cookie in response.cookies:
        cookie.secure = False  # loopback, as Person does
        http.cookies.set_cookie(cookie)
    page = http.get(urljoin(base + "/", response.headers["Location"]), allow_redirects=False)
    assert page.status_code == 200, f"{response.headers['Location']}: {page.status_code}"
    return BeautifulSoup(page.text, "html.parser").get_text(" ", strip=True)


def test_two_answers_to_one_question_at_once_make_one_answer(app, world, live_server):
    person = Person(live_server, world.own.pm)
    path = f"{_version_url(world.own)}/questions/{world.own.question_id}/answer"
    forms = [person.form(path, answer=f"Answer from tab {tab}") for tab in range(AT_ONCE)]

    responses = each_tab(person, path, forms)

    assert all(r.status_code in (200, 302) for r in responses), [r.status_code for r in responses]
    assert _answer(world.own.question_id) in {form["answer"] for form in forms}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "return.question_answered")) == 1
    told = [_told(live_server, r) for r in responses]
    assert sum("Your answer has been sent to the national team" in t for t in told) == 1
    for text in told:
        assert any(m in text for m in ("Your answer has been sent", "This question has already been answered",
                                       CHANGED_AT_ONCE)), text[:300]


def test_two_submissions_of_one_draft_at_once_make_one_version(app, world, live_server):
    """One draft, its submit page open in several tabs (each with its own one-time token), submitted
    together: one version 1; every other tab is told why its submission did not count."""
    period = reporting_periods.by_slug(db.session, world.unstarted_period)
    draft = factories.create_return(world.own.pm, period)
    person = Person(live_server, world.own.pm)
    path = f"/forces/{OWN}/returns/{world.unstarted_period}/submit"
    forms = [person.form(path) for _ in range(AT_ONCE)]
    assert len({form["submission_token"] for form in forms}) == AT_ONCE

    responses = each_tab(person, path, forms)

    assert all(r.status_code in (200, 302) for r in responses), [r.status_code for r in responses]
    assert _versions(draft.id) == 1
    db.session.expire_all()
    stored = db.session.get(QuarterlyReturn, draft.id)
    assert (stored.state, stored.latest_version) == ("submitted", 1)
    told = [_told(live_server, r) for r in responses]
    label = reporting_periods.label(period)
    assert sum(f"{label} return submitted: version 1" in t for t in told) == 1
    for text in told:
        assert any(m in text for m in (f"{label} return submitted: version 1",
                                       "This return has already been submitted", CHANGED_AT_ONCE)), text[:300]


def test_a_return_cannot_be_started_for_another_force_or_a_quarter_not_yet_open(app, world):
    """The programme manager starting Durham's return: not found. Their own for a quarter whose drafts
    have not opened: sent back, told the date it opens. Nothing is written either way."""
    pm = browser(app, world.own.pm)
    coming = reporting_periods.quarter_of(clock.today()).following
    period = factories.create_period(coming.financial_year, coming.quarter)
    before = fingerprint(app)
    response = pm.client.post(f"/forces/{OTHER}/returns/{world.unstarted_period}/start",
                              data={"csrf_token": pm.csrf_token()})
    assert response.status_code == 404 and _heading(response) == NOT_FOUND
    response = pm.client.post(f"/forces/{OWN}/returns/{reporting_periods.slug(period)}/start",
                              data={"csrf_token": pm.csrf_token()})
    assert response.status_code == 302
    opens = reporting_periods.in_words(reporting_periods.drafts_open_on(period))
    assert f"You can start this return from {opens}" in _text(pm.client.get(response.headers["Location"]))
    assert fingerprint(app) == before
