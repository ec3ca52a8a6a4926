"""Reading and checking a file of outcome figures for many forces, writing nothing (docs/outcomes.md).

The file has a header row naming four columns — force code, quarter, measure, value — and then one
figure a row. Every problem is found before anything is written and named by its row and column,
so the preview can list them all at once; ``services.outcome_import`` applies a clean report.
The file itself is opened by the plan import's ``workbook`` (the same refusals: macros,
passwords, old formats, zip bombs, files over the limit, CSV that is not UTF-8).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker.models import Force, OutcomeBaseline, OutcomeFigure, OutcomeMeasure, ReportingPeriod
from improvement_tracker.services import outcome_rules, outcomes, reporting_periods
from improvement_tracker.services.imports.cells import ERROR_VALUES, cell_text, is_formula_object, looks_like_formula
from improvement_tracker.services.imports.staging import display_name
from improvement_tracker.services.imports.workbook import BLANK_RUN_LIMIT, FileRefused, column_letter, open_workbook
from improvement_tracker.services.inputs import has_control_characters
from improvement_tracker.services.reporting_periods import Quarter

# 43 forces × 12 quarters × 8 typed measures and their baselines is about 4,500 rows: room for three years.
MAX_ROWS = 15_000
COLUMNS = {"force_code": "force code", "quarter": "quarter", "measure": "measure", "value": "value"}
# Other headings people give the same columns.
ALIASES = {"force": "force_code", "measure code": "measure", "figure": "value", "period": "quarter"}
BASELINE = "baseline"
BASELINE_LABEL = "2019 baseline"
_LABEL = re.compile(r"q\s*([1-4])\s+(\d{4})\s*[-/–]\s*(\d{2})")


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str  # the column letter, or "" for the whole row or the file
    heading: str
    message: str

    @property
    def place(self) -> str:
        parts = [f"Row {self.row}"] if self.row else []
        if self.column:
            parts.append(f"column {self.column} ({self.heading})")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else self.message


@dataclass(frozen=True)
class Figure:
    """One row of the file that checked: what it sets, and what is stored now."""

    row: int
    force_id: int
    force_name: str
    quarter: Quarter | None  # None: the force's 2019 baseline
    measure_code: str
    measure_name: str
    old: Decimal | None
    new: Decimal

    @property
    def quarter_label(self) -> str:
        return BASELINE_LABEL if self.quarter is None else reporting_periods.label(self.quarter)

    @property
    def op(self) -> str:
        if self.old is None:
            return "new"
        return "unchanged" if Decimal(self.old) == self.new else "changed"

    @property
    def group(self) -> tuple[int, Quarter | None]:
        return self.force_id, self.quarter


@dataclass
class OutcomeImportReport:
    filename: str
    sha256: str
    size: int
    sheet: str = ""
    rows_read: int = 0
    errors: list[Problem] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    # (force, quarter) whose published figures the file changes or removes: a reason is needed.
    revisions: list[tuple[str, str]] = field(default_factory=list)
    refused: str | None = None

    @property
    def ok(self) -> bool:
        return self.refused is None and not self.errors

    @property
    def changing(self) -> list[Figure]:
        return [f for f in self.figures if f.op != "unchanged"]

    def counts(self) -> dict[str, int]:
        tally = dict.fromkeys(("new", "changed", "unchanged"), 0)
        for figure in self.figures:
            tally[figure.op] += 1
        tally["forces"] = len({f.force_id for f in self.figures})
        tally["quarters"] = len({f.quarter for f in self.figures})
        return tally

    def groups(self) -> dict[tuple[int, Quarter | None], list[Figure]]:
        """The figures by force and quarter (the baseline a quarter of its own), in the file's order."""
        grouped: dict[tuple[int, Quarter | None], list[Figure]] = {}
        for figure in self.figures:
            grouped.setdefault(figure.group, []).append(figure)
        return grouped

    @property
    def digest(self) -> str:
        """What confirming would do: if it differs at the confirmation, the preview is shown again."""
        body = json.dumps({"sha256": self.sha256, "revisions": self.revisions, "figures": [
            (f.force_id, f.quarter_label, f.measure_code, str(f.old), str(f.new)) for f in self.figures]})
        return hashlib.sha256(body.encode()).hexdigest()

    def summary(self) -> str:
        c = self.counts()
        return (f"{c['new']:,} new, {c['changed']:,} changed and {c['unchanged']:,} unchanged figures for "
                f"{c['forces']} force{'s' if c['forces'] != 1 else ''}")


