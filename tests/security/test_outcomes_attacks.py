"""Attacks on the outcome figures: another force's figures, the national team's pages and files, a
quarter that has not ended or does not exist, a rate typed where only its parts are asked for, and
formulas in a file of figures.

The generic suites (CSRF, cross-force ids, hostile bytes) already send every outcome route its valid
form; this module adds what is particular to outcomes, and checks each refusal wrote nothing.
"""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from improvement_tracker.extensions import db
from improvement_tracker.models import OutcomeBaseline, OutcomeFigure, OutcomeMeasure
from improvement_tracker.services import clock, outcomes, reporting_periods
from tests import factories
from tests.security.conftest import (
    FIGURES,
    NEW_FIGURES,
    OTHER,
    OWN,
    WRITES,
    Browser,
    World,
    browser,
    ended_quarter,
    fingerprint,
    outcome_file,
    pending_outcome_import,
)

# Every page of a force's outcome figures, and what a valid form for each writing page sends.
FORCE_PAGES = ("/outcomes", "/outcomes/history", "/outcomes/export/outcomes-latest.csv",
               "/outcomes/export/outcomes-latest.xlsx", "/outcomes/export/charge_rate.csv", "/outcomes/baseline")
NATIONAL_PAGES = ("/outcomes", "/outcomes/export/outcomes-summary.csv", "/outcomes/export/outcomes-ranking.xlsx",
                  "/outcomes/import", "/outcomes/import/template.csv")
QUARTER_FORM = {**NEW_FIGURES, "reason": "Late charges recorded"}


def _quarter_url(code: str, world: World) -> str:
    scope = world.own if code == OWN else world.other
    return f"/forces/{code}/outcomes/quarters/{scope.period}"


def _figures(code: str, world: World) -> dict:
    """What is stored for the force: its baseline and the world's quarter, as typed."""
    db.session.expire_all()
    force = factories.force(code)
    period = reporting_periods.by_slug(db.session, world.own.period)
    return {"baseline": outcomes.baseline(db.session, force), "quarter": outcomes.quarter_figures(db.session, force,
                                                                                                  period)}


# --- another force's figures ---------------------------------------------------------------

def test_a_programme_manager_of_durham_finds_none_of_avon_and_somersets_figures(app, world):
    """Every page, GET and a complete valid form: "Page not found", and nothing written."""
    person = browser(app, world.other.pm)  # Durham's
    token = person.csrf_token()
    before = fingerprint(app)
    for path in (*FORCE_PAGES, f"/outcomes/quarters/{world.own.period}"):
        url = f"/forces/{OWN}{path}"
        assert person.client.get(url).status_code == 404, url
    for url, data in ((_quarter_url(OWN, world), QUARTER_FORM), (f"/forces/{OWN}/outcomes/baseline", NEW_FIGURES)):
        response = person.client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 404, f"POST {url}: {response.status_code}"
    assert fingerprint(app) == before
    # Their own force's pages work: the 404s above are about the force, not the pages.
    assert person.client.get(f"/forces/{OTHER}/outcomes").status_code == 200
    assert person.client.get(_quarter_url(OTHER, world)).status_code == 200


def test_the_national_team_reads_every_forces_figures_but_enters_none(app, world):
    person = browser(app, world.oversight)
    token = person.csrf_token()
    before = fingerprint(app)
    for code in (OWN, OTHER):
        assert person.client.get(f"/forces/{code}/outcomes").status_code == 200
        for url, data in ((_quarter_url(code, world), QUARTER_FORM),
                          (f"/forces/{code}/outcomes/baseline", NEW_FIGURES)):
            assert person.client.get(url).status_code == 403, url
            response = person.client.post(url, data={**data, "csrf_token": token})
            assert response.status_code == 403, f"POST {url}: {response.status_code}"
    assert fingerprint(app) == before
    assert _figures(OWN, world)["quarter"]["charges"] == int(FIGURES["charges"])


@pytest.mark.parametrize("role", ["programme_manager", "action_owner"])
def test_force_roles_find_no_national_page_whatever_the_query(app, world, role):
    person = browser(app, world.user(role))
    for path in NATIONAL_PAGES:
        for query in ("", f"?force={OWN}", "?measure=charges&period=" + world.own.period, "?measure=%00&period=x"):
            assert person.client.get(path + query).status_code == 404, f"{role} {path}{query}"


