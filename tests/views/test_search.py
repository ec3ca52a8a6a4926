"""The search page and the header's box: each role finds exactly what its pages show, and every result
opens; another force's words never appear, whatever is typed; errors are GOV.UK errors, never a 500;
results page with the GOV.UK pagination; matched words are marked and everything else is escaped.
"""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import quote

import pytest

from improvement_tracker.extensions import db
from improvement_tracker.models import Action
from improvement_tracker.services import milestones, status
from tests import factories
from tests.conftest import error_messages, summary_errors

OWN, OTHER = "avon-and-somerset", "durham"


@pytest.fixture
def world(app):
    """Avon and Somerset's plan says "kestrel", Durham's "osprey"; both say "bluestone"."""
    people = {"admin": factories.create_user("admin", None), "oversight": factories.create_user("oversight", None),
              "programme_manager": factories.create_user("programme_manager", OWN),
              "action_owner": factories.create_user("action_owner", OWN),
              "colleague": factories.create_user("action_owner", OWN),
              "durham owner": factories.create_user("action_owner", OTHER)}
    found = {"people": people}
    for code, word, owner, colleague in ((OWN, "Kestrel", people["action_owner"], people["colleague"]),
                                         (OTHER, "Osprey", people["durham owner"], people["durham owner"])):
        deep_dive = factories.create_deep_dive(code, title=f"Bluestone deep dive {word}")
        finding = factories.create_finding(deep_dive, reference=f"F-{word}", title=f"Bluestone finding {word}")
        action = factories.create_action(owner, finding=finding, reference=f"A-{word}", status="in_progress",
                                         title=f"Bluestone action {word}")
        milestone = milestones.add(db.session, action, f"Bluestone milestone {word}", None, actor=owner)
        update = status.add_progress_update(db.session, action, f"Bluestone update {word}", actor=owner)
        other = factories.create_action(colleague, reference=f"B-{word}", title=f"Bluestone colleague {word}")
        db.session.commit()
        found[code] = SimpleNamespace(deep_dive=deep_dive.id, finding=finding.id, action=action.id,
                                      milestone=milestone.id, update=update.id, other=other.id)
    return found


def result_links(page) -> list[str]:
    return [a["href"] for a in page.select(".app-search-result h3 a")]


def _every_link(code: str, scope, *, plan: bool, colleague: bool) -> set[str]:
    links = {f"/actions/{scope.action}", f"/actions/{scope.action}#milestones", f"/actions/{scope.action}#updates"}
    if plan:
        links |= {f"/forces/{code}/deep-dives/{scope.deep_dive}", f"/forces/{code}/findings/{scope.finding}"}
    if colleague:
        links.add(f"/actions/{scope.other}")
    return links


def test_signed_in_pages_have_the_search_box_in_the_header(world, client_request):
    page = client_request.get("/sign-in")
    assert page.select_one("form[role=search]") is None  # nobody to search for yet
    for role in ("admin", "oversight", "programme_manager", "action_owner"):
        page = client_request.login(world["people"][role]).get("/notifications")
        form = page.select_one("header form[role=search]")
        assert form is not None and form["action"] == "/search" and form["method"] == "get"
        label = form.select_one("label[for=app-header-search-q]")
        assert label.get_text(strip=True) == "Search" and "govuk-visually-hidden" in label["class"]
        field = form.select_one("input#app-header-search-q")
        assert field["name"] == "q" and field["type"] == "search"
        assert form.select_one("button[type=submit]").get_text(strip=True) == "Search"


@pytest.mark.parametrize("role", ["admin", "oversight", "programme_manager", "action_owner"])
def test_each_role_finds_what_its_pages_show_and_every_result_opens(world, client_request, role):
    person = client_request.login(world["people"][role])
    page = person.get("/search?q=bluestone")
    links = set(result_links(page))
    if role in ("admin", "oversight"):
        assert links == (_every_link(OWN, world[OWN], plan=True, colleague=True)
                         | _every_link(OTHER, world[OTHER], plan=True, colleague=True))
    elif role == "programme_manager":
        assert links == _every_link(OWN, world[OWN], plan=True, colleague=True)
    else:
        assert links == _every_link(OWN, world[OWN], plan=False, colleague=False)
    for link in links:
        person.get(link.split("#")[0])  # 200: a result is never a page its finder cannot open
    text = page.get_text(" ")
    if role in ("programme_manager", "action_owner"):
        assert "Osprey" not in text and "Durham" not in text
    if role == "action_owner":
        assert "colleague" not in text


