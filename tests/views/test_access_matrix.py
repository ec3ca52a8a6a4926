"""Every route × every role × own force and another force, from one table.

A route missing from ROUTES fails `test_every_route_is_in_the_matrix`, so a new page cannot
be added without deciding who may open it. Outside your scope is a 404 (the object is not
admitted to exist); inside your scope but not your job is a 403.

Cells: OK means the page opens (GET 200) or the change is accepted (POST 200 with the form
shown again, or a redirect); REDIRECT means the role is sent elsewhere (302); 403 and 404
are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import url_for

from improvement_tracker.services import clock
from tests import factories, files
from tests.conftest import ClientRequest

OK, REDIRECT = "ok", "redirect"
ROLES = ("admin", "oversight", "programme_manager", "action_owner", "anonymous")

# Cells per role: (own force, another force). Admin and oversight have no own force: both
# columns are forces they do not belong to.
EVERYONE_OK = dict.fromkeys(ROLES, (OK, OK))
# An action owner opening a page of their own force meant for its managers is told so (403, with a
# link to My actions); another force's page does not exist for them (404).
READ_PLAN = {"admin": (OK, OK), "oversight": (OK, OK), "programme_manager": (OK, 404),
             "action_owner": (403, 404)}
MANAGE_PLAN = {"admin": (OK, OK), "oversight": (403, 403), "programme_manager": (OK, 404),
               "action_owner": (403, 404)}
READ_ACTION = {"admin": (OK, OK), "oversight": (OK, OK), "programme_manager": (OK, 404),
               "action_owner": (OK, 404)}
MANAGE_ACTION = {"admin": (OK, OK), "oversight": (403, 403), "programme_manager": (OK, 404),
                 "action_owner": (403, 404)}
WORK_ACTION = {"admin": (OK, OK), "oversight": (403, 403), "programme_manager": (OK, 404),
               "action_owner": (OK, 404)}
ADMIN_ONLY = {"admin": (OK, OK), "oversight": (404, 404), "programme_manager": (404, 404),
              "action_owner": (404, 404)}
# An uploaded import waiting for confirmation: only the person who uploaded it may see it.
IMPORT_UPLOADER = {"admin": (404, 404), "oversight": (404, 404), "programme_manager": (OK, 404),
                   "action_owner": (403, 404)}
# The national picture and the pillar view: oversight and admins only.
NATIONAL = {"admin": (OK, OK), "oversight": (OK, OK), "programme_manager": (404, 404),
            "action_owner": (404, 404)}
# A file of outcome figures waiting for confirmation: the world's is the national team's (oversight),
# and only its uploader may open it, an administrator included.
OUTCOME_IMPORT_UPLOADER = {"admin": (404, 404), "oversight": (OK, OK), "programme_manager": (404, 404),
                           "action_owner": (404, 404)}
# The catalogue of outcome measures: everyone who sees any outcome figures; action owners see none.
READ_MEASURES = {"admin": (OK, OK), "oversight": (OK, OK), "programme_manager": (OK, OK),
                 "action_owner": (404, 404)}
# A published national commitment the programme manager's force carries: the national team, and the
# programme managers of the forces that carry it (the world's NC-01 is Avon and Somerset's).
CARRIED_COMMITMENT = {"admin": (OK, OK), "oversight": (OK, OK), "programme_manager": (OK, OK),
                      "action_owner": (404, 404)}
# The national team's side of a submitted return (assess, ask, mark reviewed): a programme manager
# can see their own force's return, but reviewing it is not theirs to do.
REVIEW_RETURN = {"admin": (OK, OK), "oversight": (OK, OK), "programme_manager": (403, 404),
                 "action_owner": (403, 404)}


@dataclass(frozen=True)
class Route:
    methods: tuple[str, ...]
    cells: dict[str, tuple[object, object]]
    params: dict[str, str] | None = None  # fixed values for non-id URL parts
    public: bool = False  # anonymous users may use it


ROUTES: dict[str, Route] = {
    "auth.index": Route(("GET",), dict.fromkeys(ROLES, (REDIRECT, REDIRECT)), public=True),
    "auth.sign_in": Route(("GET", "POST"), {**dict.fromkeys(ROLES, (REDIRECT, REDIRECT)), "anonymous": (OK, OK)},
                          public=True),
    "auth.sign_out": Route(("POST",), dict.fromkeys(ROLES, (REDIRECT, REDIRECT)), public=True),
    "health.healthz": Route(("GET",), EVERYONE_OK, public=True),
    # Open to anyone, like /healthz; 503 here, as no scheduler has ever started in these tests.
    "health.scheduler": Route(("GET",), dict.fromkeys(ROLES, (503, 503)), public=True),
    "plans.my_actions": Route(("GET",), {"admin": (REDIRECT, REDIRECT), "oversight": (REDIRECT, REDIRECT),
                                         "programme_manager": (OK, OK), "action_owner": (OK, OK)}),
    "plans.forces": Route(("GET",), {"admin": (OK, OK), "oversight": (OK, OK),
                                     "programme_manager": (REDIRECT, REDIRECT),
                                     "action_owner": (REDIRECT, REDIRECT)}),
    "plans.force_plan": Route(("GET",), READ_PLAN),
    "plans.force_plan_export": Route(("GET",), READ_PLAN, {"fmt": "xlsx"}),
    "evidence.awaiting_review_export": Route(("GET",), READ_PLAN, {"fmt": "csv"}),
    "notifications.ledger_export": Route(("GET",), READ_PLAN, {"fmt": "xlsx"}),
    "plans.my_actions_export": Route(("GET",), {"admin": (404, 404), "oversight": (404, 404),
                                                "programme_manager": (OK, OK), "action_owner": (OK, OK)},
                                     {"fmt": "csv"}),
    "plans.forces_export": Route(("GET",), {"admin": (OK, OK), "oversight": (OK, OK),
                                            "programme_manager": (404, 404), "action_owner": (404, 404)},
                                 {"fmt": "csv"}),
    "plans.deep_dive_new": Route(("GET", "POST"), MANAGE_PLAN),
    "plans.deep_dive": Route(("GET",), READ_PLAN),
    "plans.deep_dive_edit": Route(("GET", "POST"), MANAGE_PLAN),
    "plans.finding_new": Route(("GET", "POST"), MANAGE_PLAN),
    "plans.finding": Route(("GET",), READ_PLAN),
    "plans.finding_edit": Route(("GET", "POST"), MANAGE_PLAN),
    "actions.new": Route(("GET", "POST"), MANAGE_PLAN),
    "actions.show": Route(("GET",), READ_ACTION),
    "actions.edit": Route(("GET", "POST"), MANAGE_ACTION),
    "actions.due_date": Route(("GET", "POST"), MANAGE_ACTION),
    "actions.declare_rag": Route(("GET", "POST"), MANAGE_ACTION),
    "actions.update_new": Route(("GET", "POST"), WORK_ACTION),
    "actions.change_status": Route(("GET", "POST"), WORK_ACTION, {"slug": "start"}),
    "actions.history": Route(("GET",), READ_ACTION),
    "actions.milestone_new": Route(("GET", "POST"), MANAGE_ACTION),
    "actions.milestone_edit": Route(("GET", "POST"), MANAGE_ACTION),
    "actions.milestone_complete": Route(("POST",), WORK_ACTION, {"change": "complete"}),
    "actions.milestone_move": Route(("POST",), MANAGE_ACTION, {"direction": "down"}),
    "admin.index": Route(("GET",), ADMIN_ONLY),
    "admin.users": Route(("GET",), ADMIN_ONLY),
    "admin.user_new": Route(("GET", "POST"), ADMIN_ONLY),
    "admin.user_edit": Route(("GET", "POST"), ADMIN_ONLY),
    "admin.user_deactivate": Route(("GET", "POST"), ADMIN_ONLY),
    "admin.user_reactivate": Route(("POST",), ADMIN_ONLY),
    "admin.user_password": Route(("GET", "POST"), ADMIN_ONLY),
    "admin.pillars": Route(("GET",), ADMIN_ONLY),
    "admin.pillar_edit": Route(("GET", "POST"), ADMIN_ONLY, {"code": "P1"}),
    "admin.forces": Route(("GET",), ADMIN_ONLY),
    "admin.force_new": Route(("GET", "POST"), ADMIN_ONLY),
    "admin.force_edit": Route(("GET", "POST"), ADMIN_ONLY),
    "admin.reminder_settings": Route(("GET", "POST"), ADMIN_ONLY),
    "admin.outbox": Route(("GET",), ADMIN_ONLY),
    "admin.outbox_retry": Route(("POST",), ADMIN_ONLY),
    "admin.scheduler": Route(("GET",), ADMIN_ONLY),
    "notifications.preferences": Route(("GET", "POST"), {r: (OK, OK) for r in ROLES if r != "anonymous"}),
    "notifications.ledger": Route(("GET",), READ_PLAN),
    "evidence.upload": Route(("GET", "POST"), WORK_ACTION),
    "evidence.show": Route(("GET",), READ_ACTION),
    "evidence.download": Route(("GET",), READ_ACTION),
    "evidence.preview": Route(("GET",), READ_ACTION),
    "evidence.review": Route(("GET", "POST"), MANAGE_ACTION),
    "evidence.withdraw": Route(("GET", "POST"), WORK_ACTION),
    "evidence.purge": Route(("GET", "POST"), {"admin": (OK, OK), "oversight": (403, 403),
                                              "programme_manager": (403, 404), "action_owner": (403, 404)}),
    "evidence.awaiting_review": Route(("GET",), READ_PLAN),
    "imports.upload": Route(("GET", "POST"), MANAGE_PLAN),
    "imports.template_xlsx": Route(("GET",), MANAGE_PLAN),
    "imports.template_csv": Route(("GET",), MANAGE_PLAN, {"sheet": "actions"}),
    "imports.preview": Route(("GET", "POST"), IMPORT_UPLOADER),
    "imports.cancel": Route(("POST",), IMPORT_UPLOADER),
    "dashboards.national": Route(("GET",), NATIONAL),
    "dashboards.national_board_pack": Route(("GET",), NATIONAL),
    "dashboards.national_export": Route(("GET",), NATIONAL, {"table": "completion", "fmt": "csv"}),
    "dashboards.refresh": Route(("POST",), {**NATIONAL, "oversight": (403, 403)}),
    "dashboards.pillar": Route(("GET",), NATIONAL, {"pillar_code": "P1"}),
    "dashboards.pillar_export": Route(("GET",), NATIONAL, {"pillar_code": "P1", "table": "ranking", "fmt": "xlsx"}),
    "dashboards.force": Route(("GET",), READ_PLAN),
    "dashboards.force_board_pack": Route(("GET",), READ_PLAN),
    "dashboards.force_export": Route(("GET",), READ_PLAN, {"table": "overdue-actions", "fmt": "xlsx"}),
    # Quarterly returns. The world's returns are being corrected (version 1 submitted, its words open
    # again): the one state in which every page of a return opens, the draft's and the version's.
    "returns.national": Route(("GET",), NATIONAL),
    "returns.national_export": Route(("GET",), NATIONAL, {"fmt": "csv"}),
    "returns.force_returns": Route(("GET",), READ_PLAN),
    "returns.view": Route(("GET",), READ_PLAN),
    "returns.start": Route(("POST",), MANAGE_PLAN),
    "returns.section": Route(("GET", "POST"), MANAGE_PLAN),
    "returns.submit": Route(("GET", "POST"), MANAGE_PLAN),
    "returns.correct": Route(("POST",), MANAGE_PLAN),
    "returns.periods": Route(("GET",), ADMIN_ONLY),
    "returns.period_due_date": Route(("GET", "POST"), ADMIN_ONLY),
    "return_reviews.version": Route(("GET",), READ_PLAN),
    "return_reviews.board_paper": Route(("GET",), READ_PLAN),
    "return_reviews.download": Route(("GET",), READ_PLAN),
    "return_reviews.assess": Route(("GET", "POST"), REVIEW_RETURN),
    "return_reviews.ask": Route(("GET", "POST"), REVIEW_RETURN),
    "return_reviews.review": Route(("POST",), REVIEW_RETURN),
    "return_reviews.answer": Route(("GET", "POST"), MANAGE_PLAN),
    # Outcome figures. Every force in the world has a 2019 baseline and figures for the return's quarter,
    # so every table the exports name exists (a table that does not is a 404 for everyone).
    "outcomes.national": Route(("GET",), NATIONAL),
    "outcomes.national_export": Route(("GET",), NATIONAL, {"table": "outcomes-summary", "fmt": "csv"}),
    "outcomes.force": Route(("GET",), READ_PLAN),
    "outcomes.force_export": Route(("GET",), READ_PLAN, {"table": "outcomes-latest", "fmt": "csv"}),
    "outcomes.history": Route(("GET",), READ_PLAN),
    "outcomes.enter": Route(("GET", "POST"), MANAGE_PLAN),
    "outcomes.baseline": Route(("GET", "POST"), MANAGE_PLAN),
    "outcome_imports.upload": Route(("GET", "POST"), NATIONAL),
    "outcome_imports.template_csv": Route(("GET",), NATIONAL),
    "outcome_imports.preview": Route(("GET", "POST"), OUTCOME_IMPORT_UPLOADER),
    "outcome_imports.cancel": Route(("POST",), OUTCOME_IMPORT_UPLOADER),
    "outcome_measures.index": Route(("GET",), READ_MEASURES),
    "outcome_measures.view": Route(("GET",), READ_MEASURES),
    "outcome_measures.edit": Route(("GET", "POST"), ADMIN_ONLY),
    # National commitments: NC-01 is published to Avon and Somerset; each column has its own draft to
    # change and publish (NC-02, NC-03), since publishing one in the first leaves nothing to publish.
    "commitments.index": Route(("GET",), CARRIED_COMMITMENT),
    "commitments.new": Route(("GET", "POST"), NATIONAL),
    "commitments.view": Route(("GET",), CARRIED_COMMITMENT, {"reference": "NC-01"}),
    "commitments.export": Route(("GET",), CARRIED_COMMITMENT, {"reference": "NC-01", "fmt": "csv"}),
    "commitments.edit": Route(("GET", "POST"), NATIONAL),
    "commitments.publish": Route(("GET", "POST"), NATIONAL),
    "commitments.change": Route(("GET", "POST"), NATIONAL, {"reference": "NC-01"}),
    "commitments.export_trend": Route(("GET",), NATIONAL, {"reference": "NC-01", "fmt": "csv"}),
    "commitments.add_forces": Route(("GET", "POST"), NATIONAL, {"reference": "NC-01"}),
    "commitments.remove_force": Route(("GET", "POST"), NATIONAL, {"reference": "NC-01"}),
    # The national team's decisions and a force's date proposal: NC-06 is carried by both forces, each
    # force's action signed off; NC-04 is carried by both; NC-05 has a date proposal waiting from each.
    "commitment_reviews.completion": Route(("GET", "POST"), {
        "admin": (OK, OK), "oversight": (OK, OK), "programme_manager": (403, 404), "action_owner": (404, 404)}),
    "commitment_reviews.propose_date": Route(("GET", "POST"), {
        "admin": (OK, OK), "oversight": (403, 403), "programme_manager": (OK, 404), "action_owner": (404, 404)}),
    "commitment_reviews.decide": Route(("GET", "POST"), {
        "admin": (OK, OK), "oversight": (OK, OK), "programme_manager": (403, 404), "action_owner": (404, 404)}),
    # A programme manager's to-do page; everyone else is sent to their own start page.
    "todo.index": Route(("GET",), {"admin": (REDIRECT, REDIRECT), "oversight": (REDIRECT, REDIRECT),
                                   "programme_manager": (OK, OK), "action_owner": (REDIRECT, REDIRECT)}),
    # Search: every signed-in person searches what they may see (services/search.py scopes each result as
    # its page does; tests/views/test_search.py checks what each role finds).
    "search.results": Route(("GET",), {r: (OK, OK) for r in ROLES if r != "anonymous"}),
}
NOT_ROUTES = {"static"}


@dataclass
class Scope:
    force_code: str
    deep_dive_id: int
    finding_id: int
    action_id: int
    milestone_id: int
    evidence_id: int = 0
    period: str = ""  # the quarter of the force's return
    question_id: int = 0  # a question about its version 1, not answered yet


def _return_being_corrected(manager, asker) -> tuple[str, int]:
    """The force's return for the last ended quarter: version 1 submitted, a question from the national
    team about it, and a correction started. (period slug, question id)"""
    from improvement_tracker.extensions import db
    from improvement_tracker.services import reporting_periods, return_reviews, returns

    quarter = reporting_periods.quarter_of(clock.today()).preceding
    period = factories.create_period(quarter.financial_year, quarter.quarter)
    quarterly_return = factories.create_return(manager, period)
    version = factories.submit_return(manager, quarterly_return, today=clock.today())
    question = return_reviews.ask(db.session, quarterly_return, version, None, "Why is P2 on track?", asker)
    returns.start_correction(db.session, quarterly_return, manager)
    db.session.commit()
    return reporting_periods.slug(period), question.id


# A force's figures, each part within its whole (outcome_rules), for the baseline and for a quarter.
FIGURES = {"recorded_offences": 250, "referrals": 42, "charges": 12, "outcomes_assigned": 200,
           "victim_withdrawals": 80, "median_days_to_charge": 300, "phones_taken": 50, "phones_returned_24h": 45}


def _outcome_figures(force_code: str, slug: str, manager) -> None:
    """The force's 2019 baseline and its figures for the quarter: the outcome pages' tables exist."""
    from improvement_tracker.extensions import db
    from improvement_tracker.services import outcomes, reporting_periods

    force = factories.force(force_code)
    typed = {code: Decimal(value) for code, value in FIGURES.items()}
    outcomes.save_baseline(db.session, force, typed, manager)
    # New figures for the quarter revise nothing, so they need no reason even once published.
    outcomes.save_quarter(db.session, force, reporting_periods.by_slug(db.session, slug), typed, manager,
                          clock.today())
    db.session.commit()


def _build_scope(force_code: str, owner, manager, asker) -> Scope:
    deep_dive = factories.create_deep_dive(force_code)
    finding = factories.create_finding(deep_dive)
    action = factories.create_action(owner, finding=finding, due=clock.today() + timedelta(days=20))
    milestone = factories.create_milestone(action, "First")
    factories.create_milestone(action, "Second")
    evidence = factories.create_evidence(action, owner, files.png(), "chart.png")  # an image, so it previews
    period, question_id = _return_being_corrected(manager, asker)
    _outcome_figures(force_code, period, manager)
    return Scope(force_code, deep_dive.id, finding.id, action.id, milestone.id, evidence.id, period, question_id)


def _failed_email(recipient) -> int:
    from improvement_tracker.extensions import db
    from improvement_tracker.models import Notification

    notification = Notification(recipient_id=recipient.id, kind="digest", dedupe_key="matrix", subject="Test",
                                items=[], status="failed", attempts=5)
    db.session.add(notification)
    db.session.commit()
    return notification.id


@pytest.fixture
def world():
    owner = factories.create_user("action_owner", "avon-and-somerset")
    other_owner = factories.create_user("action_owner", "durham")
    users: dict = {
        "admin": factories.create_user("admin", None),
        "oversight": factories.create_user("oversight", None),
        "programme_manager": factories.create_user("programme_manager", "avon-and-somerset"),
        "action_owner": owner,
    }
    users["notification_id"] = _failed_email(owner)
    users["pm durham"] = factories.create_user("programme_manager", "durham")
    colleague = factories.create_user("action_owner", "avon-and-somerset")
    colleague_action = factories.create_action(colleague, reference="COLLEAGUE")
    found = {
        "users": users,
        "own": _build_scope("avon-and-somerset", owner, users["programme_manager"], users["oversight"]),
        "other": _build_scope("durham", other_owner, users["pm durham"], users["oversight"]),
        "colleague_action": colleague_action.id,
        "colleague_evidence": factories.create_evidence(colleague_action, colleague, files.png(), "c.png").id,
    }
    users["proposals"] = _commitments(users)
    return found


def _commitments(users: dict) -> dict[str, int]:
    """NC-01 published to Avon and Somerset; NC-02 and NC-03 drafts for Durham; NC-04 published to both
    forces; NC-05 too, with a later date proposed by each; NC-06 too, each force's action signed off.
    Returns each force's proposal id."""
    from improvement_tracker.extensions import db
    from improvement_tracker.models import Action
    from improvement_tracker.services import commitment_reviews, commitments, status

    national, due, both = users["oversight"], clock.today() + timedelta(days=90), ["avon-and-somerset", "durham"]
    proposals = {}
    for reference, codes in (("NC-01", ["avon-and-somerset"]), ("NC-02", ["durham"]), ("NC-03", ["durham"]),
                             ("NC-04", both), ("NC-05", both), ("NC-06", both)):
        commitment = commitments.save_draft(db.session, None, commitments.CommitmentFields(
            reference=reference, title=f"Commitment {reference}", pillar_id=factories.pillar("P3").id, due_date=due,
            applies_to="chosen", force_ids=[factories.force(code).id for code in codes]), national)
        if reference in ("NC-02", "NC-03"):
            continue
        for member in commitments.publish(db.session, commitment, national, clock.today()):
            action = db.session.get(Action, member.action_id)
            if reference == "NC-06":
                manager = users["programme_manager"] if member.force.code == "avon-and-somerset" else users["pm durham"]
                status.apply(db.session, action, "start", "", actor=manager)
                status.apply(db.session, action, "request-sign-off", "Done", actor=manager)
                status.apply(db.session, action, "sign-off", "", actor=users["admin"], no_evidence_reason="Seen")
            elif reference == "NC-05":
                code = member.force.code
                proposer = users["programme_manager"] if code == "avon-and-somerset" else users["pm durham"]
                proposals[code] = commitment_reviews.propose(db.session, commitment, member, action,
                                                             due + timedelta(days=30), "Later", proposer).id
    db.session.commit()
    return proposals


