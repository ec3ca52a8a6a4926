"""Outcome figures in the service layer: all or nothing, rates never typed, history kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, OutcomeFigure
from improvement_tracker.services import outcomes
from improvement_tracker.services.audit import ServiceError
from tests import factories

AFTER_Q2 = date(2026, 10, 1)


@pytest.fixture
def manager(app):
    return factories.create_user("programme_manager")


def test_the_catalogue_is_loaded_by_the_migration_with_its_caveats(app):
    measures = {m.code: m for m in outcomes.catalogue(db.session)}
    assert {"recorded_offences", "referrals", "charges", "charge_rate", "victim_withdrawal_share",
            "median_days_to_charge", "phones_returned_24h_share"} <= set(measures)
    rate = measures["charge_rate"]
    assert (rate.unit, rate.numerator_code, rate.denominator_code) == ("percentage", "charges", "recorded_offences")
    assert "not the same cases" in rate.caveat


def test_a_quarter_is_saved_with_its_rates_worked_out_and_its_history(app, manager):
    period = factories.create_period(2026, 2)
    force = factories.force()
    outcomes.save_quarter(db.session, force, period, {"recorded_offences": Decimal(200), "charges": Decimal(9),
                                                      "referrals": Decimal(30)}, manager, AFTER_Q2)
    db.session.commit()
    values = outcomes.with_rates(outcomes.catalogue(db.session), outcomes.quarter_figures(db.session, force, period))
    assert values["charge_rate"] == Decimal("4.5")
    assert values["phones_returned_24h_share"] is None

    outcomes.save_quarter(db.session, force, period, {"charges": Decimal(10), "referrals": None}, manager, AFTER_Q2)
    db.session.commit()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "outcomes.figures_saved")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.changes == {"charges": ["9", "10"], "referrals": ["30", None]}
    assert outcomes.quarter_figures(db.session, force, period) == {"recorded_offences": Decimal(200),
                                                                   "charges": Decimal(10)}


@pytest.mark.parametrize(("typed", "field", "message"), [
    ({"charges": Decimal(-1)}, "charges", "Charges or summons must be 0 or more"),
    ({"charges": Decimal("2.5")}, "charges", "Charges or summons must be a whole number"),
    ({"charge_rate": Decimal("4.5")}, "charge_rate", "Charge or summons rate is worked out from its parts"),
    ({"median_days_to_charge": Decimal(5000)}, "median_days_to_charge", "must be 3,650 days or fewer"),
    ({"phones_taken": Decimal(10), "phones_returned_24h": Decimal(12)}, "phones_returned_24h",
     "Victims' phones returned within 24 hours cannot be more than victims' phones taken for examination"),
    ({"no_such_measure": Decimal(1)}, "no_such_measure", "no_such_measure is not a measure"),
])
def test_bad_figures_are_refused_next_to_their_field_and_nothing_is_written(app, manager, typed, field, message):
    period = factories.create_period(2026, 2)
    with pytest.raises(ServiceError, match=message) as refused:
        outcomes.save_quarter(db.session, factories.force(), period, {"referrals": Decimal(30), **typed}, manager,
                              AFTER_Q2)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalars(select(OutcomeFigure)).all() == []


def test_a_quarter_not_yet_ended_has_no_figures(app, manager):
    period = factories.create_period(2026, 3)
    with pytest.raises(ServiceError, match="Q3 2026-27 has not ended yet"):
        outcomes.save_quarter(db.session, factories.force(), period, {"referrals": Decimal(3)}, manager,
                              date(2026, 12, 31))


def test_the_baseline_gives_its_rates_too(app, manager):
    force = factories.force()
    outcomes.save_baseline(db.session, force, {"recorded_offences": Decimal(250), "charges": Decimal(9)}, manager)
    db.session.commit()
    values = outcomes.with_rates(outcomes.catalogue(db.session), outcomes.baseline(db.session, force))
    assert values["charge_rate"] == Decimal("3.6")
