"""Another force's ids, wherever an id can be sent: in the URL, in the query string, in a form.

tests/views/test_access_matrix.py opens every route as every role, for the home force and for
another force, with an empty form. This module checks the matrix's policy for every route that
names a stored object, sends each write route a complete, valid form aimed at the other force,
and covers the ids the matrix never sends: those in query strings and form fields, one force's
object inside another force's URL, and numbers that name nothing at all.
"""

from __future__ import annotations

import csv
import io

import pytest
from werkzeug.routing import IntegerConverter

from tests import factories
from tests.security.conftest import (
    FIXED_ARGS,
    NON_ADMIN_ROLES,
    OBJECT_ARGS,
    OTHER,
    OWN,
    WRITES,
    Browser,
    World,
    browser,
    fingerprint,
    marker,
    methods,
    milestone_titles,
    object_args,
    pending_import,
    post,
    route_url,
    rules,
)
from tests.views.test_access_matrix import OK, ROUTES

PUBLIC = {"auth.index", "auth.sign_in", "auth.sign_out", "health.healthz", "health.scheduler"}
FOREIGN = marker(OTHER)
# What oversight writes, on every force's returns: its own assessments, questions and reviews,
# never a force's plan or a force's words; and the national team's files of every force's outcome
# figures (its own uploads, which no one else can open); and the national commitments it drafts and
# publishes (no force's plan until published, then every force's it applies to).
OVERSIGHT_WRITES = {"return_reviews.assess", "return_reviews.ask", "return_reviews.review",
                    "outcome_imports.upload", "outcome_imports.preview", "outcome_imports.cancel",
                    "commitments.new", "commitments.edit", "commitments.publish", "commitments.change",
                    "commitments.add_forces", "commitments.remove_force",
                    "commitment_reviews.completion", "commitment_reviews.decide"}
# Routes whose object is a national commitment: the matrix opens the same one (NC-01, carried by its
# home force) in both columns, so the other force's case is tested below
# (test_a_commitment_another_force_carries_and_every_draft_are_not_found).
COMMITMENT_ARG = "reference"


def _text(response) -> str:
    return response.get_data(as_text=True)


# --- the policy, for every route that names a stored object --------------------------------

def test_every_route_naming_a_stored_object_hides_other_forces(app):
    """For force roles, another force's object is "Page not found", on every such route; oversight
    may read another force's plan but never change it."""
    checked = 0
    for rule in rules(app):
        unknown = set(rule.arguments) - OBJECT_ARGS - set(FIXED_ARGS) - {"table"}
        assert not unknown, f"{rule.endpoint} takes {unknown}: say in tests/security/conftest.py what they name"
        if rule.endpoint in PUBLIC:
            continue
        route = ROUTES[rule.endpoint]  # test_every_route_is_in_the_matrix keeps this complete
        if object_args(rule):
            checked += 1
            for role in ("programme_manager", "action_owner"):
                if role == "programme_manager" and COMMITMENT_ARG in rule.arguments:
                    continue
                assert route.cells[role][1] == 404, f"{rule.endpoint}: {role} must get 404 for another force"
        if "POST" in methods(rule) and rule.endpoint not in {"notifications.preferences", *OVERSIGHT_WRITES}:
            assert route.cells["oversight"][1] in (403, 404), f"oversight must not change {rule.endpoint}"
    assert checked > 40


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_a_complete_form_aimed_at_another_force_is_refused_and_writes_nothing(app, world, role):
    """Every write route that names an object, sent a valid form for the other force's copy."""
    person = browser(app, world.user(role))
    token = person.csrf_token()
    scope = world.other
    wrong = []
    for endpoint, write in sorted(WRITES.items()):
        rule = next(app.url_map.iter_rules(endpoint))
        if not object_args(rule):
            continue
        expected = ROUTES[endpoint].cells[role][1]
        if expected == OK:
            assert role == "oversight" and endpoint in OVERSIGHT_WRITES, f"{role} may change {endpoint} anywhere"
            continue
        if write.prepare:
            write.prepare(world, scope)
        url = route_url(app, endpoint, world, scope, **write.params)
        data = write.data(world, scope, Browser(app.test_client(), world.other.pm)) \
            if endpoint == "imports.preview" else write.data(world, scope, person)
        before = fingerprint(app)
        response = post(person, url, write, data, token)
        if response.status_code != expected:
            wrong.append(f"POST {url}: expected {expected}, got {response.status_code}")
        if fingerprint(app) != before:
            wrong.append(f"POST {url} changed what is stored")
    assert wrong == [], "\n".join(wrong)


# --- national commitments: what one force carries and another does not ----------------------