def _pending_import(force_code: str, users: dict) -> str:
    """The key of a spreadsheet uploaded by the force's programme manager, waiting to be confirmed."""
    from improvement_tracker.services import imports
    from improvement_tracker.views.imports import import_dir

    uploader = users["programme_manager"] if force_code == "avon-and-somerset" else users.get(f"pm {force_code}")
    if uploader is None:
        uploader = users[f"pm {force_code}"] = factories.create_user("programme_manager", force_code)
    data = b"Title,Period,Lead\r\nMatrix deep dive,2022,Academic team\r\n"
    return imports.store(import_dir(), data, "plan.csv", user_id=uploader.id, force_id=uploader.force_id).key


def _pending_outcome_import(users: dict) -> str:
    """The key of a file of outcome figures uploaded by the national team (oversight), not yet confirmed.
    Kept as views/outcome_imports.py keeps one: every force's, not one force's."""
    from improvement_tracker.services import reporting_periods
    from improvement_tracker.services.imports import staging
    from improvement_tracker.views.outcome_imports import EVERY_FORCE, import_dir

    quarter = reporting_periods.label(reporting_periods.quarter_of(clock.today()).preceding)
    data = f"force code,quarter,measure,value\r\ndurham,{quarter},charges,13\r\n".encode()
    return staging.store(import_dir(), data, "figures.csv", user_id=users["oversight"].id,
                         force_id=EVERY_FORCE).key


