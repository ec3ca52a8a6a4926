"""Migration 0009 adds the job runs table and takes it away again, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from improvement_tracker.extensions import db
from tests.conftest import make_app
from tests.test_migrations import _fresh_database_url


def test_0009_adds_job_runs_and_downgrades_cleanly(tmp_path):
    app = make_app(str(tmp_path / "instance"), _fresh_database_url(tmp_path))
    with app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO job_runs (job, \"trigger\", process, started_at, outcome, counts) "
                "VALUES ('daily_reminders', 'schedule', 'host:1', '2027-03-01 07:00:00', 'ok', '{}')"))
            assert connection.scalar(sa.text("SELECT count(*) FROM job_runs")) == 1
        downgrade(revision="0008")
        with db.engine.connect() as connection:
            assert "job_runs" not in sa.inspect(connection).get_table_names()
        upgrade()
        with db.engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT count(*) FROM job_runs")) == 0
        db.engine.dispose()
