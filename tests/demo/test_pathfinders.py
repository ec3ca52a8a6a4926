"""The demo data: five pathfinder plans, realistic, deterministic and loaded only once."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import func, select

from improvement_tracker.demo.accounts import DEMO_PASSWORD, PATHFINDERS
from improvement_tracker.demo.pathfinders import seed
from improvement_tracker.extensions import db
from improvement_tracker.models import (
    Action,
    AuditEvent,
    DeepDive,
    DueDateChange,
    Force,
    Milestone,
    ProgressUpdate,
    User,
)
from improvement_tracker.models.plans import CLOSED_STATUSES
from improvement_tracker.services import clock, users
from tests.conftest import _empty_tables


def row_counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return {t.name: connection.scalar(sa.select(sa.func.count()).select_from(t))
                for t in db.metadata.sorted_tables}


def pathfinders() -> list[Force]:
    return list(db.session.scalars(select(Force).where(Force.code.in_(PATHFINDERS)).order_by(Force.code)))


def test_each_pathfinder_force_has_a_deep_dive_with_findings_in_every_pillar(seeded):
    assert seeded.created
    assert seeded.counts["forces"] == 5
    for force in pathfinders():
        deep_dives = list(db.session.scalars(select(DeepDive).where(DeepDive.force_id == force.id)))
        assert len(deep_dives) == 1
        assert deep_dives[0].period == "January 2021 to August 2022"
        assert deep_dives[0].lead == "Operation Soteria Bluestone academic team"
        findings = deep_dives[0].findings
        assert {f.pillar.code for f in findings} == {"P1", "P2", "P3", "P4", "P5", "P6"}
        assert len({f.type for f in findings}) >= 2
        assert len({f.priority for f in findings}) >= 2
        for finding in findings:
            match = re.fullmatch(r"[A-Z]+-(P[1-6])-\d\d", finding.reference)
            assert match and match.group(1) == finding.pillar.code, finding.reference
            assert force.name in finding.detail
            assert 2 <= len(finding.actions) <= 3
            assert all(a.reference.startswith(finding.reference + "-") for a in finding.actions)
        standalone = db.session.scalars(select(Action).where(Action.force_id == force.id,
                                                             Action.finding_id.is_(None))).all()
        assert standalone, "some actions come from the self-assessment, not a finding"


def test_actions_are_spread_across_every_state(seeded):
    today = clock.today()
    for force in pathfinders():
        actions = list(db.session.scalars(select(Action).where(Action.force_id == force.id)))
        statuses = Counter(a.status for a in actions)
        assert statuses["blocked"] == 1 and statuses["closed_not_needed"] == 1
        assert statuses["complete"] >= 2 and statuses["awaiting_sign_off"] >= 1
        assert statuses["in_progress"] >= 5 and statuses["not_started"] >= 1
        open_actions = [a for a in actions if a.status not in CLOSED_STATUSES]
        assert any(a.current_due_date < today for a in open_actions), "some overdue"
        assert any(today <= a.current_due_date <= today + timedelta(days=30) for a in open_actions)
        manager = db.session.scalar(select(User).where(User.force_id == force.id,
                                                       User.role == "programme_manager"))
        for action in actions:
            assert action.success_measure and action.description
            assert 2 <= len(action.milestones) <= 4
            assert action.original_due_date and action.current_due_date and action.start_date
            if action.status in ("blocked", "closed_not_needed"):
                assert action.status_reason
            if action.status == "complete":
                assert action.signed_off_by_id == manager.id != action.owner_id
                assert action.completed_date < today
                assert all(m.completed_date and m.completed_date <= action.completed_date
                           for m in action.milestones)
            if action.status == "awaiting_sign_off":
                assert all(m.completed_date for m in action.milestones)
        replanned = [a for a in actions if a.due_date_changes]
        assert replanned
        for action in replanned:
            assert action.original_due_date != action.current_due_date
            assert all(change.reason and change.changed_by_id == manager.id for change in action.due_date_changes)
            assert action.due_date_changes[0].new_date == action.current_due_date
    assert db.session.scalar(select(func.count()).select_from(Action).where(Action.declared_rag.is_not(None)))


def test_every_action_has_an_owner_in_its_own_force(seeded):
    actions = list(db.session.scalars(select(Action)))
    assert len(actions) >= 5 * 15
    for action in actions:
        assert action.owner is not None
        assert action.owner.role == "action_owner"
        assert action.owner.force_id == action.force_id
        assert action.owner.active
    # The pathfinders' own plans; every force also carries the national commitments (NC-…).
    owners_per_force = Counter(a.owner.force_id for a in actions if not a.reference.startswith("NC-"))
    assert len(owners_per_force) == 5


def test_the_history_is_written_by_the_demo_users_and_spread_over_past_months(seeded):
    now = datetime.now(UTC).replace(tzinfo=None)
    demo_users = {u.id: u for u in db.session.scalars(select(User))}
    updates = list(db.session.scalars(select(ProgressUpdate)))
    assert len(updates) >= 5 * 40
    assert all(u.created_at <= now for u in updates)
    assert min(u.created_at for u in updates) < now - timedelta(days=180)
    assert any(u.status_to is None for u in updates) and any(u.status_to == "complete" for u in updates)
    for update in updates:
        author = demo_users[update.author_id]
        action = db.session.get(Action, update.action_id)
        assert author.force_id == action.force_id
        if update.status_to == "complete":
            assert author.role == "programme_manager"

    for action in db.session.scalars(select(Action)):
        times = [u.created_at for u in updates if u.action_id == action.id]
        if times:
            assert action.last_update_at == max(times)
        if action.status not in ("not_started", "closed_not_needed"):
            assert len(times) >= 3, f"{action.reference} needs several updates"
    stale = [a for a in db.session.scalars(select(Action).where(Action.status == "in_progress"))
             if a.last_update_at < now - timedelta(days=30)]
    assert stale, "some actions have gone quiet"

    events = list(db.session.scalars(select(AuditEvent)))
    assert all(e.at <= now for e in events)
    assert min(e.at for e in events) < now - timedelta(days=300)
    assert sum(e.actor_id is None for e in events) == 1  # the first admin, created by nobody
    kinds = Counter(e.event for e in events)
    for kind in ("deep_dive.created", "finding.created", "action.created", "milestone.created",
                 "milestone.completed", "progress_update.created", "action.start", "action.sign_off",
                 "action.request_sign_off", "action.block", "action.close", "action.due_date_changed"):
        assert kinds[kind], kind
    completed = db.session.scalars(select(Milestone).where(Milestone.completed_date.is_not(None))).all()
    assert completed
    for milestone in completed:
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "milestone",
                                                           AuditEvent.object_id == milestone.id,
                                                           AuditEvent.event == "milestone.completed"))
        assert event.changes["completed_date"][1] == milestone.completed_date.isoformat()
        assert event.at.date() - milestone.completed_date <= timedelta(days=1)
    changes = db.session.scalars(select(DueDateChange)).all()
    assert all(c.changed_at < now - timedelta(hours=1) for c in changes)


def test_the_demo_accounts_sign_in_with_the_shared_password(seeded):
    assert len(seeded.password) >= 12
    assert [a.email for a in seeded.accounts][:3] == [
        "admin@demo.police.uk", "oversight@demo.homeoffice.gov.uk", "pm.avon-and-somerset@demo.police.uk",
    ]
    roles = Counter(a.role for a in seeded.accounts)
    assert roles["admin"] == 1 and roles["oversight"] == 1 and roles["programme_manager"] == 5
    assert 10 <= roles["action_owner"] <= 15
    for account in seeded.accounts:
        user = db.session.scalar(select(User).where(User.email == account.email))
        assert user.active and user.role == account.role and user.name == account.name
        assert (user.force.code if user.force else None) == account.force_code
    # Checking a password costs a quarter of a second: one account of each role is enough.
    for email in ("admin@demo.police.uk", "oversight@demo.homeoffice.gov.uk",
                  "pm.durham@demo.police.uk", "owner2.south-wales@demo.police.uk"):
        result = users.authenticate(db.session, email, DEMO_PASSWORD, "127.0.0.1",
                                    max_attempts=5, window_minutes=15)
        assert result.user is not None, email


def test_a_second_seed_adds_nothing(seeded):
    before = row_counts()
    again = seed(db.session)
    db.session.commit()
    assert not again.created
    assert again.counts == seeded.counts
    assert row_counts() == before


def _snapshot() -> list:
    rows = []
    for action in db.session.scalars(select(Action).join(Force).order_by(Force.code, Action.reference)):
        rows.append((
            action.force.code, action.reference, action.title, action.status, action.owner.email,
            action.start_date, action.original_due_date, action.current_due_date, action.completed_date,
            [(m.title, m.due_date, m.completed_date) for m in action.milestones],
            list(db.session.scalars(select(ProgressUpdate.text).where(ProgressUpdate.action_id == action.id)
                                    .order_by(ProgressUpdate.created_at))),
        ))
    return rows


def test_the_demo_is_the_same_every_time(app):
    today = clock.today()
    seed(db.session, today=today)
    db.session.commit()
    first = _snapshot()
    db.session.remove()
    _empty_tables()
    seed(db.session, today=today)
    db.session.commit()
    assert _snapshot() == first


def test_the_demo_does_not_greet_every_owner_with_assignment_emails(seeded):
    from improvement_tracker.services import clock, reminders

    assert reminders.run_assignments(db.session, clock.today()) == []
