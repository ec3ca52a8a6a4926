"""What every attack module needs: two forces' plans, a browser per person, the app's routes
filled with real ids, a valid form for every POST route, and a fingerprint of everything stored.

The home force is Avon and Somerset; the "other" force is Durham. Every kind of object the app
has an id for exists in both, so any route can be pointed at the other force's copy.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import Flask, url_for
from werkzeug.routing import Rule

from improvement_tracker.extensions import db
from improvement_tracker.models import Milestone, Notification, Pillar, QuarterlyReturn, ReminderClaim, User
from improvement_tracker.models.returns import ReturnVersion
from improvement_tracker.services import clock, outcomes, reporting_periods, return_reviews, returns
from tests import factories, files
from tests import import_sheets as sheets
from tests.conftest import ClientRequest

OWN, OTHER = "avon-and-somerset", "durham"
NON_ADMIN_ROLES = ("oversight", "programme_manager", "action_owner")
NEW_PASSWORD = "violet harbour tram 9"

# Values for the URL parts that are not ids of stored objects. An outcome measure's code names the
# same measure for every force: nothing of one force's is behind it.
FIXED_ARGS = {"slug": "start", "change": "complete", "direction": "down", "pillar_code": "P1",
              "sheet": "actions", "fmt": "csv", "pillar": "P1", "measure": "charge_rate"}
FIRST_TABLE = {"dashboards.national_export": "completion", "dashboards.pillar_export": "ranking",
               "dashboards.force_export": "overdue-actions", "outcomes.national_export": "outcomes-summary",
               "outcomes.force_export": "outcomes-latest"}
# URL parts that name something stored (a force, a plan object, a person, an email, an upload, a
# return). A quarter's slug (``period``) is no secret, but beside ``code`` it names that force's
# return, and ``number`` and ``question_id`` that return's versions and the questions about them.
# A national commitment's ``reference`` ("NC-10") is no force's, but a programme manager may open only
# the published ones their force carries: behind it is what one force carries and another does not.
OBJECT_ARGS = {"code", "deep_dive_id", "finding_id", "action_id", "milestone_id", "evidence_id", "key",
               "user_id", "notification_id", "pillar_code", "pillar", "period", "number", "question_id",
               "reference", "proposal_id"}
# Routes whose <key> is the national team's pending file of outcome figures (World.outcome_key), not a
# force's pending plan import.
OUTCOME_KEY = ("outcome_imports.",)
# Routes that begin something for a quarter: sent the quarter before the return's, which no force
# has started, so that a valid form does start something.
UNSTARTED_PERIOD = {"returns.start"}
# Routes whose <reference> is the scope's draft commitment (only a draft can be changed or published);
# every other route's is the commitment published to the scope's force alone.
DRAFT_REFERENCE = {"commitments.edit", "commitments.publish"}


# --- the world: one plan per force ---------------------------------------------------------

@dataclass
class Scope:
    """One force's plan, with one object of every kind the app has an id for."""

    force_code: str
    pm: User
    owner: User
    deep_dive_id: int
    finding_id: int
    action_id: int
    milestone_id: int
    second_milestone_id: int
    evidence_id: int
    key: str  # an import uploaded by the force's programme manager, waiting for confirmation
    # The quarterly return for the last quarter that has ended: version 1 submitted, with one
    # question from the national team not yet answered.
    period: str = ""  # its quarter's slug, "2026-27-q2"
    question_id: int = 0
    # National commitments: one published to this force alone (it carries a linked action in the
    # plan), and a draft that would apply to this force alone.
    commitment: str = ""
    draft: str = ""
    proposal_id: int = 0  # the force's proposal of a later date for its commitment, waiting

    @property
    def force_id(self) -> int:
        return factories.force(self.force_code).id


@dataclass
class World:
    own: Scope
    other: Scope
    admin: User
    oversight: User
    notification_id: int  # a failed email, for the admin's outbox
    unstarted_period: str = ""  # a quarter whose drafts are open and that no force has started
    # A file of outcome figures the national team (oversight) uploaded and has not confirmed: it
    # changes Durham's charges for the scopes' quarter.
    outcome_key: str = ""

    def user(self, role: str) -> User:
        return {"admin": self.admin, "oversight": self.oversight, "programme_manager": self.own.pm,
                "action_owner": self.own.owner}[role]


