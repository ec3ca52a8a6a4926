"""`flask --app wsgi outcomes import FILE [--dry-run] [--reason TEXT]`."""

from __future__ import annotations

import contextvars
import csv
import io
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent
from improvement_tracker.services import clock, outcomes, reporting_periods
from tests import factories

LATEST = reporting_periods.quarter_of(clock.today()).preceding  # ended and published
LABEL = reporting_periods.label(LATEST)


def invoke(app: Flask, *args: str) -> Result:
    """Run the command as `flask` would: in its own app context (see tests/test_cli.py)."""
    return contextvars.Context().run(app.test_cli_runner().invoke, args=["outcomes", "import", *args])


def figures_file(tmp_path: Path, rows: list[list[str]], name: str = "figures.csv") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["force code", "quarter", "measure", "value"], *rows])
    path = tmp_path / name
    path.write_text(buffer.getvalue())
    return path


def counts() -> tuple[int, int, int]:
    with db.engine.connect() as connection:
        return tuple(connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
                     for name in ("outcome_figures", "outcome_baselines", "audit_events"))


def test_dry_run_prints_the_report_and_writes_nothing(app, tmp_path):
    path = figures_file(tmp_path, [["durham", LABEL, "charges", "9"], ["durham", "baseline", "charges", "4"]])
    before = counts()
    result = invoke(app, str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Checked figures.csv (")
    assert "Figures for 1 force and 2 quarters: 2 new, 0 changed, 0 unchanged" in lines
    assert lines[-1] == ("Dry run: nothing was written. Without --dry-run this would load 2 new, 0 changed and "
                         "0 unchanged figures for 1 force.")
    assert counts() == before


def test_import_writes_every_figure_with_one_event_per_force_and_quarter(app, tmp_path):
    path = figures_file(tmp_path, [["durham", LABEL, "charges", "9"], ["durham", LABEL, "referrals", "30"],
                                   ["gwent", LABEL, "charges", "2"]])
    result = invoke(app, str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == ("Imported figures.csv: 3 new, 0 changed and 0 unchanged figures for "
                                              "2 forces.")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "outcomes.figures_saved")).all()
    assert sorted((e.force_id, e.actor_id, len(e.changes)) for e in events) == [
        (factories.force("durham").id, None, 2), (factories.force("gwent").id, None, 1)]

    again = invoke(app, str(path))
    assert again.exit_code == 0, again.output
    assert "Figures for 2 forces and 1 quarter: 0 new, 0 changed, 3 unchanged" in again.stdout


def test_revising_published_figures_needs_a_reason(app, tmp_path):
    period = reporting_periods.make(db.session, LATEST.financial_year, LATEST.quarter)
    outcomes.save_quarter(db.session, factories.force("durham"), period, {"charges": Decimal(9)}, None, clock.today())
    db.session.commit()
    path = figures_file(tmp_path, [["durham", LABEL, "charges", "11"]])
    before = counts()
    refused = invoke(app, str(path))
    assert refused.exit_code == 1
    assert f"  Durham, {LABEL}, Charges or summons: 9 -> 11" in refused.stdout
    assert f"Error: Give a reason for revising published figures (Durham {LABEL}) with --reason: nothing was " \
           "imported" in refused.stderr
    assert counts() == before

    result = invoke(app, str(path), "--reason", "Corrected after an audit")
    assert result.exit_code == 0, result.output
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "outcomes.figures_saved")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.changes == {"charges": ["9", "11"], "reason": [None, "Corrected after an audit"]}


def test_any_problem_writes_nothing_and_exits_non_zero(app, tmp_path):
    path = figures_file(tmp_path, [["durham", LABEL, "charges", "9"], ["durham", LABEL, "charge_rate", "4.5"],
                                   ["durham", LABEL, "referrals", "lots"]])
    before = counts()
    result = invoke(app, str(path))
    assert result.exit_code == 1
    assert "  Row 3, column C (measure): Charge or summons rate is worked out from its parts: give the parts " \
           "instead" in result.stdout.splitlines()
    assert "  Row 4, column D (value): 'lots' is not a number: write digits only, like 1,234 or 12.5" in \
           result.stdout.splitlines()
    assert "Error: 2 problems found: nothing was imported" in result.stderr
    assert counts() == before


def test_files_and_options_that_cannot_be_used_are_refused(app, tmp_path):
    pdf = tmp_path / "figures.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    result = invoke(app, str(pdf))
    assert result.exit_code == 1 and "The selected file must be an XLSX or CSV spreadsheet" in result.stdout
    path = figures_file(tmp_path, [["durham", LABEL, "charges", "9"]])
    result = invoke(app, str(path), "--reason", "bad\x00reason")
    assert result.exit_code == 1 and "--reason must not include control characters" in result.stderr
    big = tmp_path / "big.csv"
    big.write_bytes(b"a" * (5 * 1024 * 1024 + 1))
    result = invoke(app, str(big))
    assert result.exit_code == 1 and "The file must be smaller than 5 MB" in result.stderr
    assert counts()[:2] == (0, 0)
