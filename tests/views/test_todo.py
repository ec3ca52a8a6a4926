"""A programme manager's to-do page, their start page: each count links to its list."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from improvement_tracker.extensions import db
from improvement_tracker.formatting import govuk_date
from improvement_tracker.services import clock, commitment_reviews, commitments, return_reviews, status
from tests import factories, files
from tests.conftest import ClientRequest

PLAN = "/forces/avon-and-somerset"


@pytest.fixture
def pm():
    return factories.create_user("programme_manager", name="Priya Manager")


@pytest.fixture
def owner():
    return factories.create_user("action_owner", name="Owen Owner")


def tasks(page) -> dict[str, tuple[str | None, str]]:
    """The task list: each title, where it links (None: no link) and its status."""
    found = {}
    for item in page.select(".govuk-task-list__item"):
        link = item.select_one("a.govuk-task-list__link")
        title = (link or item.select_one(".govuk-task-list__name-and-hint > div")).get_text(" ", strip=True)
        found[title] = (link["href"] if link else None,
                        item.select_one(".govuk-task-list__status").get_text(" ", strip=True))
    return found


def rows(page, section: str) -> list[list[str]]:
    table = page.select_one(f"#{section}").find_next("table")
    return [[cell.get_text(" ", strip=True) for cell in row.select("td")] for row in table.select("tbody tr")]


def ask_for_sign_off(action, by):
    status.apply(db.session, action, "start", "", actor=by)
    status.apply(db.session, action, "request-sign-off", "Done", actor=by)
    db.session.commit()
    return action


def test_a_programme_manager_lands_on_their_to_do_page(client_request, pm):
    response = client_request.client.post("/sign-in", data={
        "email": pm.email, "password": factories.PASSWORD, "csrf_token": client_request.csrf_token()})
    assert response.headers["Location"] == "/todo"
    client_request.user = pm
    page = client_request.get("/todo")
    assert page.h1.get_text(strip=True) == "To do"
    assert page.select_one(".govuk-caption-l").get_text(strip=True) == "Avon and Somerset"
    nav = {a.get_text(strip=True): a for a in page.select(".govuk-service-navigation__link")}
    assert nav["To do"]["href"] == "/todo"
    assert page.select_one(".govuk-service-navigation__item--active").get_text(strip=True) == "To do"
    assert client_request.client.get("/").headers["Location"] == "/todo"


def test_an_empty_to_do_says_none_and_links_nowhere(client_request, pm):
    page = client_request.login(pm).get("/todo")
    assert tasks(page) == {
        "Evidence to review": (None, "None"),
        "Actions awaiting your sign-off": (None, "None"),
        "Overdue actions with no update for 30 days or more": (None, "None"),
        "Blocked actions": (None, "None"),
    }
    assert page.select("main table") == []


def test_each_count_links_to_its_list(app, client_request, pm, owner):
    today = clock.today()
    deputy = factories.create_user("programme_manager", name="Dev Deputy")
    ready = ask_for_sign_off(factories.create_action(owner, reference="AS-P1-01-A", title="Train investigators",
                                                     due=today + timedelta(days=3)), owner)
    waiting = ask_for_sign_off(factories.create_action(owner, reference="AS-P1-02-A", title="Brief the CPS"), owner)
    factories.create_evidence(waiting, owner, name="minutes.pdf")
    ask_for_sign_off(factories.create_action(owner, reference="AS-P1-03-A"), pm)  # four-eyes: not theirs
    mine = factories.create_action(owner, reference="AS-P1-04-A", status="in_progress")
    factories.create_evidence(mine, pm, files.png(), "chart.png")  # theirs: someone else reviews it
    quiet = factories.create_action(owner, reference="AS-P2-01-A", title="Recruit an analyst",
                                    due=today - timedelta(days=4), status="in_progress")
    quiet.last_update_at = datetime.combine(today - timedelta(days=45), time(12))
    factories.changed(quiet)
    db.session.commit()
    factories.create_action(owner, reference="AS-P2-02-A", due=today - timedelta(days=4), status="in_progress")
    factories.create_action(owner, reference="AS-P3-01-A", status="blocked", status_reason="No analyst")
    assert deputy.force_id == pm.force_id

    page = client_request.login(pm).get("/todo")
    assert tasks(page) == {
        "Evidence to review": (f"{PLAN}/evidence", "1 to review"),
        "Actions awaiting your sign-off": ("#awaiting-sign-off", "2 to sign off"),
        "Overdue actions with no update for 30 days or more": ("#overdue-no-update", "1 overdue"),
        "Blocked actions": (f"{PLAN}?status=blocked", "1 blocked"),
    }
    hints = [hint.get_text(" ", strip=True) for hint in page.select(".govuk-task-list__hint")]
    assert hints == ["1 file you uploaded is waiting for someone else to review it",
                     "1 more waits for another programme manager: you own it or asked for its sign-off"]

    assert rows(page, "awaiting-sign-off") == [
        ["AS-P1-01-A: Train investigators", "Owen Owner", govuk_date(ready.current_due_date), "Sign off AS-P1-01-A"],
        ["AS-P1-02-A: Brief the CPS", "Owen Owner", govuk_date(None), "Review 1 file of evidence first on AS-P1-02-A"]]
    section = page.select_one("#awaiting-sign-off").find_next("table")
    links = [a["href"] for a in section.select("td:last-child a")]
    assert links == [f"/actions/{ready.id}/status/sign-off", f"/actions/{waiting.id}#evidence"]
    assert rows(page, "overdue-no-update") == [
        ["AS-P2-01-A: Recruit an analyst", "Owen Owner", govuk_date(quiet.current_due_date), "4 days", "45 days ago"]]
    # Nothing from the national team: no such sections.
    assert page.select_one("#date-proposals") is None and page.select_one("#questions") is None

    # The links lead to lists that show the same things.
    client_request.get(f"{PLAN}/evidence")
    blocked = client_request.get(f"{PLAN}?status=blocked").get_text(" ", strip=True)
    assert "AS-P3-01-A" in blocked and "AS-P2-02-A" not in blocked
    client_request.get(f"/actions/{ready.id}/status/sign-off")


def test_what_the_national_team_sent_back_shows_only_when_there_is_some(client_request, pm, owner):
    national = factories.create_user("oversight", None, name="Olu National")
    deputy = factories.create_user("programme_manager", name="Dev Deputy")
    [proposed] = factories.publish_commitment(national, ["avon-and-somerset"], reference="NC-01")
    [returned] = factories.publish_commitment(national, ["avon-and-somerset"], reference="NC-02",
                                              title="Specialist learning for investigators")
    nc01 = commitments.by_reference(db.session, "NC-01")
    member = commitments.member_of(db.session, nc01, proposed.force_id)
    later = proposed.current_due_date + timedelta(days=30)
    commitment_reviews.propose(db.session, nc01, member, proposed, later, "Phones are on order", pm)
    ask_for_sign_off(returned, pm)
    status.apply(db.session, returned, "sign-off", "", actor=deputy, no_evidence_reason="Seen the course list")
    nc02 = commitments.by_reference(db.session, "NC-02")
    commitment_reviews.return_completion(db.session, nc02, commitments.member_of(db.session, nc02, returned.force_id),
                                         returned, "Half the investigators have not started it", national)
    period = factories.create_period(2025, 2)
    quarterly_return = factories.create_return(pm, period)
    version = factories.submit_return(pm, quarterly_return)
    question = return_reviews.ask(db.session, quarterly_return, version, None, "Who leads P2?", national)
    db.session.commit()

    page = client_request.login(pm).get("/todo")
    listed = tasks(page)
    assert listed["National commitment date proposals"] == ("#date-proposals", "1 to follow up")
    assert listed["Completions returned by the national team"] == ("#returned", "1 returned")
    assert listed["Questions about your quarterly returns"] == ("#questions", "1 to answer")
    [proposal] = rows(page, "date-proposals")
    assert proposal[0] == "NC-01: No victim without a phone for more than 24 hours National commitment NC-01"
    assert proposal[2] == "Waiting for the national team"
    [back] = rows(page, "returned")
    assert back[0].startswith("NC-02: Specialist learning for investigators") and back[1] == "In progress"
    assert back[3] == "Half the investigators have not started it"
    [asked] = rows(page, "questions")
    assert asked[:2] == ["Q2 2025-26, version 1", "Who leads P2?"]
    answer = page.select_one("#questions").find_next("table").select_one("td:last-child a")["href"]
    assert answer == f"{PLAN}/returns/2025-26-q2/versions/1/questions/{question.id}/answer"
    client_request.get(answer)
    assert page.select_one("#date-proposals").find_next("table").select_one("a[href='/commitments/NC-01']")


@pytest.mark.parametrize(("role", "landing"), [("action_owner", "/my-actions"), ("oversight", "/forces"),
                                               ("admin", "/admin/")])
def test_other_roles_are_sent_to_their_own_start_page(client_request, role, landing):
    client_request.login(factories.create_user(role))
    response = client_request.client.get("/todo")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client_request.client.get("/").headers["Location"] == landing


def test_signed_out_visitors_are_asked_to_sign_in(client):
    response = client.get("/todo")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_the_force_plans_overdue_and_awaiting_sign_off_figures_are_links(app, client_request, pm, owner):
    ask_for_sign_off(factories.create_action(owner, reference="AS-P1-01-A"), owner)
    factories.create_action(owner, reference="AS-P1-02-A", due=clock.today() - timedelta(days=2), status="in_progress")
    factories.create_action(owner, reference="AS-P1-03-A")
    page = client_request.login(pm).get(PLAN)
    awaiting = page.select_one("#count-awaiting-sign-off a")
    assert awaiting.get_text(" ", strip=True) == "1 Awaiting sign-off"
    assert awaiting["href"] == f"{PLAN}?status=awaiting_sign_off"
    overdue = page.select_one("#count-overdue a")
    assert overdue.get_text(" ", strip=True) == "1 Overdue" and overdue["href"] == f"{PLAN}?overdue=y"
    listed = client_request.get(awaiting["href"]).get_text(" ", strip=True)
    assert "AS-P1-01-A" in listed and "AS-P1-02-A" not in listed
    listed = client_request.get(overdue["href"]).get_text(" ", strip=True)
    assert "AS-P1-02-A" in listed and "AS-P1-01-A" not in listed
    oversight = ClientRequest(app.test_client()).login(factories.create_user("oversight", None))
    assert oversight.get(PLAN).select_one("#count-awaiting-sign-off a")["href"] == f"{PLAN}?status=awaiting_sign_off"
