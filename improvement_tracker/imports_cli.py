"""`flask --app wsgi plans import FILE --force CODE [--dry-run] [--create-owners] [--as EMAIL]`.

The same checks as the upload page. The report goes to standard output; any problem ends
the command with a non-zero exit status and nothing written. Without ``--as`` the import is
recorded in the audit trail as made by "System", like other commands.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.models import Force, User
from improvement_tracker.services import imports
from improvement_tracker.services.imports.workbook import MAX_FILE_BYTES, MAX_FILE_LABEL


def _actor(email: str | None, force: Force) -> User | None:
    if not email:
        return None
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active or not security.can_manage_plan(user, force.id):
        raise click.ClickException(f"--as must be an active administrator or a programme manager of {force.name}")
    return user


def register(app: Flask) -> None:
    group = AppGroup("plans", help="Manage force improvement plans.")

    @group.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
    @click.option("--force", "force_code", required=True, metavar="CODE",
                  help="The force's code, like avon-and-somerset.")
    @click.option("--dry-run", is_flag=True, help="Check the file and print the report; write nothing.")
    @click.option("--create-owners", is_flag=True,
                  help="Add owner emails that are not users yet as action owners of the force "
                       "(with a password nobody knows: an administrator must set one).")
    @click.option("--as", "as_email", metavar="EMAIL",
                  help="Record the import as made by this administrator or programme manager.")
    def import_plan(file: Path, force_code: str, dry_run: bool, create_owners: bool, as_email: str | None) -> None:
        """Import a plan from an XLSX or CSV spreadsheet: everything or nothing."""
        force = db.session.scalar(select(Force).where(Force.code == force_code))
        if force is None:
            raise click.ClickException(f"Unknown force: {force_code}")
        actor = _actor(as_email, force)
        if file.stat().st_size > MAX_FILE_BYTES:
            raise click.ClickException(f"The file must be smaller than {MAX_FILE_LABEL}: nothing was imported")
        report = imports.check(db.session, force, file.read_bytes(), file.name, actor=actor)
        if report.new_owners and not create_owners and report.ok:
            report.errors.append(imports.Problem(
                "", None, "", "", f"{len(report.new_owners)} owner email(s) are not users yet: add --create-owners "
                "to add them as action owners, or change the emails in the spreadsheet"))
        for line in imports.report_lines(report, force):
            click.echo(line)
        if not report.ok:
            db.session.rollback()
            raise click.ClickException(f"{len(report.errors)} problem(s) found: nothing was imported")
        if dry_run:
            db.session.rollback()
            click.echo(f"Dry run: nothing was written. Without --dry-run this would do: {report.summary()}.")
            return
        try:
            imports.apply(db.session, force, report, actor=actor, create_owners=create_owners)
            db.session.commit()
        except imports.ImportFailed as failure:
            db.session.rollback()
            raise click.ClickException(f"{failure.problem}: nothing was imported") from None
        except IntegrityError:
            db.session.rollback()
            raise click.ClickException("The plan was changed by someone else during the import: nothing was "
                                       "imported. Run the command again") from None
        except BaseException:
            db.session.rollback()
            raise
        click.echo(f"Imported {report.filename}: {report.summary()}.")

    app.cli.add_command(group)