def _url(app, endpoint: str, route: Route, scope: Scope, users: dict) -> str:
    values = dict(route.params or {})
    with app.test_request_context():
        rule = next(app.url_map.iter_rules(endpoint))
        for arg in rule.arguments:
            if arg in values:
                continue
            if arg == "code":
                values[arg] = scope.force_code
            elif arg in ("deep_dive_id", "finding_id", "action_id", "milestone_id", "evidence_id"):
                values[arg] = getattr(scope, arg)
            elif arg == "key" and endpoint.startswith("outcome_imports."):
                values[arg] = _pending_outcome_import(users)
            elif arg == "key":
                values[arg] = _pending_import(scope.force_code, users)
            elif arg == "measure":
                values[arg] = "charge_rate"  # a measure's code names no force: the same in both columns
            elif arg == "user_id":
                values[arg] = users["action_owner"].id
            elif arg == "notification_id":
                values[arg] = users["notification_id"]
            elif arg == "period":
                values[arg] = scope.period
            elif arg == "pillar":
                values[arg] = "P1"
            elif arg == "number":
                values[arg] = 1
            elif arg == "question_id":
                values[arg] = scope.question_id
            elif arg == "reference":  # see _commitments: which commitment each route is tried on
                values[arg] = {"commitment_reviews.completion": "NC-06", "commitment_reviews.propose_date": "NC-04",
                               "commitment_reviews.decide": "NC-05"}.get(
                    endpoint, "NC-02" if scope.force_code == "avon-and-somerset" else "NC-03")
            elif arg == "proposal_id":
                values[arg] = users["proposals"][scope.force_code]
            else:
                raise AssertionError(f"test_access_matrix does not know how to fill <{arg}> of {endpoint}")
        return url_for(endpoint, **values)


