"""National commitments in the service layer: a draft changes nothing; publishing gives each force
it applies to one linked action with the commitment's text, owned by the programme manager."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, AuditEvent, Commitment, CommitmentForce, Force
from improvement_tracker.services import clock, commitments
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.commitments import CommitmentFields
from tests import factories


@pytest.fixture
def national(app):
    return factories.create_user("oversight", None, name="Olu National")


def _fields(**changes) -> CommitmentFields:
    values = {"reference": "NC-01", "title": "No victim without a phone for more than 24 hours",
              "pillar_id": factories.pillar("P3").id, "due_date": clock.today() + timedelta(days=120),
              "applies_to": "cohort", "cohort": "pathfinder",
              "description": "Return every victim's phone within 24 hours, or lend one.",
              "success_measure": "Phones returned within 24 hours: 100 %",
              "evidence_expected": "The force's phone return log for a quarter"}
    return CommitmentFields(**{**values, **changes})


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_a_draft_changes_no_plan(national):
    commitments.save_draft(db.session, None, _fields(), national)
    db.session.commit()
    assert _count(Commitment) == 1 and _count(Action) == 0
    assert _count(AuditEvent, AuditEvent.event == "commitment.created") == 1


def test_publishing_to_a_cohort_gives_each_member_one_linked_action(national):
    manager = factories.create_user("programme_manager", "durham", name="Dee Durham")
    commitment = commitments.save_draft(db.session, None, _fields(), national)
    members = commitments.publish(db.session, commitment, national, clock.today())
    db.session.commit()
    pathfinders = {f.id for f in db.session.scalars(sa.select(Force).where(Force.cohort == "pathfinder"))}
    assert {m.force_id for m in members} == pathfinders and len(members) == 5
    durham = next(m for m in members if m.force_id == manager.force_id)
    action = db.session.get(Action, durham.action_id)
    assert (action.reference, action.title, action.pillar.code, action.current_due_date, action.owner_id) == (
        "NC-01", "No victim without a phone for more than 24 hours", "P3", commitment.due_date, manager.id)
    assert action.success_measure == "Phones returned within 24 hours: 100 %"
    assert commitments.linked(db.session, action).commitment_id == commitment.id
    # A force with no programme manager yet: the action waits for one, owned by no one.
    others = [db.session.get(Action, m.action_id) for m in members if m.force_id != manager.force_id]
    assert {a.owner_id for a in others} == {None}
    assert _count(AuditEvent, AuditEvent.event == "action.created") == 5

    with pytest.raises(ServiceError, match="already been published"):
        commitments.publish(db.session, commitment, national, clock.today())


def test_publishing_to_chosen_forces_and_to_all(national):
    chosen = [factories.force("kent").id, factories.force("essex").id]
    first = commitments.save_draft(db.session, None, _fields(applies_to="chosen", force_ids=chosen), national)
    assert len(commitments.publish(db.session, first, national, clock.today())) == 2
    every = commitments.save_draft(db.session, None, _fields(reference="NC-02", applies_to="all"), national)
    assert len(commitments.publish(db.session, every, national, clock.today())) == 43
    db.session.commit()
    assert _count(Action) == 45
    assert _count(CommitmentForce, CommitmentForce.action_id.is_(None)) == 0


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"reference": "AS-P1-01"}, "reference", "Enter a reference like NC-01"),
    ({"title": "  "}, "title", "Enter a title"),
    ({"title": "x" * 201}, "title", "A title must be 200 characters or fewer"),
    ({"description": "Phones\x00"}, "description", "Remove the hidden control characters"),
    ({"pillar_id": None}, "pillar_id", "Select a pillar"),
    ({"due_date": None}, "due_date", "Enter the due date"),
    ({"due_date": date(1900, 1, 1)}, "due_date", "The due date must be between 2000 and 2099"),
    ({"applies_to": "some"}, "applies_to", "Select which forces"),
    ({"cohort": "nonsense"}, "cohort", "Select a cohort"),
    ({"applies_to": "chosen", "force_ids": [999999]}, "force_ids", "Select forces from the list"),
])
def test_bad_fields_are_refused_naming_the_field_and_nothing_is_saved(national, changes, field, message):
    with pytest.raises(ServiceError, match=message) as refused:
        commitments.save_draft(db.session, None, _fields(**changes), national)
    assert refused.value.field == field
    db.session.rollback()
    assert _count(Commitment) == 0


def test_a_reference_is_used_once(national):
    commitments.save_draft(db.session, None, _fields(), national)
    with pytest.raises(ServiceError, match="Another commitment already has the reference NC-01"):
        commitments.save_draft(db.session, None, _fields(reference="nc-01"), national)


@pytest.mark.parametrize(("changes", "message"), [
    ({"applies_to": "chosen", "force_ids": []}, "Choose at least one force"),
    ({"due_date": clock.today() - timedelta(days=1)}, "The due date has passed"),
])
def test_what_stops_publishing(national, changes, message):
    commitment = commitments.save_draft(db.session, None, _fields(**changes), national)
    assert message in commitments.publish_refusal(db.session, commitment, clock.today())
    with pytest.raises(ServiceError, match=message):
        commitments.publish(db.session, commitment, national, clock.today())
    db.session.rollback()
    assert _count(Action) == 0


def test_a_force_that_already_uses_the_reference_stops_publishing(national):
    owner = factories.create_user("action_owner", "durham")
    factories.create_action(owner, reference="NC-01")
    commitment = commitments.save_draft(db.session, None, _fields(), national)
    assert commitments.publish_refusal(db.session, commitment, clock.today()) == (
        "Durham already has an action with the reference NC-01: choose another reference")


def test_a_published_commitment_is_not_changed_as_a_draft(national):
    commitment = commitments.save_draft(db.session, None, _fields(), national)
    commitments.publish(db.session, commitment, national, clock.today())
    with pytest.raises(ServiceError, match="is published"):
        commitments.save_draft(db.session, commitment, _fields(title="Another title"), national)
