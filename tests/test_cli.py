"""The command-line contract: `flask --app wsgi users create ...`, `flask --app wsgi seed-demo` and
`flask --app wsgi reminders run`."""

from __future__ import annotations

import contextvars
import re
from datetime import date

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, User
from improvement_tracker.services import users
from tests import factories
from tests.conftest import make_app

PASSWORD = "correct horse battery staple"


def invoke(app: Flask, args: list[str], input: str | None = None) -> Result:
    """Run a command as `flask` would: in its own app context and database session.

    The test itself runs inside an app context, which the command would otherwise reuse;
    an empty contextvars context hides it.
    """
    return contextvars.Context().run(app.test_cli_runner().invoke, args=args, input=input)


def create(app: Flask, *args: str, password: str = PASSWORD + "\n", stdin_flag: bool = True) -> Result:
    return invoke(app, ["users", "create", *args, *(["--password-stdin"] if stdin_flag else [])],
                  input=password)


def sign_in(email: str, password: str = PASSWORD):
    return users.authenticate(db.session, email, password, "127.0.0.1", max_attempts=5,
                              window_minutes=15).user


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


# --- users create -----------------------------------------------------------------------

def test_users_create_makes_an_account_that_can_sign_in(app):
    result = create(app, "--email", " Pat.Lee@Example.Police.UK ", "--name", "Pat Lee",
                    "--role", "programme_manager", "--force", "durham")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Created programme_manager pat.lee@example.police.uk\n"
    assert result.stderr == ""
    user = sign_in("pat.lee@example.police.uk")
    assert user is not None
    assert (user.name, user.role, user.force.code) == ("Pat Lee", "programme_manager", "durham")
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "user.created"))
    assert created.object_id == user.id and created.actor_id is None


def test_users_create_makes_an_admin_without_a_force(app):
    result = create(app, "--email", "first.admin@example.gov.uk", "--name", "First Admin", "--role", "admin",
                    password=PASSWORD)  # no trailing newline is fine too
    assert result.exit_code == 0, result.output
    assert result.stdout == "Created admin first.admin@example.gov.uk\n"
    user = sign_in("first.admin@example.gov.uk")
    assert user.role == "admin" and user.force_id is None


def test_only_the_trailing_newline_is_stripped_from_the_password(app):
    result = create(app, "--email", "win@example.police.uk", "--name", "Win Dows", "--role", "oversight",
                    password="  spaces around  words \r\n")
    assert result.exit_code == 0, result.output
    assert sign_in("win@example.police.uk", "  spaces around  words ") is not None


@pytest.mark.parametrize(
    ("args", "password", "reason"),
    [
        (["--role", "superuser"], PASSWORD, "Role must be one of: admin, oversight, programme_manager, action_owner"),
        (["--role", "action_owner", "--force", "gotham-city"], PASSWORD, "Unknown force: gotham-city"),
        (["--role", "action_owner"], PASSWORD, "Select the force this user works for"),
        (["--role", "programme_manager"], PASSWORD, "Select the force this user works for"),
        (["--role", "action_owner", "--force", "durham"], "too short", "Password must be 12 characters or more"),
        (["--role", "oversight"], "", "Password must be 12 characters or more"),
        (["--role", "oversight"], "password1234",
         "Password is too easy to guess: use three or more random words"),
        (["--role", "oversight"], "first line\nsecond line\n", "The password must be on one line"),
        (["--role", "admin", "--force", "durham"], PASSWORD,
         "A user with the role admin does not belong to a force: leave out --force"),
    ],
    ids=["bad-role", "unknown-force", "owner-without-force", "manager-without-force", "short-password",
         "empty-password", "common-password", "two-line-password", "admin-with-force"],
)
def test_users_create_refuses_with_a_one_line_reason(app, args, password, reason):
    before = user_count()
    result = create(app, "--email", "someone@example.police.uk", "--name", "Some One", *args,
                    password=password + "\n")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {reason}\n"
    assert result.stdout == ""
    assert user_count() == before


def test_users_create_refuses_a_duplicate_email_whatever_its_case(app):
    factories.create_user("oversight", None, email="taken@example.police.uk")
    before = user_count()
    result = create(app, "--email", "Taken@Example.Police.uk", "--name", "Some One", "--role", "oversight")
    assert result.exit_code == 1
    assert result.stderr == "Error: A user with this email address already exists\n"
    assert user_count() == before


def test_users_create_refuses_a_bad_email(app):
    result = create(app, "--email", "not-an-email", "--name", "Some One", "--role", "oversight")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Enter an email address in the correct format")
    assert result.stderr.count("\n") == 1


def test_users_create_wants_the_password_on_standard_input(app):
    result = create(app, "--email", "someone@example.police.uk", "--name", "Some One", "--role", "oversight",
                    stdin_flag=False)
    assert result.exit_code == 1
    assert result.stderr == "Error: Give the password on standard input with --password-stdin\n"
    assert user_count() == 0


# --- seed-demo --------------------------------------------------------------------------

def row_counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return {t.name: connection.scalar(sa.select(sa.func.count()).select_from(t))
                for t in db.metadata.sorted_tables}