def test_an_action_owner_finds_no_outcome_page_not_even_their_own_forces(app, world):
    """No outcome figures for an action owner: their own force's pages say they are for its programme
    managers (403), the national ones do not exist for them (404), and nothing is written."""
    person = browser(app, world.own.owner)
    token = person.csrf_token()
    before = fingerprint(app)
    own = (*(f"/forces/{OWN}{p}" for p in FORCE_PAGES), _quarter_url(OWN, world))
    for path in (*own, "/outcomes/measures", "/outcomes/measures/charge_rate", "/outcomes/measures/charge_rate/edit"):
        response = person.client.get(path)
        assert response.status_code == (403 if path in own else 404), path
        assert "Avon and Somerset" not in response.get_data(as_text=True).split("<main", 1)[-1], path  # no figures
    for url, data, status in ((_quarter_url(OWN, world), QUARTER_FORM, 403),
                              (f"/forces/{OWN}/outcomes/baseline", NEW_FIGURES, 403),
                              ("/outcomes/measures/charge_rate/edit", {"name": "Renamed"}, 404)):
        assert person.client.post(url, data={**data, "csrf_token": token}).status_code == status, url
    assert fingerprint(app) == before


def test_only_administrators_change_a_measures_words(app, world):
    before = fingerprint(app)
    data = WRITES["outcome_measures.edit"].data(world, world.own, None)
    for role in ("oversight", "programme_manager"):
        person = browser(app, world.user(role))
        assert person.client.get("/outcomes/measures/charge_rate").status_code == 200  # they may read it
        url = "/outcomes/measures/charge_rate/edit"
        assert person.client.get(url).status_code == 404
        assert person.client.post(url, data={**data, "csrf_token": person.csrf_token()}).status_code == 404
    assert fingerprint(app) == before


# --- the national team's files of figures ----------------------------------------------------

def _confirmation(app, world: World, key: str) -> dict:
    """What the uploader's confirm button sends for this upload."""
    uploader = Browser(app.test_client(), world.oversight)
    page = uploader.get(f"/outcomes/import/{key}")
    form = page.select_one("form[action^='/outcomes/import/']:not([action$='/cancel'])")
    return {**{f["name"]: f.get("value", "") for f in form.select("input[type=hidden]") if f["name"] != "csrf_token"},
            "reason": "Durham corrected its charges"}


@pytest.mark.parametrize("role", ["another oversight", "admin", "programme_manager", "action_owner"])
def test_an_uploaded_file_is_only_its_uploaders(app, world, role):
    """Another member of the national team, an administrator, anyone: the key is "Page not found", a
    confirmation with the right digest loads nothing, a cancellation keeps the file."""
    user = factories.create_user("oversight", None) if role == "another oversight" else world.user(role)
    person = browser(app, user)
    token = person.csrf_token()
    data = _confirmation(app, world, world.outcome_key)
    url = f"/outcomes/import/{world.outcome_key}"
    before = fingerprint(app)
    assert person.client.get(url).status_code == 404
    assert person.client.get(f"{url}?page=2").status_code == 404
    assert person.client.post(url, data={**data, "csrf_token": token}).status_code == 404
    assert person.client.post(f"{url}/cancel", data={"csrf_token": token}).status_code == 404
    assert fingerprint(app) == before
    # Still there, unspent, for the person who uploaded it.
    assert Browser(app.test_client(), world.oversight).client.get(url).status_code == 200


def test_a_key_that_names_no_upload_is_not_found_and_never_a_500(app, world):
    person = browser(app, world.oversight)
    token = person.csrf_token()
    before = fingerprint(app)
    for key in ("A" * 32, world.outcome_key.upper() if world.outcome_key.upper() != world.outcome_key else "b" * 32,
                "..", "%2e%2e", "..%2F..%2Fimports", "%00" * 32, "x" * 5000, world.outcome_key + ".claimed",
                world.outcome_key[:-1]):
        url = f"/outcomes/import/{key}"
        for response in (person.client.get(url), person.client.post(url, data={"digest": "0" * 64,
                                                                              "csrf_token": token}),
                         person.client.post(f"{url}/cancel", data={"csrf_token": token})):
            assert response.status_code == 404, f"{url[:60]}: {response.status_code}"
    assert fingerprint(app) == before


