"""`flask --app wsgi plans import FILE --force CODE [--dry-run] [--create-owners] [--as EMAIL]`."""

from __future__ import annotations

import contextvars
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, AuditEvent, DueDateChange, User
from tests import factories
from tests import import_sheets as sheets

OWNER = "olive.owner@example.police.uk"


def invoke(app: Flask, *args: str) -> Result:
    """Run the command as `flask` would: in its own app context (see tests/test_cli.py)."""
    return contextvars.Context().run(app.test_cli_runner().invoke, args=["plans", "import", *args])


def counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return {t.name: connection.scalar(sa.select(sa.func.count()).select_from(t))
                for t in db.metadata.sorted_tables}


@pytest.fixture
def owner(app):
    return factories.create_user("action_owner", name="Olive Owner", email=OWNER)


@pytest.fixture
def plan_file(tmp_path: Path, owner) -> Path:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(sheets.filled_template(
        deep_dives=[sheets.deep_dive()],
        findings=[sheets.finding("AS-P1-01")],
        actions=[sheets.action("AS-P1-01-A", OWNER, finding="AS-P1-01", due_date="31/03/2027")],
        milestones=[sheets.milestone("AS-P1-01-A", "Course designed")],
    ))
    return path


def test_dry_run_prints_the_report_and_writes_nothing(app, plan_file):
    before = counts()
    result = invoke(app, str(plan_file), "--force", "avon-and-somerset", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Checked plan.xlsx (") and "for Avon and Somerset" in lines[0]
    assert "Actions: 1 to create, 0 to update, 0 unchanged" in lines
    assert lines[-1] == ("Dry run: nothing was written. Without --dry-run this would do: deep dives: 1 created; "
                         "findings: 1 created; actions: 1 created; milestones: 1 created.")
    assert counts() == before


def test_import_writes_everything_with_one_audit_event_for_the_file(app, plan_file):
    result = invoke(app, str(plan_file), "--force", "avon-and-somerset")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == ("Imported plan.xlsx: deep dives: 1 created; findings: 1 created; "
                                              "actions: 1 created; milestones: 1 created.")
    action = db.session.scalar(select(Action))
    assert (action.reference, action.finding.reference, action.current_due_date) == (
        "AS-P1-01-A", "AS-P1-01", date(2027, 3, 31))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "plan.imported"))
    assert event.actor_id is None  # "System", as for other commands
    assert len(event.changes["sha256"][1]) == 64

    # A second run changes nothing and duplicates nothing.
    before = counts()
    again = invoke(app, str(plan_file), "--force", "avon-and-somerset")
    assert again.exit_code == 0, again.output
    assert "Actions: 0 to create, 0 to update, 1 unchanged" in again.stdout
    after = counts()
    assert after["audit_events"] == before["audit_events"] + 1
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"}


def test_problems_are_printed_by_row_and_column_and_nothing_is_written(app, tmp_path, owner):
    path = tmp_path / "bad.csv"
    path.write_bytes(sheets.csv_file("actions", [
        sheets.action("AS-1", OWNER, pillar="P9"),
        sheets.action("AS-2", OWNER, pillar="P1", start_date="01/04/2027", due_date="01/01/2027"),
    ]))
    before = counts()
    result = invoke(app, str(path), "--force", "avon-and-somerset")
    assert result.exit_code == 1
    assert "Problems (2):" in result.stdout
    assert "  bad.csv, row 3, column C (Pillar): 'P9' is not a pillar: use P1 to P6" in result.stdout
    assert ("  bad.csv, row 4, column M (Due date): The due date must be the same as or after the start date"
            in result.stdout)
    assert result.stderr == "Error: 2 problem(s) found: nothing was imported\n"
    assert counts() == before


def test_owners_who_are_not_users_need_create_owners(app, tmp_path, owner):
    path = tmp_path / "actions.csv"
    path.write_bytes(sheets.csv_file("actions", [sheets.action("AS-1", "nia.new@example.police.uk", pillar="P1")]))
    refused = invoke(app, str(path), "--force", "avon-and-somerset")
    assert refused.exit_code == 1
    assert "nia.new@example.police.uk (Nia New), used on actions.csv row 3" in refused.stdout
    assert "add --create-owners to add them as action owners" in refused.stdout
    assert db.session.scalar(select(User).where(User.email == "nia.new@example.police.uk")) is None

    created = invoke(app, str(path), "--force", "avon-and-somerset", "--create-owners")
    assert created.exit_code == 0, created.output
    nia = db.session.scalar(select(User).where(User.email == "nia.new@example.police.uk"))
    assert (nia.role, nia.force.code) == ("action_owner", "avon-and-somerset")


def test_as_records_who_imported_and_due_date_changes_keep_the_history(app, plan_file, tmp_path):
    pm = factories.create_user("programme_manager", email="priya.pm@example.police.uk")
    assert invoke(app, str(plan_file), "--force", "avon-and-somerset", "--as", "Priya.PM@example.police.uk"
                  ).exit_code == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "plan.imported"))
    assert event.actor_id == pm.id

    moved = tmp_path / "moved.csv"
    moved.write_bytes(sheets.csv_file("actions", [sheets.action("AS-P1-01-A", OWNER, due_date="30/06/2027")]))
    result = invoke(app, str(moved), "--force", "avon-and-somerset")
    assert result.exit_code == 0, result.output
    assert "  update AS-P1-01-A (moved.csv row 3): Due date: 31 March 2027 -> 30 June 2027" in result.stdout
    change = db.session.scalar(select(DueDateChange))
    assert (change.old_date, change.new_date, change.changed_by_id) == (date(2027, 3, 31), date(2027, 6, 30), None)
    assert change.reason == "Changed by the spreadsheet import of moved.csv"


@pytest.mark.parametrize(("args", "message"), [
    (["--force", "gotham"], "Error: Unknown force: gotham\n"),
    (["--force", "avon-and-somerset", "--as", "nobody@example.police.uk"],
     "Error: --as must be an active administrator or a programme manager of Avon and Somerset\n"),
])
def test_bad_options_are_refused_with_a_reason(app, plan_file, args, message):
    result = invoke(app, str(plan_file), *args)
    assert result.exit_code == 1
    assert result.stderr == message


def test_a_programme_manager_of_another_force_cannot_be_named_with_as(app, plan_file):
    durham = factories.create_user("programme_manager", "durham", email="dee.durham@example.police.uk")
    result = invoke(app, str(plan_file), "--force", "avon-and-somerset", "--as", durham.email)
    assert result.exit_code == 1
    assert "--as must be an active administrator or a programme manager of Avon and Somerset" in result.stderr


def test_a_refused_file_says_why(app, tmp_path):
    path = tmp_path / "plan.xlsm"
    path.write_bytes(b"PK\x03\x04 anything")
    result = invoke(app, str(path), "--force", "avon-and-somerset")
    assert result.exit_code == 1
    assert "Macro-enabled workbooks (.xlsm) cannot be imported" in result.stdout
    assert result.stderr == "Error: 1 problem(s) found: nothing was imported\n"


def test_a_missing_file_is_a_usage_error(app, tmp_path):
    result = invoke(app, str(tmp_path / "nowhere.xlsx"), "--force", "avon-and-somerset")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