def test_a_commitment_another_force_carries_and_every_draft_are_not_found(app, world):
    """Durham's programme manager, on every route that takes a commitment's reference, asks for the one
    only Avon and Somerset carries and for each force's draft (its own force's included): "Page not
    found", for a GET and for a complete valid form alike, and nothing written. The list names none of
    them; the commitment Durham carries opens, so the 404s are about the commitment, not the pages."""
    person = browser(app, world.other.pm)
    token = person.csrf_token()
    foreign = marker(OWN)
    before = fingerprint(app)
    wrong, checked = [], set()
    for rule in rules(app):
        if COMMITMENT_ARG not in rule.arguments or not rule.endpoint.startswith("commitments."):
            continue
        checked.add(rule.endpoint)
        for reference in (world.own.commitment, world.own.draft, world.other.draft):
            url = route_url(app, rule.endpoint, world, world.other, reference=reference)
            for method in sorted(methods(rule)):
                if method == "GET":
                    response = person.client.get(url)
                else:
                    write = WRITES[rule.endpoint]
                    response = post(person, url, write, write.data(world, world.other, person), token)
                if response.status_code != 404:
                    wrong.append(f"{method} {url}: {response.status_code}")
                if foreign in _text(response):
                    wrong.append(f"{method} {url} shows Avon and Somerset's commitment")
    assert wrong == [], "\n".join(wrong)
    assert checked >= {"commitments.view", "commitments.export", "commitments.edit", "commitments.publish"}
    assert fingerprint(app) == before
    listed = _text(person.client.get("/commitments"))
    assert world.other.commitment in listed
    assert world.own.commitment not in listed and world.other.draft not in listed and foreign not in listed
    for path in (f"/commitments/{world.other.commitment}", f"/commitments/{world.other.commitment}/forces.csv"):
        response = person.client.get(path)
        assert response.status_code == 200, path
        assert foreign not in _text(response), f"{path} shows Avon and Somerset"


# --- ids in query strings and form fields ---------------------------------------------------

def test_an_action_cannot_be_given_to_an_owner_in_another_force(app, world):
    person = browser(app, world.own.pm)
    for endpoint in ("actions.new", "actions.edit"):
        for outsider in (world.other.owner, world.other.pm):
            data = {**WRITES[endpoint].data(world, world.own, person), "owner_id": outsider.id}
            before = fingerprint(app)
            page = person.post_page(route_url(app, endpoint, world, world.own), data)
            assert "Select an owner from this force" in page.get_text(), endpoint
            assert fingerprint(app) == before


def test_an_action_cannot_be_made_for_another_forces_finding(app, world):
    person = browser(app, world.own.pm)
    url = f"/forces/{OWN}/actions/new?finding={world.other.finding_id}"
    assert person.client.get(url).status_code == 404
    before = fingerprint(app)
    data = WRITES["actions.new"].data(world, world.own, person)
    assert person.client.post(url, data={**data, "csrf_token": person.csrf_token()}).status_code == 404
    assert fingerprint(app) == before


@pytest.mark.parametrize("role", ["programme_manager", "action_owner"])
def test_another_actions_milestone_in_my_actions_url_is_not_found(app, world, role):
    """My action's id with the other force's milestone id (or with a milestone of a colleague's action)."""
    colleague = factories.create_user("action_owner", OWN)
    colleagues = factories.create_milestone(factories.create_action(colleague, reference="THEIRS"), "Theirs")
    person = browser(app, world.user(role))
    token = person.csrf_token()
    before = fingerprint(app)
    mine = world.own.action_id
    for foreign in (world.other.milestone_id, world.other.second_milestone_id, colleagues.id):
        base = f"/actions/{mine}/milestones/{foreign}"
        assert person.client.get(f"{base}/edit").status_code == 404
        for path, data in ((f"{base}/edit", {"title": "Taken over"}), (f"{base}/complete", {}),
                           (f"{base}/reopen", {}), (f"{base}/move/up", {}), (f"{base}/move/down", {})):
            response = person.client.post(path, data={**data, "csrf_token": token})
            assert response.status_code == 404, f"POST {path}: {response.status_code}"
    assert fingerprint(app) == before
    assert milestone_titles(world.other.action_id) == [f"First milestone {FOREIGN}", f"Second milestone {FOREIGN}"]


def test_evidence_cannot_be_filed_against_another_forces_milestone(app, world):
    person = browser(app, world.own.owner)
    url = f"/actions/{world.own.action_id}/evidence/new"
    page = person.get(f"{url}?milestone={world.other.milestone_id}")
    assert FOREIGN not in page.get_text()
    before = fingerprint(app)
    data = {**WRITES["evidence.upload"].data(world, world.own, person), "milestone_id": world.other.milestone_id}
    page = person.post_page(url, data, content_type="multipart/form-data")
    assert "Select one of this action’s milestones, or none" in page.get_text()
    assert fingerprint(app) == before