def _ledger_row(owner: User, action_id: int) -> None:
    """A reminder that was sent about the action, so the force's ledger and its export have a row."""
    notification = Notification(recipient_id=owner.id, kind="digest", dedupe_key=f"ledger:{action_id}",
                                subject="1 improvement action needs your attention", items=[], status="sent")
    db.session.add(notification)
    db.session.flush()
    db.session.add(ReminderClaim(dedupe_key=f"claim:{action_id}", recipient_id=owner.id, kind="due_soon",
                                 action_id=action_id, force_id=owner.force_id, threshold="7",
                                 due_date=date.today() + timedelta(days=7), notification_id=notification.id))
    db.session.commit()


def pending_import(uploader: User) -> str:
    """The key of a small spreadsheet the user uploaded for their force and has not confirmed."""
    from improvement_tracker.services import imports
    from improvement_tracker.views.imports import import_dir

    data = sheets.csv_file("deep_dives", [sheets.deep_dive("Imported deep dive")])
    return imports.store(import_dir(), data, "plan.csv", user_id=uploader.id, force_id=uploader.force_id).key


def marker(force_code: str) -> str:
    """A word in the name of everything in one force's plan: seeing it elsewhere is a leak."""
    return f"only-in-{force_code}"


def ended_quarter() -> reporting_periods.Quarter:
    """The last quarter that has ended, whatever day the tests run: its returns can be submitted."""
    return reporting_periods.quarter_of(clock.today()).preceding


def make_period(quarter: reporting_periods.Quarter) -> str:
    return reporting_periods.slug(factories.create_period(quarter.financial_year, quarter.quarter))


def submitted_return(pm: User, asker: User, words: str) -> tuple[str, int]:
    """The force's return for the last ended quarter, submitted as version 1 (every pillar's words
    holding ``words``), and a question about it from the national team: (its quarter, the question)."""
    quarter = ended_quarter()
    period = factories.create_period(quarter.financial_year, quarter.quarter)
    quarterly_return = factories.create_return(pm, period, reason=f"Reason {words}", progress=f"Progress {words}",
                                               risks=f"Risks {words}", help_needed=f"Help {words}")
    version = factories.submit_return(pm, quarterly_return, today=clock.today())
    question = return_reviews.ask(db.session, quarterly_return, version, factories.pillar("P1"),
                                  f"Question {words}", asker)
    db.session.commit()
    return reporting_periods.slug(period), question.id


# A force's outcome figures, each part within its whole: its 2019 baseline and the return's quarter.
FIGURES = {"recorded_offences": "250", "referrals": "42", "charges": "12", "outcomes_assigned": "200",
           "victim_withdrawals": "80", "median_days_to_charge": "300", "phones_taken": "50",
           "phones_returned_24h": "45"}
# What a valid form sends instead: different in every box, so saving it changes what is stored.
NEW_FIGURES = {"recorded_offences": "260", "referrals": "44", "charges": "14", "outcomes_assigned": "210",
               "victim_withdrawals": "70", "median_days_to_charge": "280", "phones_taken": "52",
               "phones_returned_24h": "48"}


def save_outcome_figures(scope: Scope, figures: dict[str, str] = FIGURES) -> None:
    """The force's baseline and its figures for the scope's quarter, saved by its programme manager."""
    force = factories.force(scope.force_code)
    typed = {code: Decimal(value) for code, value in figures.items()}
    outcomes.save_baseline(db.session, force, typed, scope.pm)
    period = reporting_periods.by_slug(db.session, scope.period)
    # The quarter may be published (its returns were due) whatever day the tests run: a reason, then.
    outcomes.save_quarter(db.session, force, period, typed, scope.pm, clock.today(), reason="Figures for the suite")
    db.session.commit()


