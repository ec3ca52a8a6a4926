"""Attacks on national commitments: publishing twice, force roles sending the national team's forms,
force lists that name nothing (or ten thousand things), absurd dates and numbers, references that are
paths or 10 KB long, and what one force's programme manager may learn of another force through a
commitment they both carry.

The generic suites (CSRF, cross-force ids, hostile bytes, stored XSS, formula injection) already send
every commitment route its valid form; this module adds what is particular to commitments, and checks
each refusal wrote nothing. The world (tests/security/conftest.py) has, for each force, a commitment
published to it alone (NC-10 Avon and Somerset's, NC-20 Durham's) and a draft for it alone (NC-11, NC-21).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, Commitment, CommitmentForce
from improvement_tracker.services import clock, commitments
from tests import factories
from tests.conftest import error_messages
from tests.security.conftest import (
    NEW_COMMITMENT,
    OTHER,
    WRITES,
    Browser,
    World,
    browser,
    commitment_due,
    commitment_form,
    fingerprint,
    marker,
    post,
)

HUGE = "9" * 5000
WRITE_ROUTES = ("commitments.new", "commitments.edit", "commitments.publish")


def _text(response) -> str:
    return response.get_data(as_text=True)


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _pages(reference: str, draft: str) -> list[str]:
    """Every commitment page there is, for a published commitment and a draft."""
    return ["/commitments", "/commitments/new", f"/commitments/{reference}", f"/commitments/{reference}/forces.csv",
            f"/commitments/{reference}/forces.xlsx", f"/commitments/{draft}", f"/commitments/{draft}/edit",
            f"/commitments/{draft}/publish"]


def _forms(world: World) -> list[tuple[str, dict]]:
    """Every commitment form, complete and valid, aimed at each force's draft (and a new one)."""
    sent = [("/commitments/new", commitment_form(world.own, NEW_COMMITMENT))]
    for scope in (world.own, world.other):
        sent += [(f"/commitments/{scope.draft}/edit", commitment_form(scope, scope.draft, title="Taken over")),
                 (f"/commitments/{scope.draft}/publish", {}), (f"/commitments/{scope.commitment}/publish", {}),
                 (f"/commitments/{scope.commitment}/edit", commitment_form(scope, scope.commitment, title="Taken"))]
    return sent


# --- publishing twice ------------------------------------------------------------------------

def test_publishing_a_draft_twice_or_a_published_commitment_again_writes_nothing_more(app, world):
    national = browser(app, world.oversight)
    draft = world.own.draft
    response = national.client.post(f"/commitments/{draft}/publish", data={"csrf_token": national.csrf_token()})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/commitments/{draft}")
    assert _count(Action, Action.reference == draft) == 1
    published = fingerprint(app)

    # Pressed again from a page loaded before (a new token each time), for it and for the world's
    # published commitments: straight back to the commitment's page, nothing written.
    for reference in (draft, world.own.commitment, world.other.commitment):
        for _ in range(2):
            response = national.client.post(f"/commitments/{reference}/publish",
                                             data={"csrf_token": national.csrf_token()})
            assert response.status_code == 302, f"{reference}: {response.status_code}"
            assert response.headers["Location"].endswith(f"/commitments/{reference}")
        assert national.client.get(f"/commitments/{reference}/publish").status_code == 302
    assert fingerprint(app) == published
    assert _count(Action, Action.reference == draft) == 1
    assert _count(CommitmentForce, CommitmentForce.commitment_id == _id(draft)) == 1


def test_the_service_refuses_to_publish_a_published_commitment(app, world):
    """Not only the page: publishing through the service again is a refusal, not a second set of actions."""
    commitment = db.session.scalar(sa.select(Commitment).where(Commitment.reference == world.own.commitment))
    before = fingerprint(app)
    with pytest.raises(commitments.ServiceError, match="already been published"):
        commitments.publish(db.session, commitment, world.oversight, clock.today())
    db.session.rollback()
    assert fingerprint(app) == before


def test_a_published_commitment_cannot_be_changed_as_a_draft(app, world):
    """Its edit page does not exist; the same complete form sent to it writes nothing."""
    national = browser(app, world.admin)
    before = fingerprint(app)
    url = f"/commitments/{world.own.commitment}/edit"
    assert national.client.get(url).status_code == 404
    data = commitment_form(world.own, world.own.commitment, title="Rewritten after publishing")
    assert post(national, url, WRITES["commitments.edit"], data, national.csrf_token()).status_code == 404
    assert fingerprint(app) == before


def _id(reference: str) -> int:
    return db.session.scalar(sa.select(Commitment.id).where(Commitment.reference == reference))


# --- force roles ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["programme_manager", "action_owner"])
def test_force_roles_sending_the_national_teams_forms_get_404_and_nothing_is_written(app, world, role):
    person = browser(app, world.user(role))
    token = person.csrf_token()
    before = fingerprint(app)
    wrong = []
    for url, data in _forms(world):
        response = person.client.post(url, data={**data, "csrf_token": token})
        if response.status_code != 404:
            wrong.append(f"POST {url}: {response.status_code}")
        if person.client.get(url).status_code != 404:
            wrong.append(f"GET {url}: not 404")
    assert wrong == [], "\n".join(wrong)
    assert fingerprint(app) == before


