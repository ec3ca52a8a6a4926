"""Migrations: one head, an empty database upgrades to it, and it matches the models."""

from __future__ import annotations

import json
import os

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from improvement_tracker import ROOT
from improvement_tracker.extensions import db
from improvement_tracker.models.search_index import not_the_search_index
from improvement_tracker.services.reference_data import FORCES, PILLARS
from tests.conftest import create_postgres_database, make_app


def _fresh_database_url(tmp_path) -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        return create_postgres_database(base, f"migrations_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"


def test_there_is_exactly_one_head():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_empty_database_upgrades_to_head_and_matches_the_models(tmp_path):
    app = make_app(str(tmp_path / "instance"), _fresh_database_url(tmp_path))
    with app.app_context():
        upgrade()
        upgrade()  # a second run is a no-op, and the reference data is not doubled
        with db.engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT count(*) FROM forces")) == len(FORCES) == 43
            assert connection.scalar(sa.text("SELECT count(*) FROM pillars")) == len(PILLARS) == 6
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "include_name": not_the_search_index})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations disagree: {differences}"
        db.engine.dispose()


def test_reminder_claims_get_their_own_line_from_the_email_they_went_in(tmp_path):
    """0007 copies each claim's line out of its email, milestone by milestone."""
    from datetime import date, datetime

    app = make_app(str(tmp_path / "instance"), _fresh_database_url(tmp_path))
    with app.app_context():
        upgrade(revision="0006")
        # Rows written as 0006 knew them: today's models (and so the factories) have columns it lacks.
        now = datetime(2026, 11, 1, 9, 0)
        with db.engine.begin() as connection:
            force_id = connection.scalar(sa.text("SELECT id FROM forces WHERE code = 'avon-and-somerset'"))
            pillar_id = connection.scalar(sa.text("SELECT id FROM pillars WHERE code = 'P1'"))
            connection.execute(sa.text(
                "INSERT INTO users (email, name, role, force_id, active, password_hash, session_token, "
                "reminders_enabled, weekly_summary, created_at) VALUES ('owner@example.police.uk', 'Owner', "
                "'action_owner', :f, :yes, 'x', 'token', :yes, :yes, :now)"), {"f": force_id, "yes": True, "now": now})
            owner_id = connection.scalar(sa.text("SELECT id FROM users"))
            connection.execute(sa.text(
                "INSERT INTO actions (force_id, pillar_id, reference, title, description, success_measure, owner_id, "
                "priority, status, last_update_at, created_at, updated_at) VALUES (:f, :p, 'AS-P1-01-A', 'Train', "
                "'', '', :o, 'medium', 'in_progress', :now, :now, :now)"),
                {"f": force_id, "p": pillar_id, "o": owner_id, "now": now})
            action_id = connection.scalar(sa.text("SELECT id FROM actions"))
        items = [{"kind": "due_soon", "action_id": action_id, "threshold": "7d", "label": "Due in 7 days",
                  "milestone": "Course designed"},
                 {"kind": "due_soon", "action_id": action_id, "threshold": "1d", "label": "Due tomorrow",
                  "milestone": None}]
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO notifications (recipient_id, kind, dedupe_key, subject, items, status, attempts, "
                "next_attempt_at, created_at) VALUES (:r, 'digest', 'digest:1', 'Two', :items, 'sent', 1, "
                ":now, :now)"), {"r": owner_id, "items": json.dumps(items), "now": date.today()})
            notification = connection.scalar(sa.text("SELECT id FROM notifications"))
            for key, threshold in (("a", "7d"), ("b", "1d"), ("c", "30d")):
                connection.execute(sa.text(
                    "INSERT INTO reminder_claims (dedupe_key, recipient_id, kind, action_id, force_id, threshold, "
                    "notification_id, created_at) VALUES (:k, :r, 'due_soon', :a, :f, :t, :n, :now)"),
                    {"k": key, "r": owner_id, "a": action_id, "f": force_id, "t": threshold,
                     "n": notification, "now": date.today()})
        db.session.remove()
        upgrade()
        with db.engine.connect() as connection:
            labels = dict(connection.execute(sa.text("SELECT dedupe_key, label FROM reminder_claims")).all())
        assert labels == {"a": "Due in 7 days (milestone: Course designed)", "b": "Due tomorrow", "c": ""}
        db.engine.dispose()