def outcome_file(rows: list[list[str]]) -> bytes:
    """A CSV of outcome figures as the national team loads them (views/outcome_imports.py)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([["force code", "quarter", "measure", "value"], *rows])
    return buffer.getvalue().encode()


def pending_outcome_import(uploader: User, value: str = "13") -> str:
    """The key of a file of figures the user uploaded and has not confirmed: Durham's charges for the
    last ended quarter. Kept as the upload page keeps it (every force's, not one force's)."""
    from improvement_tracker.services.imports import staging
    from improvement_tracker.views.outcome_imports import EVERY_FORCE, import_dir

    data = outcome_file([[OTHER, reporting_periods.label(ended_quarter()), "charges", value]])
    return staging.store(import_dir(), data, "figures.csv", user_id=uploader.id, force_id=EVERY_FORCE).key


def build_scope(force_code: str, asker: User | None = None) -> Scope:
    """The force's plan; and its submitted return when ``asker`` (the national team) is given."""
    mark = marker(force_code)
    pm = factories.create_user("programme_manager", force_code, name=f"Manager {mark}")
    owner = factories.create_user("action_owner", force_code, name=f"Owner {mark}")
    deep_dive = factories.create_deep_dive(force_code, title=f"Deep dive {mark}")
    finding = factories.create_finding(deep_dive, title=f"Finding {mark}")
    action = factories.create_action(owner, finding=finding, title=f"Action {mark}",
                                     due=date.today() + timedelta(days=20))
    first = factories.create_milestone(action, f"First milestone {mark}")
    second = factories.create_milestone(action, f"Second milestone {mark}")
    # An image, so that it previews too.
    evidence = factories.create_evidence(action, owner, files.png(), "chart.png", description=f"Evidence {mark}")
    _ledger_row(owner, action.id)
    period, question_id = submitted_return(pm, asker, mark) if asker is not None else ("", 0)
    scope = Scope(force_code, pm, owner, deep_dive.id, finding.id, action.id, first.id, second.id, evidence.id,
                  pending_import(pm), period, question_id)
    if period:
        save_outcome_figures(scope)  # so every outcome page and each of its downloads has its tables
    return scope


@pytest.fixture(autouse=True)
def import_dir(app, tmp_path):
    """Each test keeps pending imports (plans' and outcome figures') in its own folders."""
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    app.config["OUTCOME_IMPORT_DIR"] = str(tmp_path / "outcome-imports")
    yield tmp_path / "imports"
    app.config.pop("IMPORT_DIR")
    app.config.pop("OUTCOME_IMPORT_DIR")


# The commitments of each scope's force: (published to it alone, a draft for it alone).
COMMITMENTS = {OWN: ("NC-10", "NC-11"), OTHER: ("NC-20", "NC-21")}
# A reference no commitment of the world has, for a new one.
NEW_COMMITMENT = "NC-99"


def commitment_due() -> date:
    return clock.today() + timedelta(days=120)


def add_commitments(force_code: str, national: User) -> tuple[str, str]:
    """The national team's commitments for the force, made through the service: one published (so the
    force's plan carries its linked action), one left a draft. Made before the force has a programme
    manager, so the linked action has no owner yet and the world's programme managers own nothing of
    the national team's (an administrator may still move them to another force)."""
    from improvement_tracker.services import commitments

    published, draft = COMMITMENTS[force_code]
    mark = marker(force_code)
    for reference in (published, draft):
        commitment = commitments.save_draft(db.session, None, commitments.CommitmentFields(
            reference=reference, title=f"Commitment {reference} {mark}", pillar_id=factories.pillar("P3").id,
            due_date=commitment_due(), applies_to="chosen", force_ids=[factories.force(force_code).id],
            description=f"What {mark} will do"), national)
        if reference == published:
            commitments.publish(db.session, commitment, national, clock.today())
    db.session.commit()
    return published, draft


def _commitment_action(scope: Scope):
    from improvement_tracker.models import Action
    from improvement_tracker.services import commitments

    commitment = commitments.by_reference(db.session, scope.commitment)
    member = commitments.member_of(db.session, commitment, scope.force_id)
    return commitment, member, db.session.get(Action, member.action_id)


