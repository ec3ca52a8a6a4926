"""The outcome pages' figures: how forces combine (counts summed, rates pooled from their parts,
medians the middle force's), comparisons with the 2019 average and the year before, the ranking's
order, progress beside outcomes, and charts plotly accepts."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from improvement_tracker.extensions import db
from improvement_tracker.services import outcome_figures, outcome_pages, outcomes, reporting_periods, snapshots
from improvement_tracker.services.outcome_figures import BASELINE
from tests import factories

TODAY = date(2026, 11, 30)


def _save(code, period, **typed):
    force = factories.force(code)
    values = {k: Decimal(v) for k, v in typed.items()}
    if period is None:
        outcomes.save_baseline(db.session, force, values, None)
    else:
        outcomes.save_quarter(db.session, force, period, values, None, TODAY, reason="test")
    db.session.commit()
    return force


@pytest.fixture
def quarters(app):
    """Q2 of 2025-26 and of 2026-27, a year apart."""
    return factories.create_period(2025, 2), factories.create_period(2026, 2)


def test_groups_sum_counts_pool_rates_and_take_the_middle_median(quarters):
    _, now = quarters
    a = _save("avon-and-somerset", now, recorded_offences=100, charges=10, median_days_to_charge=100)
    b = _save("kent", now, recorded_offences=300, charges=6, median_days_to_charge="200.5")
    c = _save("durham", now, median_days_to_charge=50)
    d = _save("essex", now, recorded_offences=200, charges=4)
    figures = outcome_figures.load(db.session)
    ids = [a.id, b.id, c.id, d.id]
    assert figures.combined("recorded_offences", now.id, ids) == (600, 3)
    # Pooled: 20 ÷ 600 = 3.3 %, not the mean of 10 %, 2 % and 2 %; Durham gave no parts, so is not counted.
    assert figures.combined("charge_rate", now.id, ids) == (Decimal("3.3"), 3)
    assert figures.combined("median_days_to_charge", now.id, ids) == (Decimal("100.0"), 3)
    assert figures.combined("referrals", now.id, ids) == (None, 0)


def test_a_group_of_fewer_than_three_forces_has_no_figure(quarters):
    """From a total of two forces, either could work out the other's figure."""
    _, now = quarters
    a = _save("avon-and-somerset", None, charges=5)
    _save("avon-and-somerset", now, recorded_offences=100, charges=10)
    b = _save("kent", None, charges=5)
    _save("kent", now, recorded_offences=300, charges=6)
    figures = outcome_figures.load(db.session)
    assert figures.combined("charges", now.id, [a.id, b.id]) == (None, 2)
    assert figures.combined("charge_rate", now.id, [a.id, b.id]) == (None, 2)
    assert figures.combined_change("charges", now.id, BASELINE, [a.id, b.id]) is None
    page = outcome_pages.force_page(figures, a)
    assert page.table("charges").rows[0][4:] == ["", ""]


def test_changes_against_the_baseline_and_the_year_before_use_only_forces_with_both(quarters):
    before, now = quarters
    a = _save("avon-and-somerset", None, referrals=20, recorded_offences=200, charges=6)
    _save("avon-and-somerset", before, referrals=30, recorded_offences=200, charges=8)
    _save("avon-and-somerset", now, referrals=42, recorded_offences=250, charges=12)
    others = []
    for code in ("durham", "west-midlands"):
        others.append(_save(code, None, referrals=20).id)
        _save(code, now, referrals=42)
    k = _save("kent", now, referrals=500, recorded_offences=900, charges=30)  # no baseline: left out
    figures = outcome_figures.load(db.session)
    assert figures.year_before(now).id == before.id
    assert figures.change(a.id, "referrals", now.id, BASELINE).words("the 2019 average") == "2.1 × the 2019 average"
    assert figures.change(a.id, "charge_rate", now.id, before.id).short() == "+0.8 points"
    assert figures.combined_change("referrals", now.id, BASELINE, [a.id, k.id, *others]).short() == "2.1 ×"