def test_a_force_name_leads_to_its_plan_for_those_who_may_open_it(world, client_request):
    page = client_request.login(world["people"]["oversight"]).get("/search?q=durham")
    assert result_links(page) == ["/forces/durham"]
    page = client_request.login(world["people"]["programme_manager"]).get("/search?q=durham")
    assert result_links(page) == [] and page.select_one("#search-summary").get_text(strip=True) == (
        "0 results for ‘durham’")


HOSTILE = ["osprey", "Osprey*", '"osprey"', "-kestrel osprey", "osprey OR kestrel", "NEAR(osprey kestrel)",
           "%", "%osprey%", "_", "'", '"', "*", "-", "NEAR", "bluestone NEAR osprey", "{title}: osprey",
           "title:osprey", "') OR 1=1 --", "bluestone' OR 'x'='x", "<script>alert(1)</script>", "bluestone " * 25,
           "x" * 201, "&", "\\", "durham", "F-Osprey", "A-Osprey", "B-Osprey"]


@pytest.mark.parametrize("role", ["programme_manager", "action_owner"])
def test_another_forces_text_never_appears_whatever_is_typed(world, client_request, role):
    person = client_request.login(world["people"][role])
    for text in HOSTILE:
        response = person.client.get(f"/search?q={quote(text)}")
        assert response.status_code == 200, text
        page = person.check_page(response)
        results = " ".join(r.get_text(" ") for r in page.select(".app-search-result"))
        assert "osprey" not in results.lower() and "durham" not in results.lower(), text
        assert not [link for link in result_links(page) if "durham" in link or
                    any(f"/actions/{i}" in link for i in (world[OTHER].action, world[OTHER].other))], text
        if "osprey" not in text.lower() and "durham" not in text.lower():
            assert "osprey" not in page.get_text(" ").lower(), text


@pytest.mark.parametrize("query", ["%00", "bluestone%00", "%01osprey", "%7F"])
def test_control_characters_in_the_query_are_page_not_found(world, client_request, query):
    page = client_request.login(world["people"]["programme_manager"]).get(f"/search?q={query}", expected_status=404)
    assert page.h1.get_text(strip=True) == "Page not found"


@pytest.mark.parametrize(("query", "message"), [
    ("", "Enter what you are looking for"), ("x" * 201, "Search for 200 characters or fewer"),
    ("%25", "Enter words made of letters or numbers"),
    ("the+and", "Enter a less common word: words like ‘the’, ‘and’ or ‘of’ are not searched for"),
])
def test_what_cannot_be_searched_for_is_a_gov_uk_error(world, client_request, query, message):
    page = client_request.login(world["people"]["oversight"]).get(f"/search?q={query}")
    assert page.title.get_text(strip=True).startswith("Error: Search")
    assert summary_errors(page) == [message] and error_messages(page) == [message]
    assert page.select_one(".govuk-error-summary a")["href"] == "#q"
    assert page.select(".app-search-result") == []


def test_the_page_before_a_search_and_with_nothing_found(world, client_request):
    person = client_request.login(world["people"]["oversight"])
    page = person.get("/search")
    assert page.h1.get_text(strip=True) == "Search" and page.select_one(".govuk-error-summary") is None
    assert page.select_one("#search-summary") is None
    page = person.get("/search?q=zanzibar")
    assert page.select_one("#search-summary").get_text(strip=True) == "0 results for ‘zanzibar’"
    assert page.find("h2", string="No results found") is not None
    assert page.select_one("input#q")["value"] == "zanzibar"