def table_part(output: str) -> str:
    return output[output.index("Role"):]


def test_seed_demo_loads_once_and_prints_the_sign_in_table(app):
    first = invoke(app, ["seed-demo"])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("Demo data loaded: 5 forces, ")
    for text in ("admin@demo.police.uk", "oversight@demo.homeoffice.gov.uk", "pm.avon-and-somerset@demo.police.uk",
                 "owner1.south-wales@demo.police.uk", "Force programme manager", "west-midlands",
                 "Password for every demo account: demo password 2026"):
        assert text in first.stdout
    counts = row_counts()
    assert counts["users"] >= 17 and counts["actions"] >= 75 and counts["audit_events"] > 1000

    second = invoke(app, ["seed-demo"])
    assert second.exit_code == 0, second.output
    assert second.stdout.startswith("Demo data already present")
    assert table_part(second.stdout) == table_part(first.stdout)
    assert row_counts() == counts


def _refused(app: Flask, production_app: Flask) -> None:
    result = invoke(production_app, ["seed-demo"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: seed-demo is refused in production: the demo accounts share a published password\n"
    )
    assert "demo password" not in result.stdout
    assert user_count() == 0


def test_seed_demo_is_refused_when_the_app_is_in_production(app, database_url, tmp_path):
    production_app = make_app(str(tmp_path), database_url, PRODUCTION=True)
    _refused(app, production_app)


def test_seed_demo_is_refused_with_real_production_settings(app, tmp_path):
    """Refused before the database is touched: this one points at a server that is not there."""
    production_app = make_app(str(tmp_path), "unused", ENV={
        "APP_ENV": "production",
        "SECRET_KEY": "x" * 40,
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/nothing",
    })
    assert production_app.config["PRODUCTION"] is True
    _refused(app, production_app)


# --- reminders run ------------------------------------------------------------------------

DRY_RUN_TOTAL = re.compile(r"would send (\d+) emails to (\d+) recipients \((\d+) items?\)")
DRY_RUN_EMAIL = re.compile(r"^(\S+@\S+): (.+) \((\d+) items?\)$", re.MULTILINE)


def test_the_dry_run_lists_exactly_what_the_real_run_sends(app, smtp_server, tmp_path, database_url):
    """Monday 1 March 2027: a digest with two kinds of item, an escalation, and both weekly summaries."""
    from improvement_tracker.models import Notification, ReminderClaim

    handler, port = smtp_server
    mail_app = make_app(str(tmp_path), database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    owner = factories.create_user("action_owner", email="olive@example.police.uk")
    factories.create_user("programme_manager", email="pat@example.police.uk")
    factories.create_user("oversight", None, email="ollie@example.gov.uk")
    factories.create_action(owner, reference="SOON", due=date(2027, 3, 8))
    factories.create_action(owner, reference="LATE", due=date(2027, 2, 1))

    dry = invoke(mail_app, ["reminders", "run", "--today", "2027-03-01", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    emails, recipients, items = map(int, DRY_RUN_TOTAL.search(dry.stdout).groups())
    assert (emails, recipients, items) == (4, 3, 5)
    listed = sorted((to, subject) for to, subject, _ in DRY_RUN_EMAIL.findall(dry.stdout))
    assert "  Weekly summary: Avon and Somerset improvement plan\n" in dry.stdout
    assert "  Escalation: LATE – 28 days overdue (was due 1 February 2027); owner " in dry.stdout
    from improvement_tracker.models import JobRun

    for model in (Notification, ReminderClaim, JobRun):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, "the dry run wrote something"

    real = invoke(mail_app, ["reminders", "run", "--today", "2027-03-01"])
    assert real.exit_code == 0, real.output
    assert real.stdout == f"Reminders for 2027-03-01: {emails} emails to {recipients} recipients ({items} items; " \
                          "0 sent before).\n"
    assert db.session.scalar(select(func.count()).select_from(Notification)) == emails
    assert db.session.scalar(select(func.count()).select_from(ReminderClaim)) == items
    assert sorted((m["To"], m["Subject"]) for m in handler.messages) == listed

    again = invoke(mail_app, ["reminders", "run", "--today", "2027-03-01", "--dry-run"])
    assert "would send 0 emails to 0 recipients (0 items)" in again.stdout


def test_the_dry_run_on_a_bank_holiday_says_nothing_goes(app):
    result = invoke(app, ["reminders", "run", "--today", "2027-03-29", "--dry-run"])
    assert result.exit_code == 0
    assert result.stdout == "2027-03-29 is not a working day in England and Wales: no reminders are sent.\n"


def test_the_help_says_when_each_job_runs(app):
    reminders_help = invoke(app, ["reminders", "run", "--help"]).stdout
    assert "weekly" in reminders_help and "summaries" in reminders_help and "07:00" in reminders_help
    scheduler_help = " ".join(invoke(app, ["scheduler", "run", "--help"]).stdout.split())
    for job in ("outbox every 2 minutes", "housekeeping daily at 03:30", "daily_snapshot daily at 06:00",
                "dashboard_cache daily at 06:15", "daily_reminders daily at 07:00"):
        assert job in scheduler_help
    assert "07:30" not in scheduler_help
