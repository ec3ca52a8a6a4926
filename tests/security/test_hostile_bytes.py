"""Every POST route, from the suite's list of valid forms (conftest.WRITES), sent what a determined
attacker or a clumsy user sends: a NUL byte or other control characters in each text field, a
5,000-digit number in each field and each id of its URL, the same form twice, and an edit made on
a page loaded before a colleague's save. None of it is a 500; none of it is stored half-way;
nothing is applied twice; nobody's change is silently undone. A new route gets every case.
"""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from werkzeug.routing import IntegerConverter

from improvement_tracker.extensions import db
from improvement_tracker.services import return_reviews
from improvement_tracker.services.inputs import CONTROL_CHARACTER_MESSAGE
from tests import factories
from tests.conftest import error_messages
from tests.security.conftest import (
    WRITES,
    Browser,
    Scope,
    World,
    browser,
    fingerprint,
    latest_version,
    post,
    quarterly_return,
    route_url,
)

HUGE = "9" * 5000
# Sending these twice is two real events, not a repeat of one write.
NOT_A_REPEAT = {"auth.sign_in"}
# The forms that edit an object someone else may be editing too: each carries its version.
EDIT_FORMS = {"plans.deep_dive_edit", "plans.finding_edit", "actions.edit", "actions.milestone_edit",
              "admin.user_edit", "admin.pillar_edit", "admin.force_edit", "returns.section",
              "return_reviews.assess", "returns.period_due_date", "outcomes.enter", "outcomes.baseline",
              "outcome_measures.edit", "commitments.edit"}
TEXT_FIELDS = ("title", "name", "reference", "text", "description", "progress", "comment")
# A figure box of the outcome forms, which have no words to change but the reason.
FIGURE_FIELDS = ("charges",)


def _assessed(world: World, scope: Scope) -> None:
    """The national team has assessed P1 once already: assessing it again edits that assessment."""
    return_reviews.assess(db.session, quarterly_return(scope), latest_version(scope), factories.pillar("P1"),
                          "on_track", "A first look", world.oversight)
    db.session.commit()


# What makes the form an edit of something that exists (the first assessment is a new one).
EDITING = {"return_reviews.assess": _assessed}


def _setup(app, world: World, endpoint: str) -> tuple[Browser, str, Any]:
    write = WRITES[endpoint]
    scope = world.own
    if write.prepare:
        write.prepare(world, scope)
    person = browser(app) if write.role == "anonymous" else browser(app, world.user(write.role))
    return person, route_url(app, endpoint, world, scope, **write.params), write


def _text_fields(data: dict) -> list[str]:
    return [name for name, value in data.items() if isinstance(value, str) and value]