def test_results_are_grouped_by_kind_with_their_counts(world, client_request):
    page = client_request.login(world["people"]["oversight"]).get("/search?q=bluestone")
    assert [h.get_text(strip=True) for h in page.select("main h2")] == [
        "Deep dives (2)", "Findings (2)", "Actions (4)", "Milestones (2)", "Progress updates (2)"]
    kinds = page.select_one("nav.app-search-kinds")
    assert [li.get_text(strip=True) for li in kinds.select("li")] == [
        "All results (12)", "Deep dives (2)", "Findings (2)", "Actions (4)", "Milestones (2)", "Progress updates (2)"]
    page = client_request.get(kinds.find("a", string="Milestones (2)")["href"])
    assert [h.get_text(strip=True) for h in page.select("main h2")] == ["Milestones (2)"]
    assert [a.get_text(" ", strip=True) for a in page.select(".app-search-result h3 a")] == [
        "Bluestone milestone Osprey", "Bluestone milestone Kestrel"]
    about = page.select_one(".app-search-result__about").get_text(" ", strip=True)
    assert about == "Durham, action A-Osprey: Bluestone action Osprey"


def test_pages_use_the_gov_uk_pagination(world, client_request):
    owner = world["people"]["action_owner"]
    action = db.session.get(Action, world[OWN].action)
    for n in range(45):
        milestones.add(db.session, action, f"Checkpoint {n}", None, actor=owner)
    db.session.commit()
    person = client_request.login(world["people"]["oversight"])
    page = person.get("/search?q=checkpoint")
    assert len(page.select(".app-search-result")) == 20
    nav = page.select_one("nav.govuk-pagination")
    assert nav["aria-label"] == "Pages of search results"
    assert [a.get_text(strip=True) for a in nav.select(".govuk-pagination__item a")] == ["1", "2", "3"]
    assert nav.select_one(".govuk-pagination__next a")["href"] == "/search?q=checkpoint&page=2"
    last = person.get("/search?q=checkpoint&page=3")
    assert [a.get_text(" ", strip=True) for a in last.select(".app-search-result h3 a")] == [
        f"Checkpoint {n}" for n in (4, 3, 2, 1, 0)]
    assert [a.get_text(" ", strip=True) for a in person.get("/search?q=checkpoint&page=999").select(
        ".app-search-result h3 a")][-1] == "Checkpoint 0"
    for odd in ("0", "-1", "abc", "٣", "9" * 5000):
        assert len(person.get(f"/search?q=checkpoint&page={odd}").select(".app-search-result")) == 20, odd


def test_matched_words_are_marked_and_everything_else_escaped(world, client_request):
    pm = world["people"]["programme_manager"]
    action = factories.create_action(world["people"]["action_owner"], reference='"><b>X1',
                                     title='<script>alert("x")</script> <b>Bluestone</b> & <i>training</i>')
    status.add_progress_update(db.session, action, "<img src=x onerror=alert(1)> bluestone <mark>fake</mark>",
                               actor=pm)
    db.session.commit()
    response = client_request.login(pm).client.get("/search?q=bluestone+training")
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>Bluestone" not in html
    assert '<mark class="app-search-mark">Bluestone</mark>' in html
    assert '&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;' in html
    page = client_request.check_page(response)
    (result,) = page.select(".app-search-result[data-kind=actions]")
    link = result.select_one("h3 a")
    assert {tag.name for tag in link.find_all(True)} == {"mark"}
    assert link.get_text() == '"><b>X1: <script>alert("x")</script> <b>Bluestone</b> & <i>training</i>'
    assert [m.get_text() for m in link.select("mark")] == ["Bluestone", "training"]
    response = client_request.client.get("/search?q=bluestone&kind=updates")
    page = client_request.check_page(response)
    snippet = page.select_one(".app-search-result__snippet")
    assert {tag.name for tag in snippet.find_all(True)} == {"mark"}
    assert [m.get_text() for m in snippet.select("mark")] == ["bluestone"]  # its own <mark> is text
    assert "<mark>fake</mark>" in snippet.get_text()