def test_a_users_plan_import_key_is_not_an_outcome_upload(app, world):
    """The two kinds of upload are kept apart: a programme manager's plan import key under the outcome
    import's URL (as an administrator, who may load figures) names nothing."""
    person = browser(app, world.admin)
    assert person.client.get(f"/outcomes/import/{world.own.key}").status_code == 404
    # Nor the other way round: the national team's file under a force's plan import URL.
    assert person.client.get(f"/forces/{OTHER}/imports/{world.outcome_key}").status_code == 404


def _upload(person: Browser, data: bytes, filename: str = "figures.csv"):
    return person.client.post("/outcomes/import", data={"file": (io.BytesIO(data), filename),
                                                        "csrf_token": person.csrf_token()},
                              content_type="multipart/form-data")


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in [["force code", "quarter", "measure", "value"], *rows]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(1)", '=HYPERLINK("https://evil.example","x")', "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("column", ["force code", "quarter", "measure", "value"])
def test_a_file_whose_cells_start_like_a_formula_is_refused_and_loads_nothing(app, world, column):
    person = browser(app, world.oversight)
    label = reporting_periods.label(ended_quarter())
    before_figures = _figures(OTHER, world)
    problems = []
    for formula in FORMULAS:
        row = {"force code": OTHER, "quarter": label, "measure": "charges", "value": "13"} | {column: formula}
        for data, name in ((outcome_file([list(row.values())]), "figures.csv"), (_xlsx([list(row.values())]),
                                                                               "figures.xlsx")):
            response = _upload(person, data, name)
            assert response.status_code == 302, f"{column}={formula!r}: {response.status_code}"
            url = response.headers["Location"]
            page = person.get(url)
            text = page.get_text(" ", strip=True)
            if "This cell holds a formula or starts like one" not in text and "must be 0 or more" not in text:
                problems.append(f"{column}={formula!r} in {name} was not refused as a formula")
            if page.select_one("textarea[name=reason], input[name=digest]") is not None:
                problems.append(f"{column}={formula!r} in {name}: the preview offers to load it")
            # Sending the confirmation anyway, with any digest, loads nothing.
            response = person.client.post(url, data={"digest": "0" * 64, "reason": "Anyway",
                                                     "csrf_token": person.csrf_token()})
            assert response.status_code == 200, f"{column}={formula!r}: {response.status_code}"
    assert problems == [], "\n".join(problems)
    assert _figures(OTHER, world) == before_figures


def test_a_real_formula_cell_in_a_workbook_is_refused(app, world):
    person = browser(app, world.oversight)
    label = reporting_periods.label(ended_quarter())
    page = person.get(_upload(person, _xlsx([[OTHER, label, "charges", "=SUM(6,7)"]]), "figures.xlsx")
                      .headers["Location"])
    assert "This cell holds a formula or starts like one" in page.get_text(" ", strip=True)
    assert page.select_one("input[name=digest]") is None


# --- quarters and rates --------------------------------------------------------------------

def test_a_rate_typed_into_the_quarters_form_is_ignored(app, world):
    """Rates are worked out from their parts: a charge rate, or a share, sent with the form is not stored,
    and the rate shown is the one the parts make."""
    person = browser(app, world.own.pm)
    url = _quarter_url(OWN, world)
    data = {**QUARTER_FORM, "charge_rate": "99", "victim_withdrawal_share": "1", "phones_returned_24h_share": "0"}
    response = person.client.post(url, data={**data, "csrf_token": person.csrf_token()})
    assert response.status_code == 302, response.status_code
    response = person.client.post(f"/forces/{OWN}/outcomes/baseline", data={
        **NEW_FIGURES, "charge_rate": "99", "csrf_token": person.csrf_token()})
    assert response.status_code == 302, response.status_code
    derived = set(db.session.scalars(sa.select(OutcomeMeasure.id).where(OutcomeMeasure.numerator_code.is_not(None))))
    assert derived, "the catalogue has rates"
    for model in (OutcomeFigure, OutcomeBaseline):
        stored = set(db.session.scalars(sa.select(model.measure_id)))
        assert stored and not stored & derived, f"a rate was stored in {model.__tablename__}"
    figures = _figures(OWN, world)
    assert "charge_rate" not in figures["quarter"] and figures["quarter"]["charges"] == int(NEW_FIGURES["charges"])
    page = person.get(f"/forces/{OWN}/outcomes")
    latest = {row.select_one("th, td").get_text(strip=True): [c.get_text(strip=True) for c in row.select("td")]
              for row in page.select("#table-outcomes-latest tbody tr")}
    assert latest["Charge or summons rate (%)"][0] == "5.4"  # 14 ÷ 260, not the 99 that was sent