def test_an_action_owner_sees_none_of_the_pages_not_even_the_commitment_their_force_carries(app, world):
    for scope in (world.own, world.other):
        person = browser(app, scope.owner)
        for url in _pages(world.own.commitment, world.own.draft) + _pages(world.other.commitment, world.other.draft):
            response = person.client.get(url)
            assert response.status_code == 404, f"{scope.force_code} owner GET {url}: {response.status_code}"
            assert "only-in-" not in _text(response)


# --- force lists, dates and numbers that make no sense ---------------------------------------

def _national(app, world: World) -> Browser:
    return browser(app, world.oversight)


def _refused(person: Browser, url: str, data: dict, field: str, app, message: str = "") -> list[str]:
    """Send the form; what is wrong if it is not refused next to ``field`` (saying ``message``) with
    nothing written."""
    before = fingerprint(app)
    response = post(person, url, WRITES["commitments.new"], data, person.csrf_token())
    problems = []
    if response.status_code == 200:
        page = BeautifulSoup(response.data, "html.parser")
        error = page.select_one(f"#{field}-error")
        if error is None:
            problems.append(f"POST {url} {field}: no error next to {field}: {error_messages(page)}")
        elif message not in error.get_text(" ", strip=True):
            problems.append(f"POST {url} {field}: {error.get_text(' ', strip=True)!r}, not {message!r}")
    elif response.status_code != 413:  # a form too big to read is refused as such
        problems.append(f"POST {url} {field}: {response.status_code}")
    if fingerprint(app) != before:
        problems.append(f"POST {url} {field}: something was stored")
    return problems


FORCE_LISTS = {
    "an id no force has": ["999999"],
    "zero": ["0"],
    "a negative number": ["-1"],
    "past the database's integer": [str(2**31)],
    "thirty digits": ["9" * 30],
    "a superscript two": ["²"],
    "not a number": ["avon-and-somerset"],
    "a real force and one that is not": ["1", "999999"],
    "nine hundred ids that name nothing": [str(n) for n in range(100_000, 100_900)],
    "ten thousand numbers": [str(n) for n in range(10_000)],
}


@pytest.mark.parametrize("name", sorted(FORCE_LISTS))
def test_force_ids_that_name_no_force_are_an_error_and_nothing_is_stored(app, world, name):
    national = _national(app, world)
    wrong = []
    for url, reference in (("/commitments/new", NEW_COMMITMENT), (f"/commitments/{world.own.draft}/edit",
                                                                  world.own.draft)):
        data = commitment_form(world.own, reference, force_ids=FORCE_LISTS[name])
        wrong += _refused(national, url, data, "force_ids", app, "Select forces from the list")
    assert wrong == [], "\n".join(wrong)
    assert _count(CommitmentForce, CommitmentForce.commitment_id == _id(world.own.draft)) == 1


BAD_DATES = {
    "99/99/99999": ["99", "99", "99999"],
    "31/12/99999": ["31", "12", "99999"],
    "31/2/2030": ["31", "2", "2030"],
    "0/0/0": ["0", "0", "0"],
    "a 5,000-digit year": ["1", "1", HUGE],
    "negative": ["-1", "-1", "-2030"],
    "before 2000": ["1", "1", "1999"],
    "after 2099": ["1", "1", "2100"],
    "the year 1": ["1", "1", "0001"],
    "words": ["first", "of", "never"],
    "superscript digits": ["¹", "²", "2030"],
}


@pytest.mark.parametrize("name", sorted(BAD_DATES))
def test_absurd_due_dates_are_an_error_next_to_the_date(app, world, name):
    national = _national(app, world)
    wrong = []
    for url, reference in (("/commitments/new", NEW_COMMITMENT), (f"/commitments/{world.own.draft}/edit",
                                                                  world.own.draft)):
        wrong += _refused(national, url, commitment_form(world.own, reference, due_date=BAD_DATES[name]), "due_date",
                          app)
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("number", ["0", "-1", "999999", str(2**31), str(2**63), "9" * 30, HUGE, "²", "1e3", ""])
def test_a_pillar_id_that_names_no_pillar_is_an_error_next_to_it(app, world, number):
    national = _national(app, world)
    wrong = []
    for url, reference in (("/commitments/new", NEW_COMMITMENT), (f"/commitments/{world.own.draft}/edit",
                                                                  world.own.draft)):
        wrong += _refused(national, url, commitment_form(world.own, reference, pillar_id=number), "pillar_id", app,
                          "Select a pillar")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize(("field", "value"), [
    ("reference", "../../NC-10"), ("reference", "NC-1" + "0" * 10_000), ("reference", "NC-10"),
    ("reference", "NC-01/../../etc/passwd"), ("reference", "AS-P1-03-A"), ("reference", "NC-1000"),
    ("title", "x" * 201), ("title", "   "), ("description", "x" * 4001), ("applies_to", "everyone"),
    ("cohort", "../../etc"), ("applies_to", HUGE),
])
def test_references_and_words_out_of_bounds_are_an_error(app, world, field, value):
    """A reference that is a path, 10 KB, another commitment's or a force action's shape; words too long."""
    national = _national(app, world)
    data = {**commitment_form(world.own, NEW_COMMITMENT), field: value,
            **({"applies_to": "cohort"} if field == "cohort" else {})}
    wrong = _refused(national, "/commitments/new", data, field, app)
    assert wrong == [], "\n".join(wrong)


