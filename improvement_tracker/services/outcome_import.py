"""Loading outcome figures for many forces from one file: check, preview, then apply all or nothing.

The journey: ``check`` (``outcome_import_check``) reads the file and checks every row against the
forces, the catalogue and the figures stored, and returns a report — what each row would set, which
published quarters it would revise, and every problem by row and column — writing nothing.
``apply`` writes a clean report force by force and quarter by quarter through
``outcomes.save_quarter`` and ``outcomes.save_baseline``, the same rules and history as the
figures page (one audit event per force and quarter). The caller commits once, or rolls back.
Between the preview and the confirmation the file is kept by ``services.imports.staging``.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from improvement_tracker.models import Force, User
from improvement_tracker.services import outcomes, reporting_periods
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.outcome_import_check import (
    BASELINE,
    BASELINE_LABEL,
    COLUMNS,
    MAX_ROWS,
    Figure,
    OutcomeImportReport,
    Problem,
    check,
    parse_quarter,
)

__all__ = ["BASELINE", "BASELINE_LABEL", "MAX_ROWS", "Figure", "ImportFailed", "OutcomeImportReport", "Problem",
           "apply", "check", "parse_quarter", "reason_problem", "report_lines", "shown", "template_csv"]

REASON_LIMIT = 2000
# The template's example figures: plausible for one force's quarter, each part within its whole.
EXAMPLES = {"recorded_offences": "250", "referrals": "60", "charges": "12", "outcomes_assigned": "240",
            "victim_withdrawals": "95", "median_days_to_charge": "412.5", "phones_taken": "40",
            "phones_returned_24h": "31"}
EXAMPLE_FORCE = "avon-and-somerset"


class ImportFailed(Exception):
    """Writing the figures met a problem the checks did not see (someone saved figures meanwhile)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


def reason_problem(report: OutcomeImportReport, reason: str | None) -> str | None:
    """Why the figures cannot be written with this reason: revising published figures needs one."""
    if report.revisions and not (reason or "").strip():
        return f"Give a reason for revising published figures ({_quarters(report.revisions)})"
    if len((reason or "").strip()) > REASON_LIMIT:
        return f"The reason must be {REASON_LIMIT:,} characters or fewer"
    return None


def _quarters(revisions: list[tuple[str, str]]) -> str:
    listed = ", ".join(f"{force} {quarter}" for force, quarter in revisions[:3])
    return listed + (f" and {len(revisions) - 3} more" if len(revisions) > 3 else "")


def apply(session: Session, report: OutcomeImportReport, actor: User | None, today: date,
          reason: str | None = None) -> int:
    """Write every force's figures for every quarter in the report; return how many force-quarters
    changed. A quarter's period is created if it is not stored yet. Raises ImportFailed, and the
    caller rolls back, if anything cannot be written: then nothing is."""
    if not report.ok:
        raise ImportFailed(f"{len(report.errors) or 1} problem(s) in the file: nothing was imported")
    if problem := reason_problem(report, reason):
        raise ImportFailed(problem, "reason")
    reason = (reason or "").strip()
    revised = set(report.revisions)
    saved = 0
    for (force_id, quarter), figures in report.groups().items():
        if all(f.op == "unchanged" for f in figures):
            continue
        force = session.get(Force, force_id)
        typed: dict[str, Decimal | None] = {f.measure_code: f.new for f in figures}
        label = figures[0].quarter_label
        try:
            if quarter is None:
                outcomes.save_baseline(session, force, typed, actor)
            else:
                period = reporting_periods.make(session, quarter.financial_year, quarter.quarter)
                outcomes.save_quarter(session, force, period, typed, actor, today,
                                      reason=reason if (force.name, label) in revised else None)
        except ServiceError as error:
            raise ImportFailed(f"{force.name}, {label}: {error.message}. Someone may have saved figures while "
                               "you were checking the file: check it again") from None
        saved += 1
    return saved


def template_csv(session: Session, today: date) -> bytes:
    """A blank file to fill in: the headings and one example row per typed measure, for the last ended
    quarter. UTF-8 with a byte-order mark, so Excel opens it with its accents intact."""
    latest = reporting_periods.quarter_of(today).preceding
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS.values())
    for measure in outcomes.catalogue(session):
        if not outcomes.is_derived(measure):
            writer.writerow([EXAMPLE_FORCE, reporting_periods.label(latest), measure.code,
                             EXAMPLES.get(measure.code, "0")])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def report_lines(report: OutcomeImportReport) -> list[str]:
    """The report as the command line prints it."""
    lines = [f"Checked {report.filename} ({report.size:,} bytes, SHA-256 {report.sha256})"]
    if report.refused:
        lines.append(report.refused)
        return lines
    if report.sheet:
        lines.append(f"Read {report.rows_read:,} row{'s' if report.rows_read != 1 else ''} from {report.sheet}")
    if report.ok:
        c = report.counts()
        lines.append(f"Figures for {c['forces']} force{'s' if c['forces'] != 1 else ''} and {c['quarters']} "
                     f"quarter{'s' if c['quarters'] != 1 else ''}: {c['new']:,} new, {c['changed']:,} changed, "
                     f"{c['unchanged']:,} unchanged")
        for figure in report.figures:
            if figure.op == "changed":
                lines.append(f"  {figure.force_name}, {figure.quarter_label}, {figure.measure_name}: "
                             f"{shown(figure.old)} -> {shown(figure.new)}")
        if report.revisions:
            lines.append(f"Revises published figures of {len(report.revisions)} force-quarter(s): "
                         + "; ".join(f"{force} {quarter}" for force, quarter in report.revisions))
    if report.errors:
        lines.append(f"Problems ({len(report.errors)}):")
        lines += [f"  {problem}" for problem in report.errors]
    return lines


def shown(value: Decimal | None) -> str:
    """A figure as people write it: 9, not 9.0; 1,234; 12.5."""
    if value is None:
        return "(none)"
    value = Decimal(value).normalize()
    return f"{value:,f}"
