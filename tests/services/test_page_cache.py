"""What pages keep between requests: keyed by the plan's version, so any write shows at once."""

from __future__ import annotations

from improvement_tracker.extensions import db
from improvement_tracker.services import page_cache, plans, reference_admin, users
from tests import factories


def test_a_write_to_a_plan_changes_its_version_and_only_its_own(app):
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner, reference="AS-1")
    avon, durham = action.force_id, factories.force("durham").id
    before_avon, before_durham = page_cache.plan_version(db.session, avon), page_cache.plan_version(db.session, durham)
    plans.declare_rag(db.session, action, "red", "The board's view", actor=owner)
    db.session.commit()
    assert page_cache.plan_version(db.session, avon) != before_avon
    assert page_cache.plan_version(db.session, durham) == before_durham
    # Signing in changes nothing a page shows: the version stays.
    before_avon = page_cache.plan_version(db.session, avon)
    users.authenticate(db.session, owner.email, factories.PASSWORD, "127.0.0.1", max_attempts=5, window_minutes=15)
    db.session.commit()
    assert page_cache.plan_version(db.session, avon) == before_avon
    # Reference data every force's pages show (pillar names) changes every version.
    admin = factories.create_user("admin", None)
    before = page_cache.plan_version(db.session, durham)
    pillar = factories.pillar("P1")
    reference_admin.update_pillar(db.session, pillar, name="Suspect-focused investigation", description="",
                                  actor=admin)
    db.session.commit()
    assert page_cache.plan_version(db.session, durham) != before


def test_kept_values_are_made_once_then_age_out_or_make_room():
    made = []
    kept = page_cache.Kept(max_entries=2, ttl=60)
    assert kept.get_or_make("a", lambda: made.append("a") or 1) == 1
    assert kept.get_or_make("a", lambda: made.append("a") or 2) == 1
    kept.get_or_make("b", lambda: made.append("b") or 3)
    kept.get_or_make("c", lambda: made.append("c") or 4)  # "a" was least recently used: it goes
    assert kept.get_or_make("a", lambda: made.append("a") or 5) == 5
    assert made == ["a", "b", "c", "a"]
    expired = page_cache.Kept(ttl=0)
    expired.get_or_make("x", lambda: 1)
    assert expired.get_or_make("x", lambda: 2) == 2