# --- references in the URL ---------------------------------------------------------------

REFERENCES = ["..", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "NC-10%2F..%2FNC-11", "NC-10%00", "NC-10%20", "nc-10",
              "NC-010", "NC-1" + "0" * 10_000, "%C2%B2", "NC-%D9%A1%D9%A1", "NC-10;DROP TABLE commitments",
              "NC-10'--"]


def test_references_that_are_paths_or_10kb_or_not_a_reference_are_not_found(app, world):
    """As an administrator (who sees every commitment), so a 404 means "no such commitment"."""
    admin = browser(app, world.admin)
    token = admin.csrf_token()
    before = fingerprint(app)
    wrong = []
    for reference in REFERENCES:
        base = f"/commitments/{reference}"
        for path in (base, f"{base}/forces.csv", f"{base}/forces.xlsx", f"{base}/edit", f"{base}/publish"):
            status = admin.client.get(path).status_code
            if status != 404:
                wrong.append(f"GET {path[:80]}: {status}")
        for path, data in ((f"{base}/edit", commitment_form(world.own, world.own.draft)), (f"{base}/publish", {})):
            status = admin.client.post(path, data={**data, "csrf_token": token}).status_code
            if status != 404:
                wrong.append(f"POST {path[:80]}: {status}")
    assert wrong == [], "\n".join(wrong)
    assert fingerprint(app) == before
    # The real ones open: the 404s are about the references.
    assert admin.client.get(f"/commitments/{world.own.commitment}").status_code == 200
    assert admin.client.get(f"/commitments/{world.own.draft}/edit").status_code == 200


# --- what a commitment two forces carry tells one of them about the other --------------------

def test_a_programme_manager_learns_nothing_of_another_force_from_a_commitment_both_carry(app, world):
    """Published to both forces, each programme manager may open it: but Durham's owner, action and
    standing are Durham's plan, which Avon and Somerset's programme manager may not see anywhere else
    (Durham's plan and the national dashboard are "Page not found" to them)."""
    national = _national(app, world)
    national.post("/commitments/new", commitment_form(world.own, "NC-40", force_ids=[str(world.own.force_id),
                                                                                       str(world.other.force_id)]))
    national.post("/commitments/NC-40/publish", {})
    durham_action = db.session.scalar(sa.select(Action.id).where(Action.reference == "NC-40",
                                                                 Action.force_id == world.other.force_id))
    assert durham_action is not None
    person = browser(app, world.own.pm)
    foreign = marker(OTHER)
    wrong = []
    for url in ("/commitments", "/commitments/NC-40", "/commitments/NC-40/forces.csv",
                "/commitments/NC-40/forces.xlsx"):
        response = person.client.get(url)
        assert response.status_code == 200, url
        body = _xlsx_text(response) if url.endswith(".xlsx") else response.data
        if foreign.encode() in body:
            wrong.append(f"{url} shows Durham's programme manager (the owner of Durham's action)")
        if f"/actions/{durham_action}".encode() in body:
            wrong.append(f"{url} links to Durham's action")
    assert person.client.get(f"/actions/{durham_action}").status_code == 404
    assert wrong == [], "\n".join(wrong)


def _xlsx_text(response) -> bytes:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.data))
    return " ".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row).encode()


def test_a_due_date_in_the_past_stops_publishing_and_writes_nothing(app, world):
    """A draft left until its date passed: the publish button is refused, whatever is sent."""
    commitment = db.session.scalar(sa.select(Commitment).where(Commitment.reference == world.own.draft))
    commitment.due_date = clock.today().replace(year=clock.today().year - 1)
    db.session.commit()
    national = _national(app, world)
    before = fingerprint(app)
    response = national.client.post(f"/commitments/{world.own.draft}/publish",
                                     data={"csrf_token": national.csrf_token(), "due_date": _future()})
    assert response.status_code == 200
    assert "The due date has passed" in _text(response)
    assert fingerprint(app) == before


def _future() -> list[str]:
    day = commitment_due()
    return [str(day.day), str(day.month), str(day.year)]


def test_a_force_whose_own_action_has_the_reference_stops_publishing(app, world):
    """A force's own action already holding the reference (made before the commitment was drafted)."""
    factories.create_action(world.own.owner, reference="NC-50", title="Ours")
    national = _national(app, world)
    national.post("/commitments/new", commitment_form(world.own, "NC-50"))
    before = fingerprint(app)
    response = national.client.post("/commitments/NC-50/publish", data={"csrf_token": national.csrf_token()})
    assert response.status_code == 200 and "already has an action with the reference NC-50" in _text(response)
    assert fingerprint(app) == before
