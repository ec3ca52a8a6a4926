"""Status rules: who may move an action where, and what each move leaves behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, DueDateChange, ProgressUpdate
from improvement_tracker.services import clock, plans, status
from improvement_tracker.services.audit import ServiceError
from tests import factories


def test_owner_cannot_sign_off_their_own_action(app):
    pm = factories.create_user("programme_manager")
    action = factories.create_action(pm, status="awaiting_sign_off")
    with pytest.raises(ServiceError, match="another programme manager must sign it off"):
        status.apply(db.session, action, "sign-off", "", actor=pm)


def test_action_owner_role_cannot_sign_off_at_all(app):
    owner = factories.create_user("action_owner")
    action = factories.create_action(factories.create_user("action_owner"), status="awaiting_sign_off")
    action.owner_id = owner.id
    with pytest.raises(PermissionError):
        status.apply(db.session, action, "sign-off", "", actor=owner)
    db.session.rollback()


def test_another_programme_manager_signs_off(app):
    pm = factories.create_user("programme_manager")
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner, status="awaiting_sign_off")
    status.apply(db.session, action, "sign-off", "Checked", actor=pm, no_evidence_reason="Seen at the board")
    db.session.commit()
    assert (action.status, action.signed_off_by_id, action.completed_date) == ("complete", pm.id, clock.today())
    update = db.session.scalar(select(ProgressUpdate).where(ProgressUpdate.action_id == action.id))
    assert (update.status_from, update.status_to, update.text) == ("awaiting_sign_off", "complete", "Checked")


def test_pm_of_another_force_cannot_sign_off(app):
    pm = factories.create_user("programme_manager", "durham")
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner, status="awaiting_sign_off")
    with pytest.raises(PermissionError):
        status.apply(db.session, action, "sign-off", "", actor=pm)


def test_blocked_needs_a_reason(app):
    owner = factories.create_user()
    action = factories.create_action(owner, status="in_progress")
    with pytest.raises(ServiceError, match="Enter what is blocking this action"):
        status.apply(db.session, action, "block", "   ", actor=owner)
    status.apply(db.session, action, "block", "Waiting for the new system", actor=owner)
    db.session.commit()
    assert (action.status, action.status_reason) == ("blocked", "Waiting for the new system")
    status.apply(db.session, action, "unblock", "", actor=owner)
    db.session.commit()
    assert (action.status, action.status_reason) == ("in_progress", None)


def test_moves_only_from_the_allowed_statuses(app):
    owner = factories.create_user()
    action = factories.create_action(owner)
    with pytest.raises(ServiceError, match="cannot be moved that way now"):
        status.apply(db.session, action, "request-sign-off", "", actor=owner)
    assert [t.slug for t in status.available(owner, action)] == ["start", "block"]


def test_owner_cannot_close_or_reopen(app):
    owner = factories.create_user()
    action = factories.create_action(owner)
    with pytest.raises(PermissionError):
        status.apply(db.session, action, "close", "not needed", actor=owner)


def test_every_move_is_audited(app):
    owner = factories.create_user()
    action = factories.create_action(owner)
    status.apply(db.session, action, "start", "", actor=owner)
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "action.start"))
    assert event.changes == {"status": ["not_started", "in_progress"]}
    assert (event.actor_id, event.action_id, event.force_id) == (owner.id, action.id, action.force_id)


def test_due_date_change_needs_a_reason_and_keeps_the_old_date(app):
    pm = factories.create_user("programme_manager")
    first = clock.today() + timedelta(days=10)
    action = factories.create_action(factories.create_user(), due=first)
    with pytest.raises(ServiceError, match="Enter why the due date is changing"):
        plans.change_due_date(db.session, action, first + timedelta(days=5), "", actor=pm)
    plans.change_due_date(db.session, action, first + timedelta(days=5), "Supplier late", actor=pm)
    db.session.commit()
    assert (action.original_due_date, action.current_due_date) == (first, first + timedelta(days=5))
    change = db.session.scalar(select(DueDateChange))
    assert (change.old_date, change.new_date, change.reason) == (first, first + timedelta(days=5), "Supplier late")


def test_first_due_date_needs_no_reason(app):
    pm = factories.create_user("programme_manager")
    action = factories.create_action(factories.create_user(), due=None)
    plans.change_due_date(db.session, action, clock.today() + timedelta(days=3), "", actor=pm)
    db.session.commit()
    assert action.original_due_date == action.current_due_date == clock.today() + timedelta(days=3)


def test_due_date_cannot_be_before_the_start(app):
    pm = factories.create_user("programme_manager")
    start = clock.today()
    action = factories.create_action(factories.create_user(), start=start, due=start + timedelta(days=30))
    with pytest.raises(ServiceError, match="same as or after the start date"):
        plans.change_due_date(db.session, action, start - timedelta(days=1), "earlier", actor=pm)


def test_finished_action_keeps_its_due_date(app):
    pm = factories.create_user("programme_manager")
    action = factories.create_action(factories.create_user(), due=clock.today(), status="complete")
    with pytest.raises(ServiceError, match="finished"):
        plans.change_due_date(db.session, action, clock.today() + timedelta(days=1), "why", actor=pm)


def test_reference_is_unique_within_a_force_only(app):
    factories.create_action(factories.create_user(), reference="X-1")
    factories.create_action(factories.create_user("action_owner", "durham"), reference="X-1")
    with pytest.raises(ServiceError, match="already has the reference X-1"):
        factories.create_action(factories.create_user(), reference="X-1")
