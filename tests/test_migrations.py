"""Migrations: one head, an empty database upgrades to it, and it matches the models."""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from improvement_tracker import ROOT
from improvement_tracker.extensions import db
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
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations disagree: {differences}"
        db.engine.dispose()