def propose_later_date(scope: Scope) -> int:
    """The force's programme manager proposes a later date for its commitment: one waits."""
    from improvement_tracker.services import commitment_reviews

    commitment, member, action = _commitment_action(scope)
    proposal = commitment_reviews.propose(db.session, commitment, member, action,
                                          action.current_due_date + timedelta(days=30), "Phones on order", scope.pm)
    db.session.commit()
    return proposal.id


def _no_proposal_waiting(world: World, scope: Scope) -> None:
    """The national team refuses the waiting proposal, so the force may propose again."""
    from improvement_tracker.services import commitment_reviews

    commitment, member, action = _commitment_action(scope)
    if (waiting := commitment_reviews.pending_proposal(db.session, member)) is not None:
        commitment_reviews.decide(db.session, commitment, waiting, action, False, "Not yet", world.oversight)
        db.session.commit()


def _signed_off_commitment(world: World, scope: Scope) -> None:
    """The force's commitment action signed off (asked for by its manager, given by an administrator)."""
    from improvement_tracker.services import status

    _, _, action = _commitment_action(scope)
    if action.status == "not_started":
        status.apply(db.session, action, "start", "", actor=scope.pm)
    if action.status == "in_progress":
        status.apply(db.session, action, "request-sign-off", "Done", actor=scope.pm)
    if action.status == "awaiting_sign_off":
        status.apply(db.session, action, "sign-off", "", actor=world.admin, no_evidence_reason="Seen the log")
    db.session.commit()


@pytest.fixture
def world(app, import_dir) -> World:
    admin = factories.create_user("admin", None)
    oversight = factories.create_user("oversight", None)
    made = {code: add_commitments(code, oversight) for code in (OWN, OTHER)}
    own, other = build_scope(OWN, oversight), build_scope(OTHER, oversight)
    own.commitment, own.draft = made[OWN]
    other.commitment, other.draft = made[OTHER]
    for scope in (own, other):
        scope.proposal_id = propose_later_date(scope)
    failed = Notification(recipient_id=own.owner.id, kind="digest", dedupe_key="failed", subject="Test",
                          items=[], status="failed", attempts=5)
    db.session.add(failed)
    db.session.commit()
    return World(own, other, admin, oversight, failed.id, make_period(ended_quarter().preceding),
                 pending_outcome_import(oversight))


# --- browsers -----------------------------------------------------------------------------

class Browser(ClientRequest):
    """One person's browser, which reads its CSRF token once per session.

    ``Browser(client, user)`` starts the session the way a successful sign-in does (Flask-Login's
    session keys, a permanent session) without checking the password each time: argon2 takes
    about 0.3 s a go. Signing in through the form is what tests/security/test_sessions.py tests.
    """

    def __init__(self, client, user: User | None = None):
        super().__init__(client)
        self._token: str | None = None
        if user is not None:
            self.signed_in_as(user)

    def signed_in_as(self, user: User) -> Browser:
        app = self.client.application
        self.logout()
        with app.test_request_context(environ_base=self.client.environ_base):
            identifier = app.login_manager._session_identifier_generator()  # what "strong" protection checks
        with self.client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["_id"] = identifier
            session["signed_in_at"] = int(time.time())  # as signing in records it
            session.permanent = True
        self.user = user
        return self

    def login(self, user, password: str = factories.PASSWORD) -> Browser:
        """Sign in through the sign-in form."""
        super().login(user, password)
        self._token = None  # sign-in starts a new session, with a new token
        return self

    def logout(self) -> None:
        super().logout()
        self._token = None

    def csrf_token(self) -> str:
        if self._token is None:
            response = self.client.get("/sign-in" if self.user is None else "/notifications")
            field = BeautifulSoup(response.data, "html.parser").select_one("input[name=csrf_token]")
            assert field is not None, "no CSRF token on the page"
            self._token = field["value"]
        return self._token


def browser(app: Flask, user: User | None = None) -> Browser:
    return Browser(app.test_client(), user)


