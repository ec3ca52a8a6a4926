"""The catalogue's words as administrators change them: only the words, tidied, checked and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, OutcomeMeasure
from improvement_tracker.services import outcome_measures
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.outcome_catalogue import RMG_CAVEAT
from tests import factories

pytestmark = pytest.mark.usefixtures("app")


def _charge_rate() -> OutcomeMeasure:
    measure = outcome_measures.by_code(db.session, "charge_rate")
    assert measure is not None
    return measure


def test_a_measure_is_found_by_its_code_and_an_unknown_code_finds_nothing():
    assert _charge_rate().caveat == RMG_CAVEAT
    assert outcome_measures.by_code(db.session, "no_such_measure") is None


def test_how_a_measure_is_made_is_typed_or_its_parts_by_name():
    names = outcome_measures.names(db.session)
    assert outcome_measures.how_made(_charge_rate(), names) == (
        "Worked out from Charges or summons ÷ Recorded adult rape offences")
    assert outcome_measures.how_made(outcome_measures.by_code(db.session, "referrals"), names) == "Typed"


def test_a_change_of_words_is_tidied_and_one_audit_event_records_old_and_new():
    admin = factories.create_user("admin")
    measure = _charge_rate()
    changes = outcome_measures.change_words(db.session, measure, {
        "name": "  Charge   rate ", "definition": measure.definition, "source": "Worked out.\r\nFrom its parts. ",
        "caveat": measure.caveat}, admin)
    db.session.commit()
    assert changes == {"name": ["Charge or summons rate", "Charge rate"],
                       "source": ["Worked out from its parts.", "Worked out.\nFrom its parts."]}
    events = list(db.session.scalars(select(AuditEvent)))
    assert [(e.event, e.object_type, e.object_id, e.force_id, e.actor_id, e.changes) for e in events] == [
        ("outcomes.measure_changed", "outcome_measure", measure.id, None, admin.id, changes)]
    # The code, unit, direction and parts are as they were.
    assert (measure.code, measure.unit, measure.better, measure.numerator_code, measure.denominator_code) == (
        "charge_rate", "percentage", "higher", "charges", "recorded_offences")


def test_the_same_words_again_record_nothing():
    measure = _charge_rate()
    words = {field: getattr(measure, field) for field in outcome_measures.WORDS}
    assert outcome_measures.change_words(db.session, measure, words, factories.create_user("admin")) == {}
    assert db.session.scalar(select(AuditEvent)) is None


@pytest.mark.parametrize("field", ["code", "unit", "better", "numerator_code", "denominator_code", "display_order"])
def test_nothing_but_the_words_can_be_changed(field):
    measure = _charge_rate()
    before = getattr(measure, field)
    with pytest.raises(ValueError, match="Only a measure's words"):
        outcome_measures.change_words(db.session, measure, {"name": "Charge rate", field: "x"},
                                      factories.create_user("admin"))
    assert (getattr(measure, field), measure.name) == (before, "Charge or summons rate")
    assert db.session.scalar(select(AuditEvent)) is None


@pytest.mark.parametrize("role", ["oversight", "programme_manager", "action_owner"])
def test_only_an_administrator_may_change_the_words(role):
    measure = _charge_rate()
    with pytest.raises(PermissionError):
        outcome_measures.change_words(db.session, measure, {"name": "Charge rate"}, factories.create_user(role))
    assert measure.name == "Charge or summons rate"


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"name": "   "}, "name", "Enter the measure's name"),
    ({"name": "N" * 201}, "name", "Name must be 200 characters or fewer"),
    ({"definition": "d" * 2001}, "definition", "Definition must be 2000 characters or fewer"),
    ({"source": "s" * 2001}, "source", "Source must be 2000 characters or fewer"),
    ({"caveat": "Not the same\x00cases"}, "caveat", "Remove the hidden control characters"),
    ({"name": "Charge\x1brate"}, "name", "Remove the hidden control characters"),
])
def test_bad_words_are_refused_next_to_their_field(fields, field, message):
    measure = _charge_rate()
    with pytest.raises(ServiceError) as refused:
        outcome_measures.change_words(db.session, measure, fields, factories.create_user("admin"))
    assert refused.value.field == field
    assert refused.value.message.startswith(message)
    assert db.session.scalar(select(AuditEvent)) is None


def test_a_caveat_may_be_left_blank_and_line_breaks_are_kept():
    measure = outcome_measures.by_code(db.session, "median_days_to_charge")
    changes = outcome_measures.change_words(db.session, measure, {"caveat": "", "definition": "One.\n\nTwo."},
                                            factories.create_user("admin"))
    assert changes["caveat"][1] == "" and measure.definition == "One.\n\nTwo."