def test_plan_filters_and_exports_never_reach_into_another_force(app, world):
    """?owner= of someone in another force, or other forces' codes in any filter, show nothing of theirs."""
    person = browser(app, world.own.pm)
    queries = [f"owner={world.other.owner.id}", f"owner={world.other.pm.id}", f"code={OTHER}&force={OTHER}",
               f"pillar=P1&force_id={world.other.force_id}&owner={world.other.owner.id}&status=not_started"]
    for query in queries:
        for path in (f"/forces/{OWN}", f"/forces/{OWN}/plan.csv", f"/forces/{OWN}/dashboard",
                     f"/forces/{OWN}/dashboard/board-pack", f"/forces/{OWN}/dashboard/export/overdue-actions.csv",
                     f"/forces/{OWN}/reminders", f"/forces/{OWN}/reminders.csv", f"/forces/{OWN}/evidence",
                     f"/forces/{OWN}/evidence.csv", "/my-actions", "/my-actions.csv"):
            response = person.client.get(f"{path}?{query}")
            assert response.status_code == 200, f"{path}?{query}: {response.status_code}"
            assert FOREIGN not in _text(response), f"{path}?{query} shows another force's plan"
    rows = list(csv.reader(io.StringIO(person.client.get(f"/forces/{OWN}/plan.csv?owner={world.other.owner.id}")
                                       .get_data(as_text=True))))
    assert rows[1:] == [], "filtering by another force's owner must match nothing"


def test_national_views_stay_closed_to_force_roles_whatever_the_filters(app, world):
    for role in ("programme_manager", "action_owner"):
        person = browser(app, world.user(role))
        for path in ("/dashboards/national", "/dashboards/national/board-pack", "/dashboards/pillars/P1",
                     "/dashboards/national/export/completion.csv", "/forces.csv"):
            for query in ("", f"?force={OWN}", "?cohort=pathfinder&country=england", "?cohort=%00&country=x"):
                assert person.client.get(path + query).status_code == 404, f"{role} {path}{query}"


def test_an_import_key_works_only_for_the_person_who_uploaded_it(app, world):
    """Another force's key (or a colleague's) under my force's URL is not found, and is not spent."""
    colleague_key = pending_import(_colleague_pm(world))
    person = browser(app, world.own.pm)
    token = person.csrf_token()
    for key in (world.other.key, colleague_key):
        base = f"/forces/{OWN}/imports/{key}"
        assert person.client.get(base).status_code == 404
        before = fingerprint(app)
        assert person.client.post(base, data={"digest": "0" * 64, "csrf_token": token}).status_code == 404
        assert person.client.post(f"{base}/cancel", data={"csrf_token": token}).status_code == 404
        assert fingerprint(app) == before
    # Still there for its owner.
    Browser(app.test_client(), world.other.pm).get(f"/forces/{OTHER}/imports/{world.other.key}")


def _colleague_pm(world: World):
    return factories.create_user("programme_manager", OWN)


# --- numbers that name nothing --------------------------------------------------------------

# Not a number, a superscript two (which str.isdigit() accepts), Arabic-Indic 11, negative, zero,
# just past PostgreSQL's INTEGER, past a 64-bit integer, and far past anything.
NONSENSE_NUMBERS = ["abc", "%C2%B2", "%D9%A1%D9%A1", "-1", "0", str(2**31), str(2**63), "9" * 30, "1e3", "%20"]