# --- reading ----------------------------------------------------------------------------

def heading_key(value: Any) -> str:
    """Headings match whatever their case, and spaces and underscores are the same."""
    return re.sub(r"[\s_]+", " ", (cell_text(value) or "").casefold()).strip()


@dataclass
class _Sheet:
    name: str
    columns: dict[str, int]  # column key -> 1-based index
    rows: list[tuple[int, tuple]]

    def cell(self, values: tuple, key: str) -> Any:
        index = self.columns[key] - 1
        return values[index] if index < len(values) else None

    def letter(self, key: str) -> str:
        return column_letter(self.columns[key])


def _read(data: bytes, filename: str, errors: list[Problem]) -> _Sheet | None:
    """The file's first visible sheet: its headings and its rows; None after a problem with the headings."""
    with open_workbook(data, filename) as book:
        visible = [s for s in book.sheets if not s.hidden]
        if not visible:
            raise FileRefused("The workbook has no sheet to read: unhide the sheet of figures and upload it again")
        source = visible[0]
        rows = source.rows()
        header = next(((n, v) for n, v in rows if any(cell_text(c) for c in v)), None)
        if header is None:
            raise FileRefused("The file has no rows: put the headings force code, quarter, measure and value in "
                              "the first row and a figure on each row below")
        number, values = header
        columns = _columns(number, values, errors)
        if columns is None:
            return None
        kept: list[tuple[int, tuple]] = []
        blank_run = 0
        for number, values in rows:
            if not any(cell_text(c) for c in values):
                blank_run += 1
                if blank_run >= BLANK_RUN_LIMIT:
                    break
                continue
            blank_run = 0
            if len(kept) == MAX_ROWS:
                raise FileRefused(f"The file has more than {MAX_ROWS:,} rows of figures: split it into smaller files")
            kept.append((number, values))
        return _Sheet(source.name, columns, kept)


