"""What pages keep between requests: keyed by the plan's version, so any write shows at once,
and never changed once kept."""

from __future__ import annotations

import pytest

from improvement_tracker.extensions import db
from improvement_tracker.services import kept, plan_version, plans, reference_admin, users
from tests import factories


def test_a_write_to_a_plan_changes_its_version_and_only_its_own(app):
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner, reference="AS-1")
    avon, durham = action.force_id, factories.force("durham").id
    before_avon, before_durham = plan_version.force_version(db.session, avon), plan_version.force_version(
        db.session, durham)
    before_national = plan_version.national_version(db.session)
    plans.declare_rag(db.session, action, "red", "The board's view", actor=owner)
    db.session.commit()
    assert plan_version.force_version(db.session, avon) == before_avon + 1
    assert plan_version.force_version(db.session, durham) == before_durham
    assert plan_version.national_version(db.session) == before_national + 1
    # Signing in changes nothing a page shows: the version stays.
    users.authenticate(db.session, owner.email, factories.PASSWORD, "127.0.0.1", max_attempts=5, window_minutes=15)
    db.session.commit()
    assert plan_version.force_version(db.session, avon) == before_avon + 1
    # Reference data every force's pages show (pillar names) changes every version.
    admin = factories.create_user("admin", None)
    before = plan_version.force_version(db.session, durham)
    reference_admin.update_pillar(db.session, factories.pillar("P1"), name="Suspect-focused investigation",
                                  description="", actor=admin)
    db.session.commit()
    assert plan_version.force_version(db.session, durham) == before + 1


def test_a_rolled_back_write_changes_no_version(app):
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner)
    before = plan_version.force_version(db.session, action.force_id)
    plans.declare_rag(db.session, action, "red", "Changed my mind", actor=owner)
    db.session.rollback()
    db.session.commit()
    assert plan_version.force_version(db.session, action.force_id) == before


def test_a_write_to_a_plan_table_that_does_not_bump_the_version_fails(app):
    """The guard the tests install: a new write path that forgets the version cannot pass unnoticed."""
    action = factories.create_action(factories.create_user())
    action.title = "Changed behind the services' back"
    with pytest.raises(plan_version.VersionNotBumped):
        db.session.commit()
    db.session.close()


def test_kept_values_are_made_once_then_age_out_or_make_room():
    made = []
    store = kept.Kept(max_entries=2, ttl=60)
    assert store.get_or_make("a", lambda: made.append("a") or 1) == 1
    assert store.get_or_make("a", lambda: made.append("a") or 2) == 1
    store.get_or_make("b", lambda: made.append("b") or 3)
    store.get_or_make("c", lambda: made.append("c") or 4)  # "a" was least recently used: it goes
    assert store.get_or_make("a", lambda: made.append("a") or 5) == 5
    assert made == ["a", "b", "c", "a"]
    expired = kept.Kept(ttl=0)
    expired.get_or_make("x", lambda: 1)
    assert expired.get_or_make("x", lambda: 2) == 2


def test_a_kept_value_changed_by_a_reader_is_caught():
    store = kept.Kept(check_unchanged=True)
    rows = store.get_or_make("table", lambda: {"rows": [1, 2]})
    rows["rows"].append(3)
    with pytest.raises(kept.ChangedAfterKept):
        store.get_or_make("table", lambda: {"rows": []})