def test_ids_in_urls_that_name_nothing_are_not_found(app, world):
    """Every id in every route's URL, replaced by zero or a number too big for the database: as
    an administrator, who may see everything, so a 404 means "no such thing", not "not yours"."""
    admin = browser(app, world.admin)
    token = admin.csrf_token()
    wrong = []
    for rule in rules(app):
        for arg in (a for a in rule.arguments if isinstance(rule._converters[a], IntegerConverter)):
            for number in (0, 2**31, 2**63, 10**30):
                url = route_url(app, rule.endpoint, world, world.own, **{arg: number})
                for method in sorted(methods(rule)):
                    response = admin.client.get(url) if method == "GET" else \
                        admin.client.post(url, data={"csrf_token": token})
                    if response.status_code != 404:
                        wrong.append(f"{method} {url}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)


def test_ids_and_page_numbers_in_query_strings_that_name_nothing_are_harmless(app, world):
    pm, owner, admin = (browser(app, world.user(r)) for r in ("programme_manager", "action_owner", "admin"))
    action = world.own.action_id
    for number in NONSENSE_NUMBERS:
        for person, path, expected in (
            (pm, f"/forces/{OWN}?page={number}", 200), (pm, f"/forces/{OWN}?owner={number}", 200),
            (pm, f"/forces/{OWN}/plan.xlsx?owner={number}", 200), (pm, f"/forces/{OWN}/reminders?page={number}", 200),
            (owner, f"/actions/{action}/evidence/new?milestone={number}", 200),
            (admin, f"/admin/users?page={number}", 200),
            (pm, f"/forces/{OWN}/actions/new?finding={number}", 404),
        ):
            status = person.client.get(path).status_code
            assert status == expected, f"{path}: {status}"


def test_ids_in_form_fields_that_name_nothing_are_refused_politely(app, world):
    """An owner, pillar or milestone id that names nothing is an error next to the field, not a crash."""
    pm, owner = browser(app, world.own.pm), browser(app, world.own.owner)
    before = fingerprint(app)
    for number in ("2147483648", "9" * 30, "²", "-1"):
        for endpoint in ("actions.new", "actions.edit"):
            data = {**WRITES[endpoint].data(world, world.own, pm), "owner_id": number}
            page = pm.post_page(route_url(app, endpoint, world, world.own), data)
            assert "Select an owner" in page.get_text()
        data = {**WRITES["plans.finding_new"].data(world, world.own, pm), "pillar_id": number}
        page = pm.post_page(route_url(app, "plans.finding_new", world, world.own), data)
        assert "Select a pillar" in page.get_text()
        page = pm.post_page(route_url(app, "actions.due_date", world, world.own),
                            {"due_date": [number, "1", "2030"], "reason": "x"})
        assert "must be a real date" in page.get_text()
        page = owner.post_page(route_url(app, "evidence.upload", world, world.own),
                               {"milestone_id": number, "description": ""}, content_type="multipart/form-data")
        assert "Select a file to upload" in page.get_text()
    assert fingerprint(app) == before


GOVUK_FOOTER_LINKS = ("https://www.nationalarchives.gov.uk/doc/open-government-licence/",
                      "https://www.nationalarchives.gov.uk/information-management/re-using-public-sector-information/")
# Names that url_for takes as its own arguments, or that routes take as URL parts.
POLLUTION = ("code=durham&fmt=pdf&table=x&key=x&action_id=1&_external=1&_scheme=javascript&_anchor=x"
             "&_method=POST&next=//evil.example&page=%C2%B2&owner=%C2%B2")


def test_unexpected_query_parameters_are_ignored_on_every_page(app, world):
    """Every page, opened by an administrator with extra parameters: it still opens, and no link on it
    leaves the site or carries what was injected."""
    admin = browser(app, world.admin)
    wrong = []
    for rule in rules(app):
        if "GET" not in methods(rule):
            continue
        url = route_url(app, rule.endpoint, world, world.own, **({"code": "P1"} if rule.endpoint ==
                                                                  "admin.pillar_edit" else {}))
        response = admin.client.get(f"{url}?{POLLUTION}")
        # 404: a pending import is only its uploader's; 503: no scheduler has started in these tests.
        if response.status_code not in (200, 302, 404) and (rule.endpoint, response.status_code) != (
                "health.scheduler", 503):
            wrong.append(f"{url}: {response.status_code}")
        if response.mimetype == "text/html":
            page = admin.check_page(response)
            for link in page.select("[href], [action], [src]"):
                target = link.get("href") or link.get("action") or link.get("src")
                if target.startswith(GOVUK_FOOTER_LINKS) or target.split("?")[0] == url:
                    continue  # the footer's licence links; a form that posts back to this page
                if target.startswith(("http:", "https:", "//", "/\\", "javascript:")) or "evil" in target:
                    wrong.append(f"{url}: link to {target}")
    assert wrong == [], "\n".join(wrong)


def test_search_never_finds_another_forces_plan(app, world):
    """Words of the other force's plan typed into search by the home force's people, plainly or with either
    database's query operators: nothing of the other force's comes back. The national team finds both."""
    from urllib.parse import quote

    other = marker(OTHER)  # "only-in-durham": in the title of everything of Durham's plan
    queries = [other, "durham", f'"{other}"', f"{other}*", f"NEAR({other} action)", f"-avon {other}", "%durham%",
               "action finding milestone deep dive", "milestone", "Commitment NC-20", "durham' OR '1'='1"]
    for role in ("programme_manager", "action_owner"):
        person = browser(app, world.user(role))
        for query in queries:
            page = person.get(f"/search?q={quote(query)}")
            results = " ".join(r.get_text(" ") for r in page.select(".app-search-result"))
            assert "durham" not in results.lower(), (role, query)
            links = [a["href"].split("#")[0] for a in page.select(".app-search-result a")]
            assert not [link for link in links if f"/{OTHER}/" in link or link == f"/actions/{world.other.action_id}"]
    text = browser(app, world.oversight).get("/search?q=milestone").get_text()
    assert marker(OTHER) in text and marker(OWN) in text
