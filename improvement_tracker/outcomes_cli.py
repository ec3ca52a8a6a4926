"""`flask --app wsgi outcomes import FILE [--dry-run] [--reason TEXT]`.

The same checks as the upload page (services.outcome_import). The report goes to standard output;
any problem ends the command with a non-zero exit status and nothing written. Revising published
figures needs ``--reason``. The figures are recorded in each force's history as saved by "The
service", as other commands' changes are.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from improvement_tracker.extensions import db
from improvement_tracker.services import clock, outcome_import
from improvement_tracker.services.imports.workbook import MAX_FILE_BYTES, MAX_FILE_LABEL
from improvement_tracker.services.inputs import has_control_characters


def register(app: Flask) -> None:
    group = AppGroup("outcomes", help="Outcome figures.")

    @group.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check the file and print the report; write nothing.")
    @click.option("--reason", metavar="TEXT",
                  help="Why published figures are revised (needed when the file changes any).")
    def import_figures(file: Path, dry_run: bool, reason: str | None) -> None:
        """Load outcome figures for many forces from a CSV or XLSX file: everything or nothing."""
        if reason is not None and has_control_characters(reason):
            raise click.ClickException("--reason must not include control characters")
        if file.stat().st_size > MAX_FILE_BYTES:
            raise click.ClickException(f"The file must be smaller than {MAX_FILE_LABEL}: nothing was imported")
        today = clock.today()
        report = outcome_import.check(db.session, file.read_bytes(), file.name, today)
        for line in outcome_import.report_lines(report):
            click.echo(line)
        if not report.ok:
            db.session.rollback()
            count = len(report.errors) or 1
            raise click.ClickException(f"{count} problem{'s' if count != 1 else ''} found: nothing was imported")
        if problem := outcome_import.reason_problem(report, reason):
            db.session.rollback()
            raise click.ClickException(f"{problem} with --reason: nothing was imported")
        if dry_run:
            db.session.rollback()
            click.echo(f"Dry run: nothing was written. Without --dry-run this would load {report.summary()}.")
            return
        try:
            outcome_import.apply(db.session, report, None, today, reason)
            db.session.commit()
        except outcome_import.ImportFailed as failure:
            db.session.rollback()
            raise click.ClickException(f"{failure.message}: nothing was imported") from None
        except (IntegrityError, StaleDataError):
            db.session.rollback()
            raise click.ClickException("Figures were saved by someone else during the import: nothing was "
                                       "imported. Run the command again") from None
        except BaseException:
            db.session.rollback()
            raise
        click.echo(f"Imported {report.filename}: {report.summary()}.")

    app.cli.add_command(group)