def _no_500(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"


@pytest.mark.parametrize("endpoint", sorted(WRITES))
def test_control_characters_in_any_field_are_refused_next_to_it_and_nothing_is_stored(app, world, endpoint):
    person, url, write = _setup(app, world, endpoint)
    fields = _text_fields(write.data(world, world.own, person))
    for bad in ("\x00", "\x0c\x07\x1b"):
        for name in fields:
            data = write.data(world, world.own, person)
            data[name] = data[name][:3] + bad + data[name][3:]
            before = fingerprint(app)
            response = post(person, url, write, data, person.csrf_token())
            _no_500(response, f"{endpoint} with {bad!r} in {name}")
            assert fingerprint(app) == before, f"{endpoint} stored {bad!r} sent in {name}"
            if response.status_code == 200:
                page = BeautifulSoup(response.data, "html.parser")
                if page.select_one(f"input[type=hidden][name={name}]"):  # not the user's to type: said at the top
                    assert page.select_one(".govuk-error-summary"), f"{endpoint}: no error for {name}"
                else:
                    assert CONTROL_CHARACTER_MESSAGE in error_messages(page), f"{endpoint}: no error next to {name}"


@pytest.mark.parametrize("endpoint", sorted(WRITES))
def test_a_5000_digit_number_in_any_field_or_id_is_never_a_500(app, world, endpoint):
    person, url, write = _setup(app, world, endpoint)
    for name in write.data(world, world.own, person):
        if write.multipart and name == "files":
            continue
        data = write.data(world, world.own, person)
        data[name] = [HUGE, HUGE, HUGE] if isinstance(data[name], list) else HUGE
        _no_500(post(person, url, write, data, person.csrf_token()), f"{endpoint} with {name}={HUGE[:5]}…")
    rule = next(app.url_map.iter_rules(endpoint))
    for arg in (a for a in rule.arguments if isinstance(rule._converters[a], IntegerConverter)):
        huge_url = route_url(app, endpoint, world, world.own, **{**write.params, arg: 987654321}).replace(
            "987654321", HUGE)
        response = post(person, huge_url, write, write.data(world, world.own, person), person.csrf_token())
        assert response.status_code == 404, f"{huge_url[:80]}…: {response.status_code}"


@pytest.mark.parametrize("endpoint", sorted(set(WRITES) - NOT_A_REPEAT))
def test_the_same_form_sent_twice_is_applied_once(app, world, endpoint):
    person, url, write = _setup(app, world, endpoint)
    token = person.csrf_token()
    data = {**write.data(world, world.own, person), "submission_token": "one-page-sent-twice"}
    first = post(person, url, write, dict(data), token)
    _no_500(first, endpoint)
    after_first = fingerprint(app)
    if write.multipart:  # the file was read by the first sending: give it again
        data = {**write.data(world, world.own, person), "submission_token": "one-page-sent-twice"}
    second = post(person, url, write, data, token)
    _no_500(second, endpoint)
    assert fingerprint(app) == after_first, f"{endpoint} applied the same form twice"


def _change(answers: dict) -> str:
    """Give a different answer to one question of the form: a text's words, a figure, or else a date's year."""
    for name in TEXT_FIELDS:
        if name in answers:
            answers[name] = f"{answers[name]} (mine)"
            return name
    for name in FIGURE_FIELDS:
        if name in answers:
            answers[name] = str(int(answers[name]) + 1)
            return name
    name, (day, month, year) = next((n, v) for n, v in answers.items() if isinstance(v, list) and len(v) == 3)
    answers[name] = [day, month, str(int(year) + 1)]
    return name


def _shown(page: BeautifulSoup, name: str):
    """What the form shows in a field: a text box's value, a text area's words, a date's three boxes."""
    boxes = page.select(f"main form [name={name}]")
    if len(boxes) == 3:
        return [box["value"] for box in boxes]
    if boxes[0].name == "textarea":
        return boxes[0].get_text().strip()
    return boxes[0]["value"]


@pytest.mark.parametrize("endpoint", sorted(EDIT_FORMS))
def test_a_save_from_a_page_loaded_before_a_colleagues_save_undoes_nothing(app, world, endpoint):
    if endpoint in EDITING:
        EDITING[endpoint](world, world.own)
    person, url, write = _setup(app, world, endpoint)
    page = person.get(url)
    loaded = page.select_one("main form input[name=loaded_version]")
    assert loaded is not None, f"the {endpoint} form does not carry the version it was loaded at"
    token = person.csrf_token()

    # A colleague (here, the same person in another tab) saves from the same page first...
    colleague = {**write.data(world, world.own, person), "loaded_version": loaded["value"]}
    assert post(person, url, write, colleague, token).status_code == 302
    before = fingerprint(app)

    # ...then this page is saved with a different answer to the same question: refused, shown.
    mine = {**colleague, "submission_token": "a-later-save"}
    changed = _change(mine)
    response = post(person, url, write, mine, token)
    assert response.status_code == 200, f"{endpoint}: {response.status_code}"
    page = BeautifulSoup(response.data, "html.parser")
    assert "while you were editing it, so nothing has been saved" in \
        page.select_one(".govuk-error-summary").get_text(" ", strip=True)
    # The same person saved from another tab, so the message says it was them.
    assert any(message.startswith("You changed this to") and "in another page or tab, while you were editing" in
               message for message in error_messages(page))
    assert _shown(page, changed) == mine[changed], "what the user typed is kept"
    assert fingerprint(app) == before, f"{endpoint} wrote over a colleague's change"