def _columns(number: int, values: tuple, errors: list[Problem]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    lookup = {heading: key for key, heading in COLUMNS.items()} | ALIASES
    clean = True
    for index, value in enumerate(values, start=1):
        key = lookup.get(heading_key(value))
        if key is None:
            continue
        if key in found:
            errors.append(Problem(number, column_letter(index), COLUMNS[key],
                                  f"There are two {COLUMNS[key]} columns: keep one"))
            clean = False
        found.setdefault(key, index)
    missing = [heading for key, heading in COLUMNS.items() if key not in found]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        errors.append(Problem(number, "", "", "The first row must be the headings force code, quarter, measure and "
                                              f"value: {' and '.join(missing)} {verb} missing"))
        clean = False
    return found if clean else None


# --- checking ---------------------------------------------------------------------------

def parse_quarter(text: str) -> Quarter | None | str:
    """A quarter as the file may write it: "Q2 2026-27", "2026-27-q2", or "baseline" (returned as is)."""
    lowered = " ".join(text.casefold().split())
    if lowered in (BASELINE, BASELINE_LABEL, "2019 quarterly average"):
        return BASELINE
    if quarter := reporting_periods.parse_slug(lowered):
        return quarter
    if match := _LABEL.fullmatch(lowered):
        quarter = Quarter(int(match.group(2)), int(match.group(1)))
        if f"{(quarter.financial_year + 1) % 100:02d}" == match.group(3):
            return quarter
    return None


class _Checker:
    def __init__(self, session: Session, sheet: _Sheet, report: OutcomeImportReport, today: date):
        self.session, self.sheet, self.report, self.today = session, sheet, report, today
        self.forces = {f.code.casefold(): f for f in session.scalars(select(Force))}
        self.measures = outcomes.catalogue(session)
        self.measure_by_code = {m.code: m for m in self.measures}
        self.periods = {(p.financial_year, p.quarter): p for p in session.scalars(select(ReportingPeriod))}
        self.quarter_problems: dict[Quarter, str | None] = {}

    def problem(self, number: int, key: str, message: str) -> None:
        self.report.errors.append(Problem(number, self.sheet.letter(key), COLUMNS[key], message))

    def text(self, number: int, values: tuple, key: str, missing: str) -> str | None:
        """The cell's text, or None after reporting a blank cell, a formula, a control character or an error."""
        raw = self.sheet.cell(values, key)
        text = cell_text(raw)
        if text is None:
            self.problem(number, key, missing)
        elif is_formula_object(raw) or text[0] in "=@" or (looks_like_formula(text) and not _signed_number(text)):
            shown = text if len(text) <= 40 else text[:37] + "..."
            self.problem(number, key, f"This cell holds a formula or starts like one ({shown}): type the value "
                                      "itself, without a leading =, +, - or @")
        elif has_control_characters(text):
            self.problem(number, key, "This cell holds hidden control characters (they can come from text copied "
                                      "from another system): retype the value")
        elif text.upper() in ERROR_VALUES:
            self.problem(number, key, f"This cell shows a spreadsheet error ({text}): type the value itself")
        else:
            return text
        return None

    def force(self, number: int, values: tuple) -> Force | None:
        text = self.text(number, values, "force_code", "Enter the force code, like avon-and-somerset")
        if text is None:
            return None
        found = self.forces.get(text.casefold())
        if found is None:
            self.problem(number, "force_code", f"'{text}' is not a force code: use the codes in the template, "
                                               "like avon-and-somerset")
        return found

    def quarter(self, number: int, values: tuple) -> Quarter | str | None:
        text = self.text(number, values, "quarter", "Enter the quarter, like Q2 2026-27, or baseline")
        if text is None:
            return None
        quarter = parse_quarter(text)
        if quarter is None:
            self.problem(number, "quarter", f"'{text}' is not a quarter: write it like Q2 2026-27 or 2026-27-q2, "
                                            "or baseline for the 2019 quarterly average")
            return None
        if quarter == BASELINE:
            return quarter
        if quarter not in self.quarter_problems:
            self.quarter_problems[quarter] = outcomes.quarter_problem(self.period(quarter), self.today)
        if problem := self.quarter_problems[quarter]:
            self.problem(number, "quarter", problem)
            return None
        return quarter

    def period(self, quarter: Quarter) -> ReportingPeriod:
        """The stored period, or one not stored yet (made when the figures are written) with its default dates."""
        found = self.periods.get((quarter.financial_year, quarter.quarter))
        if found is None:
            found = ReportingPeriod(financial_year=quarter.financial_year, quarter=quarter.quarter,
                                    starts_on=quarter.starts_on, ends_on=quarter.ends_on,
                                    returns_due_on=reporting_periods.default_due_date(quarter.ends_on))
        return found

    def measure(self, number: int, values: tuple) -> OutcomeMeasure | None:
        text = self.text(number, values, "measure", "Enter the measure code, like charges")
        if text is None:
            return None
        measure = self.measure_by_code.get(re.sub(r"[\s\-]+", "_", text.casefold()))
        if measure is None:
            typed = ", ".join(m.code for m in self.measures if not outcomes.is_derived(m))
            self.problem(number, "measure", f"'{text}' is not a measure code: use one of {typed}")
        elif outcomes.is_derived(measure):
            self.problem(number, "measure", f"{measure.name} is worked out from its parts: give the parts instead")
            return None
        return measure

    def value(self, number: int, values: tuple, measure: OutcomeMeasure | None) -> Decimal | None:
        raw = self.sheet.cell(values, "value")
        if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
            value = _number(raw)
        else:
            text = self.text(number, values, "value", "Enter the figure: a blank is not read as nought (leave the "
                                                      "row out to keep the figure that is stored)")
            if text is None:
                return None
            try:
                value = outcome_rules.parse(text.removeprefix("-"))
            except ValueError:
                value = None
            if value is not None and text.startswith("-") and value != 0:
                value = -value  # refused below as a negative figure, not as "not a number"
        if value is None:
            self.problem(number, "value", f"'{cell_text(raw)}' is not a number: write digits only, like 1,234 or "
                                          "12.5")
            return None
        if measure is not None and (problem := outcome_rules.typed_problem(measure.unit, False, value)):
            self.problem(number, "value", f"{measure.name} {problem}")
            return None
        return value


def _signed_number(text: str) -> bool:
    """"-5" is a negative number (refused as one), not a formula."""
    return text.startswith("-") and outcome_rules.NUMBER.fullmatch(text[1:]) is not None


def _number(raw: int | float | Decimal) -> Decimal | None:
    """A number cell's value; None for what is not a finite number."""
    try:
        value = Decimal(str(raw))
    except InvalidOperation:  # pragma: no cover - openpyxl gives only finite numbers
        return None
    return value if value.is_finite() else None


def check(session: Session, data: bytes, filename: str, today: date) -> OutcomeImportReport:
    """Every row of the file checked against the forces, the catalogue and what is stored; nothing written."""
    report = OutcomeImportReport(filename=display_name(filename), sha256=hashlib.sha256(data).hexdigest(),
                                 size=len(data))
    try:
        sheet = _read(data, filename, report.errors)
    except FileRefused as refusal:
        report.refused = refusal.message
        return report
    if sheet is None:
        return report
    report.sheet, report.rows_read = sheet.name, len(sheet.rows)
    checker = _Checker(session, sheet, report, today)
    accepted: list[tuple[int, Force, Quarter | None, OutcomeMeasure, Decimal]] = []
    first_row: dict[tuple[int, Any, str], int] = {}
    for number, values in sheet.rows:
        force, quarter = checker.force(number, values), checker.quarter(number, values)
        measure = checker.measure(number, values)
        value = checker.value(number, values, measure)
        if force is None or quarter is None or measure is None:
            continue
        key = (force.id, quarter, measure.code)
        if key in first_row:
            label = BASELINE_LABEL if quarter == BASELINE else reporting_periods.label(quarter)
            checker.problem(number, "measure", f"{force.name}, {label}, {measure.code} is also on row "
                                              f"{first_row[key]}: give each figure once")
            continue
        first_row[key] = number
        if value is not None:
            accepted.append((number, force, None if quarter == BASELINE else quarter, measure, value))
    _compare(session, checker, accepted)
    return report


def _compare(session: Session, checker: _Checker, accepted: list) -> None:
    """Each force and quarter's figures as they will stand: a part over its whole is a problem; what is
    stored now is each figure's old value; a published quarter's figures changed need a reason."""
    report, today = checker.report, checker.today
    force_ids = {force.id for _, force, _, _, _ in accepted}
    stored: dict[tuple[int, Quarter | None], dict[str, Decimal | None]] = defaultdict(dict)
    if force_ids:
        quarters = {q for _, _, q, _, _ in accepted if q is not None}
        period_ids = {p.id: Quarter(p.financial_year, p.quarter) for key, p in checker.periods.items()
                      if Quarter(*key) in quarters}
        for figure in session.scalars(select(OutcomeFigure).where(
                OutcomeFigure.force_id.in_(force_ids), OutcomeFigure.period_id.in_(period_ids))):
            stored[(figure.force_id, period_ids[figure.period_id])][figure.measure.code] = figure.value
        for baseline in session.scalars(select(OutcomeBaseline).where(OutcomeBaseline.force_id.in_(force_ids))):
            stored[(baseline.force_id, None)][baseline.measure.code] = baseline.value
    groups: dict[tuple[int, Quarter | None], list] = {}
    for entry in accepted:
        groups.setdefault((entry[1].id, entry[2]), []).append(entry)
    for (force_id, quarter), entries in groups.items():
        force = entries[0][1]
        label = BASELINE_LABEL if quarter is None else reporting_periods.label(quarter)
        typed = {measure.code: value for _, _, _, measure, value in entries}
        rows = {measure.code: number for number, _, _, measure, _ in entries}
        standing = stored[(force_id, quarter)]
        found = outcomes.problems(checker.measures, typed, standing)
        for code, message in found.items():
            checker.problem(rows.get(code, entries[0][0]), "value", f"{force.name}, {label}: {message}")
        if found:
            continue
        if quarter is not None and outcomes.reason_needed(checker.period(quarter), today, standing, typed):
            report.revisions.append((force.name, label))
        report.figures += [Figure(number, force_id, force.name, quarter, measure.code, measure.name,
                                  standing.get(measure.code), value)
                           for number, _, _, measure, value in entries]
    report.errors.sort(key=lambda p: (p.row or 0, p.column))