def _check(status: int, expected, method: str, url: str, location: str) -> None:
    if expected == OK:
        allowed = {200} if method == "GET" else {200, 302}
        assert status in allowed, f"{method} {url}: expected it to work, got {status} {location}"
        if status == 302:
            assert not location.startswith("/sign-in"), f"{method} {url} sent to sign in"
    elif expected == REDIRECT:
        assert status == 302, f"{method} {url}: expected a redirect, got {status}"
    else:
        assert status == expected, f"{method} {url}: expected {expected}, got {status}"


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - NOT_ROUTES
    assert endpoints - set(ROUTES) == set(), "add these routes to ROUTES"
    assert set(ROUTES) - endpoints == set(), "these routes no longer exist"
    for endpoint, route in ROUTES.items():
        methods = set().union(*(r.methods for r in app.url_map.iter_rules(endpoint))) - {"HEAD", "OPTIONS"}
        assert methods == set(route.methods), f"{endpoint} answers {methods}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_access(app, client, world, endpoint, role):
    route = ROUTES[endpoint]
    request = ClientRequest(client)
    if role != "anonymous":
        request.login(world["users"][role])
    for column, scope in enumerate((world["own"], world["other"])):
        url = _url(app, endpoint, route, scope, world["users"])
        for method in route.methods:
            if role == "anonymous" and not route.public:
                expected: object = REDIRECT
            else:
                expected = route.cells[role][column]
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": request.csrf_token()})
            location = response.headers.get("Location", "")
            _check(response.status_code, expected, method, url, location)
            if role == "anonymous" and not route.public:
                assert location.startswith("/sign-in"), f"{method} {url} did not ask to sign in"
            if response.status_code == 200 and response.mimetype == "text/html":
                request.check_page(response)


@pytest.mark.parametrize("endpoint", sorted(e for e in ROUTES if e.startswith(("actions.", "evidence."))
                                             and e not in ("actions.new", "evidence.awaiting_review",
                                                           "evidence.awaiting_review_export")))
def test_owner_cannot_reach_a_colleagues_action(app, client, world, endpoint):
    """Same force, not theirs: as good as another force's."""
    route = ROUTES[endpoint]
    request = ClientRequest(client).login(world["users"]["action_owner"])
    scope = world["own"]
    colleague = Scope(scope.force_code, scope.deep_dive_id, scope.finding_id, world["colleague_action"],
                      scope.milestone_id, world["colleague_evidence"])
    url = _url(app, endpoint, route, colleague, world["users"])
    for method in route.methods:
        data = {"csrf_token": request.csrf_token()}
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        assert response.status_code == 404, f"{method} {url}: got {response.status_code}"