def test_the_force_page_shows_each_quarter_against_its_baseline_and_the_nation(quarters):
    before, now = quarters
    force = _save("avon-and-somerset", None, phones_taken=40, phones_returned_24h=8)
    _save("avon-and-somerset", before, phones_taken=50, phones_returned_24h=20)
    _save("avon-and-somerset", now, phones_taken=50, phones_returned_24h=45)
    _save("kent", now, phones_taken=50, phones_returned_24h=5)
    _save("durham", now, phones_taken=50, phones_returned_24h=25)
    page = outcome_pages.force_page(outcome_figures.load(db.session), force)
    table = page.table("phones_returned_24h_share")
    assert table.title == "Phones returned within 24 hours (%): 2019 average 20.0"
    # England and Wales: (45 + 5 + 25) ÷ 150 in the quarter three forces gave; no figure for the one
    # only this force gave, nor against 2019, which only this force has a baseline for.
    assert table.rows == [
        [reporting_periods.label(before), Decimal("40.0"), "+20.0 points", "", "", ""],
        [reporting_periods.label(now), Decimal("90.0"), "+70.0 points", "+50.0 points", Decimal("50.0"), ""]]
    assert page.table("outcomes-latest").title == f"{reporting_periods.label(now)} at a glance"


def test_counts_are_ranked_by_their_change_and_lower_is_better_ranks_lowest_first(quarters):
    _, now = quarters
    for code, baseline, quarter, days in (("avon-and-somerset", 100, 150, 300), ("kent", 10, 30, 200),
                                          ("durham", 50, 40, 250)):
        _save(code, None, referrals=baseline)
        _save(code, now, referrals=quarter, median_days_to_charge=days)
    figures = outcome_figures.load(db.session)
    ranking = outcome_pages.national_page(figures, outcome_pages.choose(figures, {"measure": "referrals"}), {})
    assert [row[1] for row in ranking.table("outcomes-ranking").rows] == ["Kent", "Avon and Somerset", "Durham"]
    days = outcome_pages.national_page(figures, outcome_pages.choose(
        figures, {"measure": "median_days_to_charge"}), {})
    assert [row[1] for row in days.table("outcomes-ranking").rows] == ["Kent", "Durham", "Avon and Somerset"]


def test_progress_sits_beside_outcomes_from_the_latest_snapshot(quarters):
    _, now = quarters
    force = _save("avon-and-somerset", None, recorded_offences=200, charges=6, referrals=20)
    _save("avon-and-somerset", now, recorded_offences=200, charges=9, referrals=40)
    factories.create_action(factories.create_user("action_owner"))  # one action, not complete
    snapshots.build_live(db.session, TODAY)
    db.session.commit()
    complete = outcome_pages.plan_complete(db.session, TODAY)
    assert complete[force.id] == 0
    figures = outcome_figures.load(db.session)
    page = outcome_pages.national_page(figures, outcome_pages.choose(figures, {}), complete)
    row = next(r for r in page.table("outcomes-progress").rows if r[0] == "Avon and Somerset")
    assert row[2:] == [0, Decimal("1.5"), Decimal("2.0")]


def test_every_outcome_figure_is_valid_plotly(quarters):
    import plotly.graph_objects as go

    before, now = quarters
    force = _save("avon-and-somerset", None, recorded_offences=200, charges=6, referrals=20,
                  median_days_to_charge=300)
    for period in quarters:
        _save("avon-and-somerset", period, recorded_offences=210, charges=9, referrals=40, median_days_to_charge=250)
    figures = outcome_figures.load(db.session)
    national = outcome_pages.national_page(figures, outcome_pages.choose(figures, {}), {force.id: 40})
    texts = {**outcome_pages.force_page(figures, force).figures, **national.figures}
    assert {"charge_rate", "referrals", "median_days_to_charge", "outcomes-trend", "outcomes-progress"} <= set(texts)
    for name, text in texts.items():
        assert "</" not in text, name
        go.Figure(json.loads(text))  # raises ValueError on any property plotly does not know


def test_the_force_page_shows_the_last_three_years_unless_every_quarter_is_asked_for(app):
    force = factories.force()
    for year in range(2021, 2026):
        for quarter in (1, 2, 3, 4):
            _save("avon-and-somerset", factories.create_period(year, quarter), referrals=10 + quarter)
    figures = outcome_figures.load(db.session)
    recent = outcome_pages.force_page(figures, force).table("referrals")
    assert [row[0] for row in recent.rows][0] == "Q1 2023-24" and len(recent.rows) == 12
    assert len(outcome_pages.force_page(figures, force, every_quarter=True).table("referrals").rows) == 20
