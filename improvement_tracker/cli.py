"""Flask CLI commands: `flask --app wsgi <command>`.

- ``users create``: make an account (the first admin, typically). The password is read from
  standard input, never from the command line, so it stays out of shell history and `ps`.
- ``seed-demo``: load the five pathfinder forces' demo plans and print the sign-in table.
  Refused in production.

Every failure exits non-zero with one line on standard error saying why.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from improvement_tracker.extensions import db
from improvement_tracker.models.users import FORCE_ROLES, ROLES
from improvement_tracker.security import ROLE_LABELS
from improvement_tracker.services import demo, users
from improvement_tracker.services.audit import ServiceError


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = (sys.stdin.read() if sys.stdin is not None else "").rstrip("\r\n")
        if "\n" in password or "\r" in password:
            raise click.ClickException("The password must be on one line")
        return password
    if sys.stdin is not None and sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    raise click.ClickException("Give the password on standard input with --password-stdin")


def _sign_in_table(accounts: list[demo.DemoAccount], password: str) -> str:
    rows = [("Role", "Force", "Email")]
    rows += [(ROLE_LABELS.get(a.role, a.role), a.force_code or "-", a.email) for a in accounts]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{role:<{widths[0]}}  {force:<{widths[1]}}  {email}" for role, force, email in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.append("")
    lines.append(f"Password for every demo account: {password}")
    return "\n".join(lines)


def register(app: Flask) -> None:
    users_group = AppGroup("users", help="Manage user accounts.")

    @users_group.command("create")
    @click.option("--email", required=True, help="The user's email address: they sign in with it.")
    @click.option("--name", required=True, help="The user's full name.")
    @click.option("--role", required=True, metavar="ROLE", help=f"One of: {', '.join(ROLES)}.")
    @click.option("--force", "force_code", metavar="CODE",
                  help="The force's code, like avon-and-somerset (programme managers and action owners).")
    @click.option("--password-stdin", is_flag=True,
                  help="Read the password (12 characters or more) from standard input.")
    def create_user(email: str, name: str, role: str, force_code: str | None, password_stdin: bool) -> None:
        """Create a user account, in one transaction with its audit event."""
        if force_code and role in ROLES and role not in FORCE_ROLES:
            raise click.ClickException(f"A user with the role {role} does not belong to a force: leave out --force")
        password = _read_password(password_stdin)
        try:
            user = users.create_user(db.session, email=email, name=name, role=role,
                                     force_code=force_code or None, password=password, actor=None)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        except IntegrityError:  # another process created the same email in the meantime
            db.session.rollback()
            raise click.ClickException("A user with this email address already exists") from None
        click.echo(f"Created {user.role} {user.email}")

    app.cli.add_command(users_group)

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load demo plans for the five pathfinder forces (never in production)."""
        if app.config.get("PRODUCTION"):
            raise click.ClickException(
                "seed-demo is refused in production: the demo accounts share a published password"
            )
        try:
            result = demo.seed(db.session)
            db.session.commit()
        except (ServiceError, ValueError) as error:
            db.session.rollback()
            message = error.message if isinstance(error, ServiceError) else str(error)
            raise click.ClickException(f"The demo data could not be loaded: {message}") from None
        except IntegrityError:
            db.session.rollback()
            raise click.ClickException(
                "The demo data could not be loaded: it clashes with existing data (is another seed-demo running?)"
            ) from None
        counts = result.counts
        if result.created:
            click.echo(
                f"Demo data loaded: {counts['forces']} forces, {counts['findings']} findings, "
                f"{counts['actions']} actions, {counts['milestones']} milestones, "
                f"{counts['progress_updates']} progress updates."
            )
        else:
            click.echo("Demo data already present: nothing added.")
        click.echo("")
        click.echo(_sign_in_table(result.accounts, result.password))