@pytest.fixture
def quick_passwords(monkeypatch) -> Callable[[User], User]:
    """Sign-ins that check the password with argon2 at its lowest cost, for tests that sign in
    many times; what is being tested (redirects, throttling, sessions) is not the hash.
    Returns a function that gives a user a password hash made at that cost."""
    from argon2 import PasswordHasher

    from improvement_tracker.services import users

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(users, "_hasher", cheap)
    monkeypatch.setattr(users, "_DUMMY_HASH", cheap.hash("not anyone's password"))
    quick_hash = cheap.hash(factories.PASSWORD)

    def give(user: User) -> User:
        user.password_hash = quick_hash
        db.session.commit()
        return user

    return give


# --- routes -------------------------------------------------------------------------------

def rules(app: Flask) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.endpoint)


def methods(rule: Rule) -> set[str]:
    return set(rule.methods or ()) - {"HEAD", "OPTIONS"}


def object_args(rule: Rule) -> set[str]:
    return set(rule.arguments) & OBJECT_ARGS


def route_url(app: Flask, endpoint: str, world: World, scope: Scope, **given) -> str:
    """The endpoint's URL with every part filled from the scope's objects (or as given)."""
    rule = next(app.url_map.iter_rules(endpoint))
    values = dict(given)
    for arg in rule.arguments:
        if arg in values:
            continue
        if arg == "code":
            values[arg] = scope.force_code
        elif arg == "key" and endpoint.startswith(OUTCOME_KEY):
            values[arg] = world.outcome_key
        elif arg in ("deep_dive_id", "finding_id", "action_id", "milestone_id", "evidence_id", "key"):
            values[arg] = getattr(scope, arg)
        elif arg == "user_id":
            values[arg] = scope.owner.id
        elif arg == "notification_id":
            values[arg] = world.notification_id
        elif arg == "table":
            values[arg] = FIRST_TABLE[endpoint]
        elif arg == "period":
            values[arg] = world.unstarted_period if endpoint in UNSTARTED_PERIOD else scope.period
        elif arg == "number":
            values[arg] = 1
        elif arg == "question_id":
            values[arg] = scope.question_id
        elif arg == "reference":
            values[arg] = scope.draft if endpoint in DRAFT_REFERENCE else scope.commitment
        elif arg == "proposal_id":
            values[arg] = scope.proposal_id
        elif arg in FIXED_ARGS:
            values[arg] = FIXED_ARGS[arg]
        else:
            raise AssertionError(f"tests/security does not know how to fill <{arg}> of {endpoint}")
    with app.test_request_context():
        return url_for(endpoint, **values)


# --- a valid form for every POST route ----------------------------------------------------