def test_a_quarter_that_has_not_ended_has_no_figures_to_enter(app, world):
    """The current quarter (stored, its return not yet open): "Page not found", whatever is sent."""
    current = reporting_periods.quarter_of(clock.today())
    slug = reporting_periods.slug(factories.create_period(current.financial_year, current.quarter))
    person = browser(app, world.own.pm)
    url = f"/forces/{OWN}/outcomes/quarters/{slug}"
    before = fingerprint(app)
    assert person.client.get(url).status_code == 404
    response = person.client.post(url, data={**QUARTER_FORM, "csrf_token": person.csrf_token()})
    assert response.status_code == 404
    assert fingerprint(app) == before


# Malformed, an impossible year pair, a quarter 5, a quarter in the far future or past no one stored,
# encoded traversal and NUL, and a very long one.
ABSURD_PERIODS = ["x", "2026-27-q5", "2026-99-q1", "2026-27-Q1", "0000-01-q1", "9999-00-q4", "1900-01-q1",
                  "2026-27-q1%00", "%2e%2e", "..%2F..%2Fadmin", "2026-27", "q1", "-1", "9" * 5000,
                  "2026-27-q1;DROP TABLE outcome_figures"]


def test_an_absurd_quarter_is_not_found_and_never_a_500(app, world):
    admin = browser(app, world.admin)  # who may enter any force's figures: a 404 means "no such quarter"
    token = admin.csrf_token()
    before = fingerprint(app)
    wrong = []
    for slug in ABSURD_PERIODS:
        url = f"/forces/{OWN}/outcomes/quarters/{slug}"
        for method, response in (("GET", admin.client.get(url)),
                                 ("POST", admin.client.post(url, data={**QUARTER_FORM, "csrf_token": token}))):
            if response.status_code != 404:
                wrong.append(f"{method} {url[:80]}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
    assert fingerprint(app) == before


def test_absurd_measures_and_queries_are_not_found_or_ignored(app, world):
    admin = browser(app, world.admin)
    for measure in ("no_such_measure", "CHARGE_RATE", "charge_rate%00", "..%2Fcharges", "%3Cscript%3E", "9" * 5000):
        for path in (f"/outcomes/measures/{measure}", f"/outcomes/measures/{measure}/edit"):
            assert admin.client.get(path).status_code == 404, path[:80]
    # The national page's choices fall back to the latest quarter and the charge rate.
    for query in ("measure=no_such&period=2026-27-q9", f"period={'9' * 5000}", "measure=%3Cb%3E&period=..%2F",
                  "measure=charge_rate&measure=referrals", "page=%C2%B2"):
        response = admin.client.get(f"/outcomes?{query}")
        assert response.status_code == 200, query[:60]
        assert not re.search(r"no_such|<b>|\.\./", response.get_data(as_text=True)), query[:60]
    # A control character anywhere in a URL names nothing (factory._refuse_control_characters_in_the_url).
    assert admin.client.get("/outcomes?measure=%00&period=%00").status_code == 404
    for table in ("no-such-table", "outcomes-summary%00", "..%2Fadmin", "charge_rate"):
        assert admin.client.get(f"/outcomes/export/{table}.csv").status_code == 404, table
    assert admin.client.get(f"/forces/{OWN}/outcomes/export/outcomes-summary.csv").status_code == 404
    for fmt in ("pdf", "html", "csv%00"):
        assert admin.client.get(f"/outcomes/export/outcomes-summary.{fmt}").status_code == 404, fmt


def test_a_second_upload_replaces_the_first_so_an_old_key_loads_nothing(app, world):
    """A new upload by the same person forgets their earlier one: its key, and a confirmation read from
    it, load nothing."""
    person = browser(app, world.oversight)
    old = world.outcome_key
    data = _confirmation(app, world, old)
    pending_outcome_import(world.oversight, value="15")
    before = _figures(OTHER, world)
    response = person.client.post(f"/outcomes/import/{old}", data={**data, "csrf_token": person.csrf_token()})
    assert response.status_code == 404
    assert _figures(OTHER, world) == before
