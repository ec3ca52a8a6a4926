"""Forces joining a published commitment later and being taken off it: the linked action appears (or
opens again), a force taken off keeps its action closed as not needed with the national team's reason,
a new force or a new cohort member joins by the commitment's rule, and programme managers are emailed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from improvement_tracker import scheduler
from improvement_tracker.extensions import db
from improvement_tracker.models import (
    Action,
    AuditEvent,
    CommitmentDateProposal,
    CommitmentForce,
    DueDateChange,
    Notification,
)
from improvement_tracker.services import clock, commitment_members, commitment_reviews, commitments, reference_admin
from improvement_tracker.services import status as status_service
from improvement_tracker.services.audit import ServiceError
from tests import factories


@pytest.fixture
def national(app):
    return factories.create_user("oversight", None, name="Olu National")


def _publish(national, applies_to: str, **extra):
    commitment = commitments.save_draft(db.session, None, commitments.CommitmentFields(
        reference="NC-07", title="Specialist learning for RASSO investigators", pillar_id=factories.pillar("P4").id,
        due_date=clock.today() + timedelta(days=90), applies_to=applies_to, **extra), national)
    commitments.publish(db.session, commitment, national, clock.today())
    db.session.commit()
    return commitment


def _action(commitment, code: str) -> Action | None:
    member = commitments.member_of(db.session, commitment, factories.force(code).id)
    return db.session.get(Action, member.action_id) if member else None


def test_a_force_added_later_gets_its_action_and_its_managers_are_told(mail_app, smtp_server, national):
    handler, _ = smtp_server
    factories.create_user("programme_manager", "durham", name="Dee Durham", email="dee@durham.police.uk")
    commitment = _publish(national, "chosen", force_ids=[factories.force("avon-and-somerset").id])
    assert _action(commitment, "durham") is None
    added = commitment_members.add_forces(db.session, commitment, [factories.force("durham").id,
                                                                   factories.force("avon-and-somerset").id], national)
    db.session.commit()
    assert [f.code for f in added] == ["durham"]  # Avon and Somerset carried it already
    action = _action(commitment, "durham")
    assert (action.reference, action.title, action.current_due_date, action.owner.name) == (
        "NC-07", "Specialist learning for RASSO investigators", commitment.due_date, "Dee Durham")
    assert [f.code for f in commitments.applies_to(db.session, commitment)] == ["avon-and-somerset", "durham"]
    scheduler.send_outbox(mail_app)
    assert [m["To"] for m in handler.messages] == ["dee@durham.police.uk"]
    assert "NC-07" in handler.messages[0].get_body(("plain",)).get_content()
    with pytest.raises(ServiceError, match="carries this commitment already"):
        commitment_members.add_forces(db.session, commitment, [factories.force("durham").id], national)


def test_a_force_taken_off_keeps_its_action_closed_with_the_national_reason(national):
    manager = factories.create_user("programme_manager", "durham", name="Dee Durham")
    commitment = _publish(national, "chosen", force_ids=[factories.force("durham").id])
    action = _action(commitment, "durham")
    member = commitments.member_of(db.session, commitment, action.force_id)
    commitment_reviews.propose(db.session, commitment, member, action, action.current_due_date + timedelta(days=30),
                               "Training places", manager)
    db.session.commit()
    for force_id, reason, message in ((factories.force("avon-and-somerset").id, "x", "Select a force that carries"),
                                      (None, "x", "Select a force that carries"),
                                      (action.force_id, "  ", "Enter why the force no longer needs"),
                                      (action.force_id, "bad\x00", "control")):
        with pytest.raises(ServiceError, match=message):
            commitment_members.remove(db.session, commitment, force_id, reason, national)
        db.session.rollback()
    commitment_members.remove(db.session, commitment, action.force_id, "Durham's RASSO team trained in 2024", national)
    db.session.commit()
    assert action.status == "closed_not_needed"
    assert action.status_reason.endswith("Durham's RASSO team trained in 2024")
    assert db.session.scalar(sa.select(CommitmentDateProposal.state)) == "refused"
    assert commitments.applies_to(db.session, commitment) == []
    assert commitment_members.removed(db.session, commitment) == [("Durham", "Durham's RASSO team trained in 2024")]
    # The force may now reopen or leave its own action: the national team no longer holds it.
    assert commitments.close_refusal(db.session, action) is None
    # Changed while Durham was off, then Durham added back: the same action, open again, as it is now.
    later = commitment.due_date + timedelta(days=30)
    commitment_reviews.change_published(db.session, commitment, commitment_reviews.PublishedChange(
        title="Specialist learning for every RASSO investigator", description="", success_measure="",
        due_date=later, reason="Widened by ministers"), national)
    commitment_members.add_forces(db.session, commitment, [action.force_id], national)
    db.session.commit()
    assert _action(commitment, "durham").id == action.id and action.status == "in_progress"
    assert (action.title, action.current_due_date) == ("Specialist learning for every RASSO investigator", later)
    assert db.session.scalar(sa.select(DueDateChange.reason).where(DueDateChange.action_id == action.id)).startswith(
        "Added back to national commitment NC-07")
    events = db.session.scalars(sa.select(AuditEvent.event).where(AuditEvent.force_id == action.force_id)).all()
    assert {"commitment.force_removed", "commitment.force_added", "action.close", "action.reopened"} <= set(events)


def test_a_finished_action_stays_finished_when_its_force_is_taken_off(national):
    manager = factories.create_user("programme_manager", "durham", name="Dee Durham")
    deputy = factories.create_user("programme_manager", "durham", name="Sam Deputy")
    commitment = _publish(national, "chosen", force_ids=[factories.force("durham").id])
    action = _action(commitment, "durham")
    status_service.apply(db.session, action, "start", "", actor=manager)
    status_service.apply(db.session, action, "request-sign-off", "Done", actor=manager)
    status_service.apply(db.session, action, "sign-off", "", actor=deputy, no_evidence_reason="Seen it")
    commitment_members.remove(db.session, commitment, action.force_id, "No longer needed", national)
    db.session.commit()
    assert action.status == "complete"


def test_a_new_force_and_a_new_cohort_member_join_by_the_commitments_rule(national):
    admin = factories.create_user("admin", None)
    everyone = _publish(national, "all")
    pathfinders = commitments.save_draft(db.session, None, commitments.CommitmentFields(
        reference="NC-08", title="Pathfinder learning", pillar_id=factories.pillar("P1").id,
        due_date=clock.today() + timedelta(days=90), applies_to="cohort", cohort="pathfinder"), national)
    commitments.publish(db.session, pathfinders, national, clock.today())
    db.session.commit()
    force = reference_admin.create_force(db.session, name="British Transport Police", country="england",
                                         cohort="national_2023", actor=admin)
    db.session.commit()
    assert _action(everyone, force.code) is not None and _action(pathfinders, force.code) is None
    durham = factories.force("cheshire")
    assert durham.cohort != "pathfinder" and _action(pathfinders, "cheshire") is None
    reference_admin.update_force(db.session, durham, name=durham.name, country=durham.country, cohort="pathfinder",
                                 actor=admin)
    db.session.commit()
    assert _action(pathfinders, "cheshire").title == "Pathfinder learning"
    # Taken off by the national team: moving cohort again does not bring it back.
    commitment_members.remove(db.session, pathfinders, durham.id, "Done through the regional hub", national)
    reference_admin.update_force(db.session, durham, name=durham.name, country=durham.country,
                                 cohort="expansion_2022", actor=admin)
    reference_admin.update_force(db.session, durham, name=durham.name, country=durham.country, cohort="pathfinder",
                                 actor=admin)
    db.session.commit()
    member = commitments.member_of(db.session, pathfinders, durham.id)
    assert member.membership == "removed"


def test_reopening_a_confirmed_action_needs_confirming_again(national):
    manager = factories.create_user("programme_manager", "durham", name="Dee Durham")
    deputy = factories.create_user("programme_manager", "durham", name="Sam Deputy")
    commitment = _publish(national, "chosen", force_ids=[factories.force("durham").id])
    action = _action(commitment, "durham")
    member = commitments.member_of(db.session, commitment, action.force_id)
    status_service.apply(db.session, action, "start", "", actor=manager)
    status_service.apply(db.session, action, "request-sign-off", "Done", actor=manager)
    status_service.apply(db.session, action, "sign-off", "", actor=deputy, no_evidence_reason="Seen it")
    commitment_reviews.confirm(db.session, commitment, member, action, national)
    status_service.apply(db.session, action, "reopen", "Found a gap", actor=manager)
    db.session.commit()
    assert member.national_state is None


def test_a_decision_on_a_proposed_date_is_emailed_to_the_forces_managers(mail_app, smtp_server, national):
    handler, _ = smtp_server
    manager = factories.create_user("programme_manager", "durham", name="Dee Durham", email="dee@durham.police.uk")
    commitment = _publish(national, "chosen", force_ids=[factories.force("durham").id])
    action = _action(commitment, "durham")
    member = commitments.member_of(db.session, commitment, action.force_id)
    proposal = commitment_reviews.propose(db.session, commitment, member, action,
                                          action.current_due_date + timedelta(days=30), "Training places", manager)
    commitment_reviews.decide(db.session, commitment, proposal, action, False, "Every force has the same places",
                              national)
    db.session.commit()
    scheduler.send_outbox(mail_app)
    scheduler.send_outbox(mail_app)
    assert [m["To"] for m in handler.messages] == ["dee@durham.police.uk"]
    body = handler.messages[0].get_body(("plain",)).get_content()
    assert "refused your proposed date" in body and "Every force has the same places" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommitmentForce)) == 1
