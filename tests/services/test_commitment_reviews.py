"""The national team's side of a force's linked action: confirming or returning a completion (the
owner and programme managers emailed once each, over real SMTP), and deciding date proposals."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from improvement_tracker import scheduler
from improvement_tracker.extensions import db
from improvement_tracker.models import Action, AuditEvent, DueDateChange, Notification, ProgressUpdate
from improvement_tracker.services import clock, commitment_reviews, commitments, status
from improvement_tracker.services.audit import ServiceError
from tests import factories


@pytest.fixture
def world(app):
    national = factories.create_user("oversight", None, name="Olu National")
    manager = factories.create_user("programme_manager", "durham", name="Dee Durham", email="dee@durham.police.uk")
    deputy = factories.create_user("programme_manager", "durham", name="Sam Deputy", email="sam@durham.police.uk")
    commitment = commitments.save_draft(db.session, None, commitments.CommitmentFields(
        reference="NC-01", title="No victim without a phone for more than 24 hours",
        pillar_id=factories.pillar("P3").id, due_date=clock.today() + timedelta(days=60), applies_to="chosen",
        force_ids=[factories.force("durham").id]), national)
    [member] = commitments.publish(db.session, commitment, national, clock.today())
    db.session.commit()
    return national, manager, deputy, commitment, member, db.session.get(Action, member.action_id)


def _signed_off(action, manager, deputy) -> None:
    """Worked like any action: started, sign-off asked for by one manager, given by the other."""
    status.apply(db.session, action, "start", "", actor=manager)
    status.apply(db.session, action, "request-sign-off", "Done", actor=manager)
    status.apply(db.session, action, "sign-off", "", actor=deputy, no_evidence_reason="Seen the phone log")
    db.session.commit()


def test_a_completion_is_confirmed_once_it_is_signed_off(world):
    national, manager, deputy, commitment, member, action = world
    with pytest.raises(ServiceError, match="has not signed this action off yet"):
        commitment_reviews.confirm(db.session, commitment, member, action, national)
    db.session.rollback()
    _signed_off(action, manager, deputy)
    commitment_reviews.confirm(db.session, commitment, member, action, national)
    db.session.commit()
    assert member.national_state == "confirmed" and member.confirmed_by_id == national.id
    with pytest.raises(ServiceError, match="already confirmed"):
        commitment_reviews.confirm(db.session, commitment, member, action, national)


def test_a_returned_completion_is_in_progress_again_and_its_people_are_emailed_once(mail_app, smtp_server, world):
    national, manager, deputy, commitment, member, action = world
    handler, _ = smtp_server
    _signed_off(action, manager, deputy)
    with pytest.raises(ServiceError, match="Enter what the force still needs to do"):
        commitment_reviews.return_completion(db.session, commitment, member, action, "  ", national)
    db.session.rollback()
    told = commitment_reviews.return_completion(db.session, commitment, member, action,
                                                "The phone log covers one month, not a quarter", national)
    db.session.commit()
    assert told == 2  # the owner is Dee, a programme manager: one email each to Dee and Sam
    assert (action.status, action.completed_date, action.signed_off_by_id) == ("in_progress", None, None)
    latest = db.session.scalars(sa.select(ProgressUpdate).where(ProgressUpdate.action_id == action.id)
                                .order_by(ProgressUpdate.id.desc())).first()
    assert latest.text.startswith("Returned by the national team: The phone log")
    scheduler.send_outbox(mail_app)
    assert sorted(m["To"] for m in handler.messages) == ["dee@durham.police.uk", "sam@durham.police.uk"]
    body = handler.messages[0].get_body(("plain",)).get_content()
    assert "NC-01" in body and "The phone log covers one month, not a quarter" in body
    scheduler.send_outbox(mail_app)
    assert len(handler.messages) == 2


def test_a_later_date_is_proposed_then_agreed_with_the_re_plan_history(world):
    national, manager, _, commitment, member, action = world
    later = action.current_due_date + timedelta(days=30)
    for proposed, field, message in ((action.current_due_date, "proposed_due_date", "after the current due date"),
                                     (None, "proposed_due_date", "Enter the date you propose"),
                                     (later, "reason", "Enter why the force needs a later date")):
        with pytest.raises(ServiceError, match=message) as refused:
            commitment_reviews.propose(db.session, commitment, member, action, proposed,
                                       "" if field == "reason" else "Phones on order", manager)
        assert refused.value.field == field
        db.session.rollback()
    proposal = commitment_reviews.propose(db.session, commitment, member, action, later, "Phones on order",
                                          manager)
    db.session.commit()
    assert commitment_reviews.proposal_refusal(db.session, member, action) == (
        "A proposed date is already waiting for the national team's decision")
    assert [name for _, name in commitment_reviews.waiting_proposals(db.session, commitment)] == ["Durham"]
    commitment_reviews.decide(db.session, commitment, proposal, action, True, "", national)
    db.session.commit()
    assert action.current_due_date == later
    change = db.session.scalar(sa.select(DueDateChange).where(DueDateChange.action_id == action.id))
    assert change.reason == "Agreed by the national team: Phones on order"
    with pytest.raises(ServiceError, match="already been decided"):
        commitment_reviews.decide(db.session, commitment, proposal, action, False, "No", national)


def test_a_refusal_needs_a_reason_and_leaves_the_date(world):
    national, manager, _, commitment, member, action = world
    due = action.current_due_date
    proposal = commitment_reviews.propose(db.session, commitment, member, action, due + timedelta(days=10),
                                          "Phones on order", manager)
    db.session.commit()
    with pytest.raises(ServiceError, match="Enter why the national team refuses the date"):
        commitment_reviews.decide(db.session, commitment, proposal, action, False, "", national)
    db.session.rollback()
    proposal = commitment_reviews.pending_proposal(db.session, member)
    commitment_reviews.decide(db.session, commitment, proposal, action, False, "Every force has lent phones",
                              national)
    db.session.commit()
    assert action.current_due_date == due and proposal.state == "refused"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "commitment.date_refused")) == 1
    # A refused proposal no longer waits: the force may propose again.
    assert commitment_reviews.proposal_refusal(db.session, member, action) is None


def test_a_published_change_reaches_every_open_action_with_a_re_plan_and_tells_managers_once(world):
    national, manager, deputy, commitment, member, action = world
    later = commitment.due_date + timedelta(days=45)
    change = commitment_reviews.PublishedChange(title="No victim without a phone for over 24 hours",
                                                description="Lend a phone where one cannot be returned",
                                                success_measure="All phones back or lent", due_date=later,
                                                reason="Ministers widened the commitment")
    with pytest.raises(ServiceError, match="Enter why the commitment is changing"):
        commitment_reviews.change_published(db.session, commitment, commitment_reviews.PublishedChange(
            **{**change.__dict__, "reason": ""}), national)
    db.session.rollback()
    assert commitment_reviews.change_published(db.session, commitment, change, national) == 1
    db.session.commit()
    assert (action.title, action.success_measure, action.current_due_date) == (
        "No victim without a phone for over 24 hours", "All phones back or lent", later)
    replan = db.session.scalar(sa.select(DueDateChange).where(DueDateChange.action_id == action.id))
    assert replan.reason == "National commitment changed: Ministers widened the commitment"
    told = db.session.scalars(sa.select(Notification).where(Notification.kind == "digest")).all()
    assert sorted(n.recipient_id for n in told) == sorted([manager.id, deputy.id])
    with pytest.raises(ServiceError, match="Nothing has changed"):
        commitment_reviews.change_published(db.session, commitment, change, national)


def test_a_finished_action_keeps_what_it_was_finished_against(world):
    national, manager, deputy, commitment, member, action = world
    _signed_off(action, manager, deputy)
    commitment_reviews.change_published(db.session, commitment, commitment_reviews.PublishedChange(
        title="A new title", description="", success_measure="", due_date=commitment.due_date,
        reason="Reworded"), national)
    db.session.commit()
    assert action.title == "No victim without a phone for more than 24 hours" and commitment.title == "A new title"