def _date(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _preview_digest(person: Browser, world: World, scope: Scope) -> str:
    page = person.get(f"/forces/{scope.force_code}/imports/{scope.key}")
    return page.select_one("input[name=digest]")["value"]


def _outcome_confirmation(world: World, scope: Scope, person: Browser) -> dict:
    """What the confirm button of the world's pending file of figures sends, read from its preview by
    its uploader (whoever sends it): the hidden fields as drawn, and a reason, as the file may revise
    a published quarter."""
    uploader = Browser(person.client.application.test_client(), world.oversight)
    page = uploader.get(f"/outcomes/import/{world.outcome_key}")
    form = page.select_one("form[action^='/outcomes/import/']:not([action$='/cancel'])")
    assert form is not None, "the preview of the world's file of figures offers no confirmation"
    hidden = {field["name"]: field.get("value", "") for field in form.select("input[type=hidden]")}
    hidden.pop("csrf_token", None)
    return {**hidden, "reason": "Durham corrected its charges"}


@dataclass(frozen=True)
class Write:
    """A form that changes something when sent with a good token, and who may send it."""

    role: str  # admin, oversight, programme_manager, action_owner, or anonymous
    data: Callable[..., dict]  # (world, scope, browser) -> form fields
    prepare: Callable[[World, Scope], None] | None = None
    multipart: bool = False
    params: dict = field(default_factory=dict)


def _withdraw(world: World, scope: Scope) -> None:
    from improvement_tracker.models import Evidence
    from improvement_tracker.services import evidence

    evidence.withdraw(db.session, db.session.get(Evidence, scope.evidence_id), "Wrong file", actor=scope.owner)
    db.session.commit()


def _deactivate(world: World, scope: Scope) -> None:
    db.session.get(User, scope.owner.id).active = False
    db.session.commit()


def _pillar_id() -> int:
    return factories.pillar("P1").id


def quarterly_return(scope: Scope) -> QuarterlyReturn:
    """The scope's return (fresh from the database)."""
    db.session.expire_all()
    period = reporting_periods.by_slug(db.session, scope.period)
    return returns.find(db.session, factories.force(scope.force_code), period)


def latest_version(scope: Scope) -> ReturnVersion:
    found = quarterly_return(scope)
    return returns.version(db.session, found, found.latest_version)


def _correcting(world: World, scope: Scope) -> None:
    """The programme manager has started a correction: the return's words can be changed again."""
    found = quarterly_return(scope)
    if found.state == "submitted":
        returns.start_correction(db.session, found, scope.pm)
        db.session.commit()


def make_reviewable(world: World, scope: Scope) -> None:
    """Every pillar of the newest version assessed and every question answered: ready to mark reviewed."""
    found, version = quarterly_return(scope), latest_version(scope)
    assessed = return_reviews.assessments(db.session, version)
    for pillar in db.session.scalars(sa.select(Pillar).order_by(Pillar.display_order)):
        if pillar.code not in assessed:
            return_reviews.assess(db.session, found, version, pillar, "on_track", "Agreed", world.oversight)
    for question in return_reviews.questions(db.session, version):
        if question.answer is None:
            return_reviews.answer(db.session, found, question, "Answered", scope.pm)
    db.session.commit()


def _later_due_date(scope: Scope) -> list[str]:
    """A due date after the quarter's end and not its default one."""
    return _date(reporting_periods.by_slug(db.session, scope.period).ends_on + timedelta(days=40))


def commitment_form(scope: Scope, reference: str, **changes) -> dict:
    """A complete national commitment, applying to the scope's force alone (so force_ids is sent)."""
    return {"reference": reference, "title": "Phones back within 24 hours", "pillar_id": str(factories.pillar("P3").id),
            "description": "Return every phone within 24 hours", "success_measure": "Every phone back in a day",
            "evidence_expected": "The phone log", "due_date": _date(commitment_due() + timedelta(days=30)),
            "applies_to": "chosen", "cohort": "", "force_ids": [str(scope.force_id)], **changes}


WRITES: dict[str, Write] = {
    "auth.sign_in": Write("anonymous", lambda w, s, b: {"email": s.owner.email, "password": factories.PASSWORD}),
    "auth.sign_out": Write("programme_manager", lambda w, s, b: {}),
    "plans.deep_dive_new": Write("programme_manager", lambda w, s, b: {
        "title": "New deep dive", "period": "2023", "lead": "Academic team"}),
    "plans.deep_dive_edit": Write("programme_manager", lambda w, s, b: {
        "title": "Renamed deep dive", "period": "2023", "lead": "Academic team"}),
    "plans.finding_new": Write("programme_manager", lambda w, s, b: {
        "pillar_id": _pillar_id(), "reference": "NEW-F", "type": "recommendation", "title": "New finding",
        "priority": "high"}),
    "plans.finding_edit": Write("programme_manager", lambda w, s, b: {
        "pillar_id": _pillar_id(), "reference": "EDITED-F", "type": "recommendation", "title": "Edited finding",
        "priority": "low"}),
    "actions.new": Write("programme_manager", lambda w, s, b: {
        "reference": "NEW-A", "title": "New action", "pillar_id": _pillar_id(), "owner_id": s.owner.id,
        "priority": "high"}),
    "actions.edit": Write("programme_manager", lambda w, s, b: {
        "reference": "EDITED-A", "title": "Edited action", "pillar_id": _pillar_id(), "owner_id": s.owner.id,
        "priority": "low"}),
    "actions.due_date": Write("programme_manager", lambda w, s, b: {
        "due_date": _date(date.today() + timedelta(days=90)), "reason": "Trainers are booked"}),
    "actions.declare_rag": Write("programme_manager", lambda w, s, b: {"rag": "amber", "reason": "Slipping"}),
    "actions.update_new": Write("action_owner", lambda w, s, b: {"text": "Two courses booked"}),
    "actions.change_status": Write("action_owner", lambda w, s, b: {"note": "Started"}),
    "actions.milestone_new": Write("programme_manager", lambda w, s, b: {"title": "Third milestone"}),
    "actions.milestone_edit": Write("programme_manager", lambda w, s, b: {"title": "Renamed milestone"}),
    "actions.milestone_complete": Write("action_owner", lambda w, s, b: {}),
    "actions.milestone_move": Write("programme_manager", lambda w, s, b: {}),
    "admin.user_new": Write("admin", lambda w, s, b: {
        "email": "new.person@example.police.uk", "name": "New Person", "role": "action_owner",
        "force": s.force_code, "password": NEW_PASSWORD}),
    "admin.user_edit": Write("admin", lambda w, s, b: {"name": "Renamed Person", "role": "action_owner",
                                                       "force": s.force_code}),
    "admin.user_deactivate": Write("admin", lambda w, s, b: {}),
    "admin.user_reactivate": Write("admin", lambda w, s, b: {}, prepare=_deactivate),
    "admin.user_password": Write("admin", lambda w, s, b: {"password": NEW_PASSWORD}),
    "admin.pillar_edit": Write("admin", lambda w, s, b: {"name": "Renamed pillar", "description": "Changed"},
                               params={"code": "P1"}),
    "admin.force_new": Write("admin", lambda w, s, b: {"name": "New Constabulary", "country": "england",
                                                       "cohort": "national_2023"}),
    "admin.force_edit": Write("admin", lambda w, s, b: {"name": "Renamed Constabulary", "country": "england",
                                                        "cohort": "national_2023"}),
    "admin.reminder_settings": Write("admin", lambda w, s, b: {
        "due_soon_days": "20, 5", "overdue_days": "1, 3", "escalation_days": "10", "stale_days": "20"}),
    "admin.outbox_retry": Write("admin", lambda w, s, b: {}),
    "notifications.preferences": Write("action_owner", lambda w, s, b: {
        "reminders": "no", "paused_until": ["", "", ""], "weekly_summary": "no"}),
    "evidence.upload": Write("action_owner", lambda w, s, b: {
        "files": [(io.BytesIO(files.pdf("Register")), "register.pdf")], "description": "Attendance register"},
        multipart=True),
    "evidence.review": Write("programme_manager", lambda w, s, b: {"decision": "rejected", "reason": "Blurred"}),
    "evidence.withdraw": Write("action_owner", lambda w, s, b: {"reason": "Wrong file"}),
    "evidence.purge": Write("admin", lambda w, s, b: {"reason": "Holds a victim's name"}, prepare=_withdraw),
    "imports.upload": Write("programme_manager", lambda w, s, b: {
        "file": (io.BytesIO(sheets.csv_file("deep_dives", [sheets.deep_dive("Uploaded")])), "plan.csv")},
        multipart=True),
    "imports.preview": Write("programme_manager", lambda w, s, b: {"digest": _preview_digest(b, w, s)}),
    "imports.cancel": Write("programme_manager", lambda w, s, b: {}),
    "dashboards.refresh": Write("admin", lambda w, s, b: {}),
    "returns.start": Write("programme_manager", lambda w, s, b: {}),
    "returns.section": Write("programme_manager", lambda w, s, b: {
        "assessment": "at_risk", "reason": "Two investigators have left", "progress": "One team trained",
        "risks": "Vetting is slow", "help_needed": "None"}, prepare=_correcting),
    "returns.submit": Write("programme_manager", lambda w, s, b: {"reason": "P1 was reported wrongly"},
                            prepare=_correcting),
    "returns.correct": Write("programme_manager", lambda w, s, b: {}),
    "returns.period_due_date": Write("admin", lambda w, s, b: {"returns_due_on": _later_due_date(s)}),
    "return_reviews.assess": Write("oversight", lambda w, s, b: {
        "rating": "at_risk", "comment": "Vetting is slower than the force says"}),
    "return_reviews.ask": Write("oversight", lambda w, s, b: {
        "pillar": "P2", "question": "When does the second team start?"}),
    "return_reviews.answer": Write("programme_manager", lambda w, s, b: {"answer": "In the spring"}),
    "return_reviews.review": Write("oversight", lambda w, s, b: {}, prepare=make_reviewable),
    # Outcome figures: every box of the quarter (all different from the world's), and a reason, as the
    # quarter may be published; the baseline has no reason to give.
    "outcomes.enter": Write("programme_manager", lambda w, s, b: {**NEW_FIGURES, "reason": "Late charges recorded"}),
    "outcomes.baseline": Write("programme_manager", lambda w, s, b: dict(NEW_FIGURES)),
    "outcome_imports.upload": Write("oversight", lambda w, s, b: {
        "file": (io.BytesIO(outcome_file([[OTHER, reporting_periods.label(ended_quarter()), "referrals", "45"]])),
                 "figures.csv")}, multipart=True),
    "outcome_imports.preview": Write("oversight", _outcome_confirmation),
    "outcome_imports.cancel": Write("oversight", lambda w, s, b: {}),
    "outcome_measures.edit": Write("admin", lambda w, s, b: {
        "name": "Charge rate", "definition": "Charges or summons for every 100 offences recorded",
        "source": "Home Office crime outcomes", "caveat": "Not the same cases: an indicator only"},
        params={"measure": "charge_rate"}),
    # National commitments: the national team's (oversight and administrators).
    "commitments.new": Write("oversight", lambda w, s, b: commitment_form(s, NEW_COMMITMENT)),
    "commitments.edit": Write("oversight", lambda w, s, b: commitment_form(s, s.draft, title="Phones within a day")),
    "commitments.publish": Write("oversight", lambda w, s, b: {}),
    "commitments.change": Write("oversight", lambda w, s, b: {
        "title": "Phones back within a day", "description": "", "success_measure": "",
        "due_date": _date(commitment_due() + timedelta(days=10)), "reason": "Reworded by ministers"}),
    "commitments.add_forces": Write("oversight", lambda w, s, b: {"force_ids": str(factories.force("cumbria").id)}),
    "commitments.remove_force": Write("oversight", lambda w, s, b: {"force_id": str(s.force_id),
                                                                    "reason": "Done through the regional hub"}),
    "commitment_reviews.completion": Write("oversight", lambda w, s, b: {"decision": "confirm"},
                                           prepare=_signed_off_commitment),
    "commitment_reviews.propose_date": Write("programme_manager", lambda w, s, b: {
        "proposed_due_date": _date(commitment_due() + timedelta(days=60)), "reason": "Phones are on order"},
        prepare=_no_proposal_waiting),
    "commitment_reviews.decide": Write("oversight", lambda w, s, b: {
        "decision": "refuse", "reason": "Every other force lent phones"}),
}


def post(person: Browser, url: str, write: Write, data: dict, token: str | None):
    """Send a form as a browser would; token None leaves the csrf_token field out."""
    data = dict(data)
    if token is not None:
        data["csrf_token"] = token
    kwargs = {"content_type": "multipart/form-data"} if write.multipart else {}
    return person.client.post(url, data=data, **kwargs)


# --- everything stored --------------------------------------------------------------------

def fingerprint(app: Flask) -> str:
    """A digest of every row of every table and every stored file: equal means nothing was written."""
    digest = hashlib.sha256()
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = connection.execute(sa.select(table)).all()
            digest.update(f"{table.name}:{sorted(repr(tuple(r)) for r in rows)}".encode())
    for setting in ("UPLOAD_DIR", "IMPORT_DIR", "OUTCOME_IMPORT_DIR"):
        root = Path(app.config[setting])
        if root.exists():
            for path in sorted(root.rglob("*")):
                digest.update(f"{path.relative_to(root)}:{path.stat().st_size if path.is_file() else '-'}".encode())
    return digest.hexdigest()


def milestone_titles(action_id: int) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Milestone.title).where(Milestone.action_id == action_id)
                                   .order_by(Milestone.position)))
