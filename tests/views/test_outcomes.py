"""Outcome figures in the browser's terms: a programme manager enters a quarter and the baseline and
sees them on the force's page; the national team sees forces ranked, the pathfinders against the rest
and progress beside outcomes; bad input, revisions of published quarters, two people at once."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, OutcomeFigure
from improvement_tracker.services import clock, outcomes, reporting_periods
from tests import factories
from tests.conftest import error_messages
from tests.views.test_writes_apply_once import Person, at_once

BASELINE = {"recorded_offences": "200", "referrals": "20", "charges": "6", "outcomes_assigned": "180",
            "victim_withdrawals": "90", "median_days_to_charge": "400", "phones_taken": "40",
            "phones_returned_24h": "8"}
QUARTER = {"recorded_offences": "250", "referrals": "42", "charges": "12", "outcomes_assigned": "200",
           "victim_withdrawals": "80", "median_days_to_charge": "300", "phones_taken": "50",
           "phones_returned_24h": "45"}


def ended_period():
    """The most recent quarter that has ended (whatever day the tests run)."""
    last = reporting_periods.quarter_of(clock.today()).preceding
    return factories.create_period(last.financial_year, last.quarter)


def published_period():
    """A quarter whose returns were due long ago, so its figures are published."""
    old = reporting_periods.quarter_of(clock.today() - timedelta(days=400))
    return factories.create_period(old.financial_year, old.quarter)


def _url(period, code="avon-and-somerset"):
    return f"/forces/{code}/outcomes/quarters/{reporting_periods.slug(period)}"


def _text(page) -> str:
    return page.get_text(" ", strip=True)


def _rows(page, table: str) -> list[list[str]]:
    return [[cell.get_text(" ", strip=True) for cell in row.select("th, td")]
            for row in page.select(f"#table-{table} tbody tr")]


def _save(force_code, period, typed, actor=None, reason=None):
    force = factories.force(force_code)
    values = {code: Decimal(value) for code, value in typed.items()}
    if period is None:
        outcomes.save_baseline(db.session, force, values, actor)
    else:
        outcomes.save_quarter(db.session, force, period, values, actor, clock.today(), reason=reason)
    db.session.commit()


@pytest.fixture
def manager(app):
    return factories.create_user("programme_manager", name="Priya Manager")


@pytest.fixture
def oversight(app):
    return factories.create_user("oversight", name="Olu National")


def test_a_programme_manager_enters_the_baseline_and_a_quarter_and_sees_them_compared(client_request, manager):
    period = ended_period()
    client_request.login(manager)
    page = client_request.get("/forces/avon-and-somerset/outcomes")
    assert "The force has given no figures yet" in _text(page)
    assert page.select_one(f"a[href='{_url(period)}']") is not None

    page = client_request.get("/forces/avon-and-somerset/outcomes/baseline")
    assert page.select_one("input[name=charge_rate]") is None  # rates are never typed
    client_request.post("/forces/avon-and-somerset/outcomes/baseline", BASELINE)
    response = client_request.post(_url(period), {**QUARTER, "recorded_offences": "1,250"})
    assert response.headers["Location"].endswith("/forces/avon-and-somerset/outcomes#latest")

    page = client_request.get("/forces/avon-and-somerset/outcomes")
    latest = {row[0]: row[1:] for row in _rows(page, "outcomes-latest")}
    assert latest["Referrals to the CPS for a charging decision"][:2] == ["42", "2.1 ×"]
    assert latest["Recorded adult rape offences"][0] == "1250"
    # 12 ÷ 1,250 = 0.96 % → 1.0; the 2019 rate 6 ÷ 200 = 3.0 %: −2.0 points.
    assert latest["Charge or summons rate (%)"][:2] == ["1.0", "−2.0 points"]
    assert latest["Phones returned within 24 hours (%)"][:2] == ["90.0", "+70.0 points"]
    charge_rate = _rows(page, "charge_rate")
    # England and Wales is blank while fewer than three forces have given figures (the force alone here).
    assert charge_rate == [[reporting_periods.label(period), "1.0", "−2.0 points", "No figure –", "No figure –",
                            "No figure –"]]
    assert page.select_one("#chart-charge_rate") is not None
    assert "not the same cases" in _text(page)

    history = _text(client_request.get("/forces/avon-and-somerset/outcomes/history"))
    assert "Priya Manager" in history and "Charges or summons: no figure → 12" in history


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("charges", "twelve", "Enter charges or summons as a number, like 120"),
    ("charges", "-3", "Enter charges or summons as a number, like 120"),
    ("charges", "2.5", "Charges or summons must be a whole number"),
    ("charges", "9" * 30, "Charges or summons must be 1,000,000 or fewer"),
    ("median_days_to_charge", "5000", "Median days from report to charge must be 3,650 days or fewer"),
    ("phones_returned_24h", "60", "Victims' phones returned within 24 hours cannot be more than victims' phones "
                                  "taken for examination"),
    ("referrals", "4\x002", "Remove the hidden control characters"),
])
def test_bad_figures_are_refused_next_to_the_field_keeping_what_was_typed(client_request, manager, field, typed,
                                                                          message):
    period = ended_period()
    client_request.login(manager)
    page = client_request.post_page(_url(period), {**QUARTER, field: typed})
    assert any(message in m for m in error_messages(page)), error_messages(page)
    if "\x00" not in typed:
        assert page.select_one(f"input[name={field}]")["value"] == typed
    assert page.select_one("input[name=referrals]")["value"] in ("42", "4\x002", "4�2")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutcomeFigure)) == 0


def test_a_quarter_not_yet_ended_has_no_figures(client_request, manager):
    current = reporting_periods.quarter_of(clock.today())
    period = factories.create_period(current.financial_year, current.quarter)
    client_request.login(manager)
    page = client_request.get(_url(period), expected_status=404)
    assert "has not ended yet" in _text(page)
    client_request.post(_url(period), QUARTER, expected_status=404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutcomeFigure)) == 0


def test_revising_a_published_quarter_needs_a_reason_kept_in_the_history(client_request, manager):
    period = published_period()
    _save("avon-and-somerset", period, QUARTER, manager)
    client_request.login(manager)
    page = client_request.get(_url(period))
    assert "This quarter's figures are published" in _text(page)
    page = client_request.post_page(_url(period), {**QUARTER, "charges": "14"})
    assert any("Give a reason for revising" in m for m in error_messages(page))
    assert page.select_one("input[name=charges]")["value"] == "14"
    assert outcomes.quarter_figures(db.session, factories.force(), period)["charges"] == 12

    client_request.post(_url(period), {**QUARTER, "charges": "14", "reason": "Two charges recorded late"})
    history = _text(client_request.get("/forces/avon-and-somerset/outcomes/history"))
    assert "Reason: Two charges recorded late" in history and "Charges or summons: 12 → 14" in history


def test_two_people_saving_one_quarter_cannot_silently_undo_each_other(app, live_server, manager):
    period = ended_period()
    _save("avon-and-somerset", period, QUARTER, manager)
    colleague = factories.create_user("programme_manager", name="Sam Colleague")
    first, second = Person(live_server, manager), Person(live_server, colleague)
    first_form = first.form(_url(period), **{**QUARTER, "charges": "15", "reason": "Late charges"})
    second_form = second.form(_url(period), **{**QUARTER, "charges": "11", "reason": "One charge dropped"})
    assert first.send(_url(period), first_form).status_code == 302
    response = second.send(_url(period), second_form)
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    errors = [e.get_text(" ", strip=True) for e in page.select(".govuk-error-message, .govuk-error-summary")]
    assert any("Priya Manager changed this to 15" in e for e in errors), errors
    db.session.expire_all()
    assert outcomes.quarter_figures(db.session, factories.force(), period)["charges"] == 15


def test_the_same_figures_sent_at_once_are_saved_once(app, live_server, manager):
    period = ended_period()
    person = Person(live_server, manager)
    data = person.form(_url(period), **QUARTER)
    responses = at_once(lambda: person.send(_url(period), data))
    assert all(r.status_code in (200, 302) for r in responses), [r.status_code for r in responses]
    db.session.expire_all()
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "outcomes.figures_saved"))
    assert events == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutcomeFigure)) == len(QUARTER)


def test_the_national_page_ranks_forces_and_sets_the_pathfinders_against_the_rest(client_request, oversight):
    period = ended_period()
    charges = {"avon-and-somerset": "12", "durham": "4", "south-wales": "6", "kent": "9", "essex": "8",
               "surrey": "10"}
    for code, charged in charges.items():
        _save(code, None, BASELINE)
        _save(code, period, {**QUARTER, "charges": charged})
    client_request.login(oversight)
    page = client_request.get("/outcomes")
    ranking = _rows(page, "outcomes-ranking")
    assert [row[1] for row in ranking] == ["Avon and Somerset", "Surrey", "Kent", "Essex", "South Wales", "Durham"]
    assert ranking[0][3] == "4.8"  # 12 ÷ 250
    summary = {row[0]: row[1:] for row in _rows(page, "outcomes-summary")}
    # The nation's rate is pooled from the parts: 49 ÷ 1,500 = 3.3 %; the pathfinders 22 ÷ 750 = 2.9 %;
    # the others 27 ÷ 750 = 3.6 %.
    assert summary["Charge or summons rate (%)"][0] == "3.3"
    assert summary["Charge or summons rate (%)"][3:6] == ["2.9", "3.6", "6"]
    trend = _rows(page, "outcomes-trend")
    assert trend == [[reporting_periods.label(period), "3.3", "2.9", "3.6"]]
    progress = {row[0]: row for row in _rows(page, "outcomes-progress")}
    assert progress["Kent"][3:] == ["0.6", "2.1"]
    assert "association, not cause" in _text(page)

    page = client_request.get("/outcomes?measure=referrals")
    assert "change against the force's 2019 average" in _text(page)
    download = client_request.client.get("/outcomes/export/outcomes-ranking.xlsx?measure=charge_rate")
    sheet = load_workbook(io.BytesIO(download.data)).active
    assert [c.value for c in sheet[2]][:2] == [1, "Avon and Somerset"]


def test_who_may_see_and_enter_figures(client_request, manager, oversight):
    period = ended_period()
    owner = factories.create_user("action_owner")
    other_manager = factories.create_user("programme_manager", "durham")
    client_request.login(owner)
    client_request.get("/outcomes", expected_status=404)
    client_request.get("/forces/avon-and-somerset/outcomes", expected_status=403)  # their force's: for its managers
    client_request.login(other_manager)
    client_request.get("/outcomes", expected_status=404)
    client_request.get("/forces/avon-and-somerset/outcomes", expected_status=404)
    client_request.post(_url(period), QUARTER, expected_status=404)
    client_request.login(oversight)
    client_request.get("/forces/avon-and-somerset/outcomes")
    client_request.get(_url(period), expected_status=403)


def test_the_board_packs_gain_an_outcomes_page(client_request, manager, oversight):
    period = ended_period()
    for code in ("avon-and-somerset", "durham", "kent"):
        _save(code, None, BASELINE)
        _save(code, period, QUARTER)
    client_request.login(manager)
    page = client_request.get("/forces/avon-and-somerset/dashboard/board-pack")
    latest = {row[0]: row[1:] for row in _rows(page, "outcomes-latest")}
    assert latest["Referrals to the CPS for a charging decision"][:2] == ["42", "2.1 ×"]
    assert page.select_one("#chart-charge_rate") is not None
    client_request.login(oversight)
    page = client_request.get("/dashboards/national/board-pack")
    summary = {row[0]: row[1:] for row in _rows(page, "outcomes-summary")}
    assert summary["Charges or summons"][0] == "36"
    assert "association, not cause" in _text(page)


def test_a_return_shows_the_quarters_figures_and_freezes_them_when_submitted(client_request, manager):
    period = ended_period()
    _save("avon-and-somerset", None, BASELINE)
    _save("avon-and-somerset", period, QUARTER)
    quarterly_return = factories.create_return(manager, period)
    url = f"/forces/avon-and-somerset/returns/{reporting_periods.slug(period)}"
    client_request.login(manager)
    page = client_request.get(url)
    drafted = {row[0]: row[1:] for row in _rows(page, "return-outcomes")}
    assert drafted["Referrals to the CPS for a charging decision"] == ["42", "20", "2.1 ×"]
    assert page.select_one(f"a[href='{_url(period)}']") is not None

    client_request.post(url + "/submit", {})
    _save("avon-and-somerset", period, {"referrals": "50"}, manager, reason="Late referrals found")
    frozen = {row[0]: row[1:] for row in _rows(client_request.get(url + "/versions/1"), "return-outcomes")}
    assert frozen["Referrals to the CPS for a charging decision"] == ["42", "20", "2.1 ×"]
    assert frozen["Charge or summons rate (%)"] == ["4.8", "3.0", "+1.8 points"]

    # A correction freezes the figures as they are then, and names what changed.
    client_request.post(url + "/correct", {})
    client_request.post(url + "/submit", {"reason": "Referrals corrected"})
    page = client_request.get(url + "/versions/2")
    assert {row[0]: row[1:] for row in _rows(page, "return-outcomes")}[
        "Referrals to the CPS for a charging decision"][0] == "50"
    changes = [[c.get_text(strip=True) for c in row.select("td")] for row in page.select("#version-changes tbody tr")]
    assert ["Outcome figures", "Referrals to the CPS for a charging decision", "42", "50"] in changes
    assert quarterly_return.id is not None


def test_a_submitted_returns_rates_are_charted_with_the_table_beside(client_request, manager):
    import json

    import plotly.graph_objects as go

    period = ended_period()
    _save("avon-and-somerset", None, BASELINE)
    _save("avon-and-somerset", period, QUARTER)
    quarterly_return = factories.create_return(manager, period)
    factories.submit_return(manager, quarterly_return, today=clock.today())
    client_request.login(manager)
    page = client_request.get(f"/forces/avon-and-somerset/returns/{reporting_periods.slug(period)}/versions/1")
    block = page.select_one("script[data-chart-for=chart-return-outcomes]")
    figure = go.Figure(json.loads(block.string))
    assert list(figure.data[0].y) == [4.8, 40.0, 90.0] and list(figure.data[1].y) == [3.0, 50.0, 20.0]
    assert page.select_one("script[src$='plotly.min.js']") is not None
    # The version's frozen parts are kept between requests; the chart's script still carries each
    # response's own nonce (client_request checks every script against the CSP).
    client_request.get(f"/forces/avon-and-somerset/returns/{reporting_periods.slug(period)}/versions/1")


def test_a_measure_name_keeps_its_capitals_inside_an_error(client_request, manager):
    client_request.login(manager)
    page = client_request.post_page(_url(ended_period()), {**QUARTER, "referrals": "many"})
    assert "Enter referrals to the CPS for a charging decision as a number, like 120" in error_messages(page)
