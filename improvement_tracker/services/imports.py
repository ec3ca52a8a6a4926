"""Importing a force's improvement plan from a spreadsheet: all or nothing, previewed first.

The journey: ``read`` turns the file into rows (``import_reader`` refuses what must not be
opened); ``check`` compares every row with the force's plan and returns an ``ImportReport``
— what would be created or updated, and every problem by sheet, row and column — without
writing anything; ``apply`` writes a clean report through the same services the pages use
(so imported rows obey the same rules and leave the same audit events) and records one
``plan.imported`` event with the file's SHA-256. The caller commits once, or rolls back.

Rules an import keeps:
- Rows are matched to the plan by reference (deep dives by title, milestones by their action
  and title), case-insensitively: a second import updates them instead of duplicating them.
- Nothing is deleted, and a blank cell leaves the current value alone.
- Status and completion of things already in the plan belong to the people doing the work
  (and to four-eyes sign-off): an import sets them only on what it creates.
- An owner email that is not a user anywhere can become a new action owner when the person
  importing confirms it; one that belongs to another force, or to a deactivated account, is
  an error.

``store``/``load``/``claim`` keep an uploaded file under ``instance/imports/<key>`` between
the preview and the confirmation, tied to the user and the force, with its SHA-256.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from improvement_tracker.models import Action, DeepDive, Finding, Force, Pillar, ProgressUpdate, User
from improvement_tracker.models._types import utcnow
from improvement_tracker.models.plans import CLOSED_STATUSES, FINDING_TYPES, PRIORITIES, STATUSES
from improvement_tracker.services import audit, clock, milestones, plans, users
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.import_reader import (
    BLANK_RUN_LIMIT,
    MAX_ROWS,
    FileRefused,
    SheetSource,
    Workbook,
    column_letter,
    open_workbook,
)
from improvement_tracker.services.plans import FINDING_TYPE_LABELS, PRIORITY_LABELS
from improvement_tracker.services.status import STATUS_LABELS

HEADER_SEARCH_ROWS = 20
NEWLINE_FIELDS = {"summary", "detail", "description", "success_measure", "status_reason"}


# --- the columns of each sheet ----------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    note: str
    required: bool = False  # the column must be present and every row must fill it
    kind: str = "text"  # text, date, email, pillar, type, priority, status
    max_length: int | None = None
    aliases: tuple[str, ...] = ()
    width: int = 18
    missing: str = ""  # the message for an empty required cell, when "Enter a <heading>" reads badly


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    title: str
    noun: str
    columns: tuple[Column, ...]
    sheet_names: tuple[str, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def required_keys(self) -> set[str]:
        return {c.key for c in self.columns if c.required}


def _date_column(key: str, heading: str, note: str, aliases: tuple[str, ...] = ()) -> Column:
    return Column(key, heading, note, kind="date", aliases=aliases, width=14)


DEEP_DIVES = SheetSpec("deep_dives", "Deep dives", "deep dive", (
    Column("title", "Title", "Required. The deep dive's name, like Operation Soteria deep dive. "
           "Findings name it in their Deep dive column.", required=True, max_length=200,
           aliases=("deep dive", "deep dive title", "name"), width=40),
    Column("period", "Period", "Required. When it ran, like January to June 2022.", required=True,
           max_length=100, aliases=("dates", "when"), width=24),
    Column("lead", "Lead", "Required. The academic team or person who led it.", required=True,
           max_length=200, aliases=("led by", "deep dive lead"), width=30),
    Column("summary", "Summary", "Optional.", max_length=10000, aliases=("description",), width=60),
), ("deep dives", "deep dive", "deepdives"))

FINDINGS = SheetSpec("findings", "Findings", "finding", (
    Column("reference", "Reference", "Required. Unique in your force, like AS-P1-03. A finding with this "
           "reference already in your plan is updated.", required=True, max_length=40,
           aliases=("ref", "finding reference", "finding ref", "id"), width=14),
    Column("deep_dive", "Deep dive", "Required. The title of a deep dive on the Deep dives sheet or "
           "already in your plan.", required=True, max_length=200, aliases=("deep dive title", "source"),
           width=30),
    Column("pillar", "Pillar", "Required. P1 to P6.", required=True, kind="pillar",
           aliases=("nom pillar", "pillar code"), width=10),
    Column("type", "Type", "Required. Cause of concern, Recommendation, Area for improvement or "
           "Promising practice.", required=True, kind="type", aliases=("finding type", "category"), width=24),
    Column("title", "Title", "Required. 200 characters or fewer.", required=True, max_length=200,
           aliases=("finding", "finding title"), width=50),
    Column("detail", "Detail", "Optional.", max_length=10000, aliases=("details", "description"), width=60),
    Column("priority", "Priority", "Optional. High, Medium or Low (Medium if blank).", kind="priority",
           width=10),
), ("findings", "finding"))

ACTIONS = SheetSpec("actions", "Actions", "action", (
    Column("reference", "Reference", "Required. Unique in your force, like AS-P1-03-A. An action with this "
           "reference already in your plan is updated.", required=True, max_length=40,
           aliases=("ref", "action reference", "action ref", "action id", "id"), width=14),
    Column("finding", "Finding", "Optional. The reference of the finding this action answers, on the "
           "Findings sheet or already in your plan.", max_length=40,
           aliases=("finding reference", "finding ref"), width=14),
    Column("pillar", "Pillar", "Required unless the action has a finding (it then takes the finding's "
           "pillar). P1 to P6.", kind="pillar", aliases=("nom pillar", "pillar code"), width=10),
    Column("title", "Title", "Required. 200 characters or fewer.", required=True, max_length=200,
           aliases=("action", "action title"), width=50),
    Column("description", "Description", "Optional. What will be done.", max_length=10000,
           aliases=("what will be done", "detail", "details"), width=50),
    Column("success_measure", "Success measure", "Optional. What done looks like.", max_length=5000,
           aliases=("what done looks like", "measure of success", "success criteria"), width=40),
    Column("owner_email", "Owner email", "Required. The owner's email address. Someone who is not yet a "
           "user can be added as an action owner when you confirm the import.", required=True,
           kind="email", max_length=254,
           aliases=("owner", "owner e mail", "action owner", "action owner email", "email"), width=32),
    Column("owner_name", "Owner name", "Optional. Used only to name an owner who is added as a new user.",
           max_length=120, aliases=("action owner name",), width=24),
    Column("priority", "Priority", "Optional. High, Medium or Low (Medium if blank).", kind="priority",
           width=10),
    Column("status", "Status", "Optional. Not started if blank. Used for new actions only: an action "
           "already in your plan changes status on its own page.", kind="status", width=20),
    Column("status_reason", "Status reason", "Required if the status is Blocked or Closed – not needed.",
           max_length=2000, aliases=("reason", "blocked reason"), width=30),
    _date_column("start_date", "Start date", "Optional. A date, like 01/04/2026.", ("start",)),
    _date_column("due_date", "Due date", "Optional. On or after the start date. A later change keeps the "
                 "old date in the action's re-plan history.", ("due", "target date", "deadline")),
    _date_column("completed_date", "Completed date", "Required if the status is Complete (new actions "
                 "only).", ("completed", "date completed", "completion date")),
), ("actions", "action", "action plan", "improvement actions"))

MILESTONES = SheetSpec("milestones", "Milestones", "milestone", (
    Column("action_reference", "Action reference", "Required. The reference of the action, on the Actions "
           "sheet or already in your plan.", required=True, max_length=40,
           aliases=("action", "action ref"), width=16),
    Column("title", "Milestone", "Required. 200 characters or fewer. A milestone with this title on the "
           "same action is updated.", required=True, max_length=200,
           aliases=("title", "milestone title"), width=50, missing="Enter what the milestone is"),
    _date_column("due_date", "Due date", "Optional. A date, like 30/06/2026.", ("due", "target date")),
    _date_column("completed_date", "Completed date", "Optional. For new milestones that are already done.",
                 ("completed", "date completed", "done")),
), ("milestones", "milestone"))

SHEETS: tuple[SheetSpec, ...] = (DEEP_DIVES, FINDINGS, ACTIONS, MILESTONES)
SHEETS_BY_KIND = {spec.kind: spec for spec in SHEETS}
# Sheets of the template that hold no plan rows: skipped without a warning.
GUIDANCE_SHEETS = ("guidance", "read me", "readme", "instructions", "lists")
KIND_SLUGS = {"deep-dives": "deep_dives", "findings": "findings", "actions": "actions",
              "milestones": "milestones"}


# --- cell values ------------------------------------------------------------------------

ERROR_VALUES = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                "#GETTING_DATA"}
MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None) | {0xA0: " ", 0x202F: " "}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
_WORDS = re.compile(r"(?:[a-z]+day,?\s+)?(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([a-z]+)\.?,?[\s\-]+(\d{4}|\d{2})")
_SERIAL = re.compile(r"\d{5}(?:\.0+)?")
FIRST_YEAR, LAST_YEAR = 2000, 2099


class CellError(ValueError):
    pass


def _is_formula_object(value: Any) -> bool:
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def cell_text(value: Any) -> str | None:
    """A cell's value as trimmed text, or None when it is empty."""
    if value is None:
        return None
    if _is_formula_object(value):
        return "=" + str(getattr(value, "text", "") or "").lstrip("=")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date | datetime):
        return value.strftime("%d/%m/%Y %H:%M" if isinstance(value, datetime) else "%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def looks_like_formula(text: str) -> bool:
    """Text that a spreadsheet would run as a formula if it were exported again (CSV injection).

    A leading + or - followed by a space is a bullet point, not a formula.
    """
    if text[0] in "=@":
        return True
    return text[0] in "+-" and len(text) > 1 and not text[1].isspace()


def parse_date(value: Any, epoch: Any = None) -> date:
    """Real dates, Excel serial numbers and UK text dates; anything else raises CellError."""
    if isinstance(value, datetime):
        return _in_range(value.date())
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, bool):
        raise CellError("must be a date, like 31/03/2027")
    if isinstance(value, int | float):
        return _serial(value, epoch)
    text = cell_text(value)
    if text is None:
        raise CellError("must be a date, like 31/03/2027")
    lowered = " ".join(text.lower().split())
    if _SERIAL.fullmatch(lowered):
        return _serial(float(lowered), epoch)
    if match := _ISO.fullmatch(lowered):
        year, month, day = (int(part) for part in match.groups())
        return _real(year, month, day, text)
    if match := _NUMERIC.fullmatch(lowered):
        day, month, year = (int(part) for part in match.groups())
        if month > 12 and day <= 12:
            raise CellError(f"'{text}' is not a real date: write dates day first, like 31/03/2027")
        return _real(year, month, day, text)
    if match := _WORDS.fullmatch(lowered):
        day, month_name, year = match.groups()
        month = MONTHS.get(month_name)
        if month is None:
            raise CellError(f"'{text}' is not a date: use day/month/year, like 31/03/2027")
        return _real(int(year), month, int(day), text)
    raise CellError(f"'{text}' is not a date: use day/month/year, like 31/03/2027")


def _real(year: int, month: int, day: int, text: str) -> date:
    if year < 100:
        year += 2000
    try:
        return _in_range(date(year, month, day))
    except ValueError as error:
        if isinstance(error, CellError):
            raise
        raise CellError(f"'{text}' is not a real date") from None


def _serial(number: float, epoch: Any) -> date:
    from openpyxl.utils.datetime import WINDOWS_EPOCH, from_excel

    if number < 1 or number > 2958465:
        raise CellError(f"{number:g} is not a date: use day/month/year, like 31/03/2027")
    moment = from_excel(number, epoch or WINDOWS_EPOCH)
    return _in_range(moment.date() if isinstance(moment, datetime) else moment)


def _in_range(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise CellError(f"{value.day}/{value.month:02d}/{value.year} is not in the years "
                        f"{FIRST_YEAR} to {LAST_YEAR}: check the year")
    return value


def fold(text: str) -> str:
    """The matching key for references and titles: case and spacing do not matter."""
    return " ".join(text.split()).casefold()


def _label_key(text: str) -> str:
    return re.sub(r"[\s_\-–—]+", " ", text.casefold()).strip()


def _choices(labels: dict[str, str], codes: Iterable[str]) -> dict[str, str]:
    mapping = {}
    for code in codes:
        mapping[_label_key(code)] = code
        mapping[_label_key(labels[code])] = code
    return mapping


TYPE_CHOICES = _choices(FINDING_TYPE_LABELS, FINDING_TYPES)
PRIORITY_CHOICES = _choices(PRIORITY_LABELS, PRIORITIES)
STATUS_CHOICES = _choices(STATUS_LABELS, STATUSES)


def show(value: Any) -> str:
    """A value as the preview shows it."""
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


# --- the report -------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str  # the column letter, or "" for the sheet or the file
    heading: str
    message: str

    @property
    def place(self) -> str:
        parts = [self.sheet] if self.sheet else []
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column} ({self.heading})" if self.heading else f"column {self.column}")
        elif self.heading:
            parts.append(self.heading)
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else self.message


@dataclass
class Item:
    """One row's effect on the plan."""

    kind: str  # deep_dives, findings, actions, milestones
    op: str  # create, update, unchanged
    label: str
    title: str
    sheet: str
    row: int
    pillar: str | None
    values: dict[str, Any] = field(default_factory=dict)
    existing_id: int | None = None
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class NewOwner:
    email: str
    name: str
    rows: list[str] = field(default_factory=list)


@dataclass
class SheetSummary:
    name: str
    kind: str
    rows: int

    @property
    def title(self) -> str:
        return SHEETS_BY_KIND[self.kind].title


@dataclass
class ImportReport:
    filename: str
    sha256: str
    size: int
    sheets: list[SheetSummary] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    new_owners: list[NewOwner] = field(default_factory=list)
    rows_read: int = 0
    refused: str | None = None  # the whole file was refused, and why

    @property
    def ok(self) -> bool:
        return self.refused is None and not self.errors

    @property
    def error_count(self) -> int:
        return len(self.errors)

    def counts(self) -> list[tuple[SheetSpec, dict[str, int]]]:
        tally: dict[str, dict[str, int]] = {spec.kind: dict.fromkeys(("create", "update", "unchanged"), 0)
                                            for spec in SHEETS}
        for item in self.items:
            tally[item.kind][item.op] += 1
        return [(spec, tally[spec.kind]) for spec in SHEETS if any(tally[spec.kind].values())]

    def by_pillar(self) -> list[tuple[str, dict[str, int]]]:
        table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for item in self.items:
            if item.pillar and item.op != "unchanged" and item.kind != "deep_dives":
                table[item.pillar][f"{item.kind}_{item.op}"] += 1
        return sorted(table.items())

    @property
    def changing(self) -> list[Item]:
        return [item for item in self.items if item.op != "unchanged"]

    @property
    def digest(self) -> str:
        """Fingerprint of what confirming would do: it must not change between preview and confirm."""
        body = json.dumps({
            "sha256": self.sha256,
            "items": [(i.kind, i.op, i.label, sorted(i.changes.items())) for i in self.items],
            "owners": sorted(o.email for o in self.new_owners),
        }, sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()

    def summary(self) -> str:
        parts = []
        for spec, counts in self.counts():
            nouns = f"{spec.noun}s"
            bits = [f"{counts[op]} {word}" for op, word in (("create", "created"), ("update", "updated"))
                    if counts[op]]
            if bits:
                parts.append(f"{nouns}: {', '.join(bits)}")
        return "; ".join(parts) or "nothing to change"


# --- reading the file into rows ---------------------------------------------------------

@dataclass
class SheetRows:
    spec: SheetSpec
    name: str
    columns: dict[str, int]  # key -> column number
    rows: list[tuple[int, dict[str, Any]]]

    def letter(self, key: str) -> str:
        return column_letter(self.columns[key]) if key in self.columns else ""


@dataclass
class ParsedFile:
    format: str
    epoch: Any
    sheets: dict[str, SheetRows]
    errors: list[Problem]
    warnings: list[Problem]
    rows_read: int


def _heading_key(text: Any) -> str:
    value = cell_text(text)
    if value is None:
        return ""
    value = re.sub(r"\((?:optional|required)\)", " ", value.lower())
    value = re.sub(r"[^a-z0-9]+", " ", value).strip()
    return re.sub(r"\s+(?:optional|required)$", "", value)


def _lookup(spec: SheetSpec) -> dict[str, str]:
    names: dict[str, str] = {}
    for column in spec.columns:
        for alias in column.aliases:
            names.setdefault(_heading_key(alias), column.key)
    for column in spec.columns:  # a column's own heading wins over another's alias
        names[_heading_key(column.heading)] = column.key
    return names


LOOKUPS = {spec.kind: _lookup(spec) for spec in SHEETS}


@dataclass
class _Headings:
    row: int
    columns: dict[str, int]
    clashes: dict[str, list[int]]
    ignored: list[tuple[int, str]]


def _match_headings(spec: SheetSpec, number: int, values: tuple) -> _Headings | None:
    lookup = LOOKUPS[spec.kind]
    found: dict[str, list[int]] = defaultdict(list)
    ignored = []
    for index, value in enumerate(values, start=1):
        key = _heading_key(value)
        if not key:
            continue
        if key in lookup:
            found[lookup[key]].append(index)
        else:
            ignored.append((index, cell_text(value) or ""))
    if not spec.required_keys <= set(found):
        return None
    return _Headings(number, {key: cols[0] for key, cols in found.items()},
                     {key: cols for key, cols in found.items() if len(cols) > 1}, ignored)


def _spec_for_name(name: str) -> SheetSpec | None:
    key = _heading_key(name)
    return next((spec for spec in SHEETS if key in spec.sheet_names), None)


def _is_notes_row(values: tuple) -> bool:
    texts = [cell_text(v) for v in values]
    texts = [t for t in texts if t]
    return bool(texts) and all(t.lower().startswith(("required", "optional")) for t in texts)


def _is_blank(values: Iterable[Any]) -> bool:
    return all(cell_text(v) is None for v in values)


class _RowBudget:
    def __init__(self) -> None:
        self.used = 0

    def take(self) -> None:
        self.used += 1
        if self.used > MAX_ROWS:
            raise FileRefused(f"The file has more than {MAX_ROWS:,} rows of plan data: split it into "
                              "smaller files and import them one after another")


def read(data: bytes, filename: str) -> ParsedFile:
    """Every sheet's rows, with the problems of the file's shape. Raises FileRefused."""
    with open_workbook(data, filename) as book:
        return _read_book(book)


def _read_book(book: Workbook) -> ParsedFile:
    errors: list[Problem] = []
    warnings: list[Problem] = []
    sheets: dict[str, SheetRows] = {}
    budget = _RowBudget()
    for source in book.sheets:
        if source.hidden:
            warnings.append(Problem(source.name, None, "", "", "This sheet is hidden, so it was ignored: "
                                    "unhide it in your spreadsheet if it should be imported"))
            continue
        named = _spec_for_name(source.name) if book.format == "xlsx" else None
        if named is None and _heading_key(source.name) in GUIDANCE_SHEETS:
            continue
        sheet = _read_sheet(source, named, budget, errors, warnings, announce=book.format == "xlsx")
        if sheet is None:
            continue
        if sheet.spec.kind in sheets:
            errors.append(Problem(source.name, None, "", "", f"This is a second {sheet.spec.title} sheet "
                                  f"(the first is '{sheets[sheet.spec.kind].name}'): put all "
                                  f"{sheet.spec.noun}s on one sheet"))
            continue
        sheets[sheet.spec.kind] = sheet
    if not sheets and not errors:
        errors.append(Problem("", None, "", "", "No sheet of deep dives, findings, actions or milestones was "
                              "found: use the column headings of the template"))
    return ParsedFile(book.format, book.epoch, sheets, errors, warnings, budget.used)


def _read_sheet(source: SheetSource, named: SheetSpec | None, budget: _RowBudget,
                errors: list[Problem], warnings: list[Problem], *, announce: bool) -> SheetRows | None:
    rows = source.rows()
    head: list[tuple[int, tuple]] = []
    headings: _Headings | None = None
    spec: SheetSpec | None = None
    candidates = (named,) if named else SHEETS
    for number, values in rows:
        head.append((number, values))
        matches = [(s, h) for s in candidates if (h := _match_headings(s, number, values))]
        if matches:
            spec, headings = max(matches, key=lambda pair: len(pair[1].columns))
            break
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    if headings is None or spec is None:
        if named:
            wanted = ", ".join(c.heading for c in named.columns if c.required)
            errors.append(Problem(source.name, None, "", "", f"The column headings were not found in the "
                                  f"first {HEADER_SEARCH_ROWS} rows: this sheet needs at least {wanted}"))
        elif not all(_is_blank(values) for _, values in head):
            warnings.append(Problem(source.name, None, "", "", "This sheet was not read: its name and "
                                    "column headings are not those of a Deep dives, Findings, Actions or "
                                    "Milestones sheet"))
        return None
    if not named and announce:
        warnings.append(Problem(source.name, None, "", "", f"Read as {spec.title.lower()}, from its column "
                                "headings"))
    for key, columns in headings.clashes.items():
        letters = " and ".join(column_letter(c) for c in columns)
        errors.append(Problem(source.name, headings.row, "", "", f"Columns {letters} are both headed like "
                              f"'{spec.column(key).heading}': rename or remove one of them"))
    for index, heading in headings.ignored:
        warnings.append(Problem(source.name, headings.row, column_letter(index), heading,
                                "This column is not one the import knows, so it was ignored"))

    sheet = SheetRows(spec, source.name, headings.columns, [])
    starts: dict[int, list] = defaultdict(list)  # merged ranges below the headings, by their first row
    for merge in source.merges:
        if merge.min_row > headings.row and merge.max_row > merge.min_row:
            starts[merge.min_row].append(merge)
    carry: dict[int, tuple[Any, int]] = {}
    blank_run = 0
    wanted = sorted(headings.columns.items(), key=lambda pair: pair[1])

    def data_rows() -> Iterator[tuple[int, tuple]]:
        yield from (pair for pair in head if pair[0] > headings.row)
        yield from rows

    stream = data_rows()
    for number, values in stream:
        values = list(values)
        # A cell merged down over several rows holds its value for each of them.
        for col, (value, last) in list(carry.items()):
            if number > last:
                del carry[col]
            elif col <= len(values) and cell_text(values[col - 1]) is None:
                values[col - 1] = value
        for merge in starts.get(number, ()):
            if merge.min_col <= len(values):
                carry[merge.min_col] = (values[merge.min_col - 1], merge.max_row)
        if _is_blank(values):
            blank_run += 1
            if blank_run >= BLANK_RUN_LIMIT:
                if next(stream, None) is not None:
                    warnings.append(Problem(source.name, number, "", "", f"Reading stopped here, after "
                                            f"{BLANK_RUN_LIMIT:,} blank rows: anything further down was "
                                            "not read"))
                break
            continue
        blank_run = 0
        if not sheet.rows and _is_notes_row(tuple(values)):
            continue  # the template's notes row, under the headings
        budget.take()
        cells = {key: values[col - 1] for key, col in wanted if col <= len(values)}
        sheet.rows.append((number, cells))
    return sheet


# --- checking rows against the plan -----------------------------------------------------

class _Row:
    """One spreadsheet row being checked: typed values out, problems recorded against their cell."""

    def __init__(self, checker: _Checker, sheet: SheetRows, number: int, cells: dict[str, Any]):
        self.checker = checker
        self.sheet = sheet
        self.number = number
        self.cells = cells
        self.failed = False

    def problem(self, key: str | None, message: str, *, warning: bool = False) -> None:
        column = self.sheet.spec.column(key) if key else None
        entry = Problem(self.sheet.name, self.number, self.sheet.letter(key) if key else "",
                        column.heading if column else "", message)
        if warning:
            self.checker.warnings.append(entry)
        else:
            self.failed = True
            self.checker.errors.append(entry)

    def raw(self, key: str) -> Any:
        return self.cells.get(key)

    def _missing(self, key: str, required: bool) -> None:
        if required:
            column = self.sheet.spec.column(key)
            self.problem(key, column.missing or f"Enter {_article(column.heading.lower())}")

    def _screen(self, key: str, value: Any) -> str | None:
        """The cell's text, or None after reporting a formula or a spreadsheet error."""
        text = cell_text(value)
        if text is None:
            return None
        if _is_formula_object(value) or looks_like_formula(text):
            shown = text if len(text) <= 40 else text[:37] + "..."
            self.problem(key, f"This cell holds a formula or starts like one ({shown}): type the value "
                         "itself, without a leading =, +, - or @")
            return None
        if text.upper() in ERROR_VALUES:
            self.problem(key, f"This cell shows a spreadsheet error ({text}): type the value itself")
            return None
        return text

    def text(self, key: str, *, required: bool | None = None) -> str | None:
        column = self.sheet.spec.column(key)
        required = column.required if required is None else required
        text = self._screen(key, self.raw(key))
        if text is None:
            if cell_text(self.raw(key)) is None:
                self._missing(key, required)
            return None
        if key not in NEWLINE_FIELDS:
            text = " ".join(text.split())
        if column.max_length and len(text) > column.max_length:
            self.problem(key, f"{column.heading} must be {column.max_length:,} characters or fewer "
                         f"(this has {len(text):,})")
            return None
        return text

    def date(self, key: str) -> date | None:
        raw = self.raw(key)
        if cell_text(raw) is None:
            return None
        if not isinstance(raw, date | datetime | int | float) and self._screen(key, raw) is None:
            return None
        try:
            return parse_date(raw, self.checker.epoch)
        except CellError as error:
            self.problem(key, f"{self.sheet.spec.column(key).heading} {error}" if str(error).startswith("must")
                         else str(error))
            return None

    def choice(self, key: str, mapping: dict[str, str], message: str, *, required: bool = False) -> str | None:
        text = self.text(key, required=False)
        if text is None:
            if cell_text(self.raw(key)) is None and required:
                self.problem(key, message)
            return None
        code = mapping.get(_label_key(text))
        if code is None:
            self.problem(key, f"'{text}' is not one of the choices: {message[0].lower()}{message[1:]}")
        return code


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


@dataclass
class _Found:
    """Where a reference points: to a row of this file or to something already in the plan."""

    source: str  # "file" or "plan"
    key: str  # the folded reference or title
    existing_id: int | None
    pillar_id: int | None
    label: str


class _Checker:
    def __init__(self, session: Session, force: Force, parsed: ParsedFile, actor: User | None):
        self.session = session
        self.force = force
        self.parsed = parsed
        self.actor = actor
        self.epoch = parsed.epoch
        self.errors: list[Problem] = list(parsed.errors)
        self.warnings: list[Problem] = list(parsed.warnings)
        self.items: list[Item] = []
        self.today = clock.today()

        self.pillars = list(session.scalars(select(Pillar).order_by(Pillar.display_order)))
        self.pillar_by_id = {p.id: p for p in self.pillars}
        self.pillar_choices = self._pillar_choices()
        self.deep_dives: dict[str, list[DeepDive]] = defaultdict(list)
        for deep_dive in session.scalars(select(DeepDive).where(DeepDive.force_id == force.id)):
            self.deep_dives[fold(deep_dive.title)].append(deep_dive)
        self.findings = self._by_reference(session.scalars(
            select(Finding).where(Finding.force_id == force.id)))
        self.actions = self._by_reference(session.scalars(
            select(Action).where(Action.force_id == force.id).options(selectinload(Action.milestones))))
        self.people = {u.email.lower(): u for u in session.scalars(select(User).where(User.force_id == force.id))}

        self.file_deep_dives: dict[str, _Found] = {}
        self.file_findings: dict[str, _Found] = {}
        self.file_actions: dict[str, _Found] = {}
        self.unknown_owners: dict[str, list[tuple[_Row, str | None]]] = defaultdict(list)
        self.new_owners: list[NewOwner] = []
        self.seen: dict[str, dict[str, int]] = defaultdict(dict)  # folded key -> first row, per sheet
        self.checked_emails: dict[str, str | None] = {}

    def _pillar_choices(self) -> dict[str, int]:
        mapping: dict[str, int] = {}
        for pillar in self.pillars:
            number = pillar.code.lstrip("Pp")
            for name in (pillar.code, number, pillar.name, f"{pillar.code} {pillar.name}"):
                mapping[_label_key(name)] = pillar.id
        return mapping

    def _by_reference(self, rows: Iterable) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for row in rows:
            found.setdefault(fold(row.reference), row)
        return found

    # --- helpers ---

    def pillar(self, row: _Row, *, required: bool) -> int | None:
        text = row.text("pillar", required=False)
        if text is None:
            if required and cell_text(row.raw("pillar")) is None:
                row.problem("pillar", "Enter the pillar, P1 to P6")
            return None
        key = _label_key(text)
        pillar_id = self.pillar_choices.get(key)
        if pillar_id is None and (match := re.match(r"p?\s*(\d+)\b", key)):
            pillar_id = self.pillar_choices.get(match.group(1))
        if pillar_id is None:
            row.problem("pillar", f"'{text}' is not a pillar: use P1 to P6")
        return pillar_id

    def code(self, pillar_id: int | None) -> str | None:
        return self.pillar_by_id[pillar_id].code if pillar_id in self.pillar_by_id else None

    def duplicate(self, row: _Row, key: str, seen: dict[str, int], label: str, column: str) -> bool:
        if key in seen:
            row.problem(column, f"{label} is also on row {seen[key]}: each {row.sheet.spec.noun} can be "
                        "listed only once")
            return True
        seen[key] = row.number
        return False

    def add(self, row: _Row, op: str, label: str, title: str, pillar_id: int | None, values: dict,
            existing_id: int | None = None, changes: dict | None = None) -> Item:
        item = Item(row.sheet.spec.kind, op, label, title, row.sheet.name, row.number, self.code(pillar_id),
                    values, existing_id, changes or {})
        self.items.append(item)
        return item

    @staticmethod
    def diff(current: dict[str, Any], wanted: dict[str, Any], labels: dict[str, str]) -> dict[str, tuple]:
        """Fields the row would change; a blank cell (None) changes nothing."""
        return {labels[key]: (show(current[key]), show(value)) for key, value in wanted.items()
                if value is not None and value != current[key]}

    # --- sheets ---

    def check(self) -> None:
        sheets = self.parsed.sheets
        for kind, method in (("deep_dives", self.deep_dive_rows), ("findings", self.finding_rows),
                             ("actions", self.action_rows), ("milestones", self.milestone_rows)):
            if kind in sheets:
                for number, cells in sheets[kind].rows:
                    method(_Row(self, sheets[kind], number, cells))
        self.resolve_owners()

    def deep_dive_rows(self, row: _Row) -> None:
        title = row.text("title")
        period, lead, summary = row.text("period"), row.text("lead"), row.text("summary")
        if title is None:
            return
        key = fold(title)
        seen = self.seen["deep_dives"]
        if self.duplicate(row, key, seen, f"The deep dive '{title}'", "title"):
            return
        existing = self.deep_dives.get(key, [])
        if len(existing) > 1:
            row.problem("title", f"Your plan has {len(existing)} deep dives called '{title}': rename one of "
                        "them on its page first")
        target = existing[0] if len(existing) == 1 else None
        self.file_deep_dives[key] = _Found("file", key, target.id if target else None, None, title)
        if row.failed:
            return
        values = {"title": target.title if target else title, "period": period, "lead": lead,
                  "summary": summary}
        if target is None:
            self.add(row, "create", title, period or "", None, values)
            return
        changes = self.diff({"period": target.period, "lead": target.lead, "summary": target.summary},
                            {"period": period, "lead": lead, "summary": summary},
                            {"period": "Period", "lead": "Lead", "summary": "Summary"})
        self.add(row, "update" if changes else "unchanged", target.title, period or "", None, values,
                 target.id, changes)

    def resolve_deep_dive(self, row: _Row, title: str) -> _Found | None:
        key = fold(title)
        if key in self.file_deep_dives:
            return self.file_deep_dives[key]
        existing = self.deep_dives.get(key, [])
        if len(existing) == 1:
            return _Found("plan", key, existing[0].id, None, existing[0].title)
        if existing:
            row.problem("deep_dive", f"Your plan has {len(existing)} deep dives called '{title}': rename one "
                        "of them on its page first")
        else:
            row.problem("deep_dive", f"There is no deep dive called '{title}' on the Deep dives sheet or in "
                        "your plan")
        return None

    def finding_rows(self, row: _Row) -> None:
        reference = row.text("reference")
        deep_dive_title = row.text("deep_dive")
        pillar_id = self.pillar(row, required=True)
        kind = row.choice("type", TYPE_CHOICES, "Select the type: Cause of concern, Recommendation, Area for "
                          "improvement or Promising practice", required=True)
        title, detail = row.text("title"), row.text("detail")
        priority = row.choice("priority", PRIORITY_CHOICES, "Select a priority: High, Medium or Low")
        if reference is None:
            return
        key = fold(reference)
        seen = self.seen["findings"]
        if self.duplicate(row, key, seen, f"The reference {reference}", "reference"):
            return
        existing: Finding | None = self.findings.get(key)
        self.file_findings[key] = _Found("file", key, existing.id if existing else None,
                                         pillar_id or (existing.pillar_id if existing else None),
                                         existing.reference if existing else reference)
        deep_dive = self.resolve_deep_dive(row, deep_dive_title) if deep_dive_title else None
        if existing and deep_dive and deep_dive.existing_id != existing.deep_dive_id:
            row.problem("deep_dive", f"Finding {existing.reference} belongs to the deep dive "
                        f"'{existing.deep_dive.title}': an import cannot move it to another one")
        if row.failed:
            return
        values = {"deep_dive": deep_dive, "pillar_id": pillar_id, "type": kind, "title": title,
                  "detail": detail, "priority": priority}
        if existing is None:
            self.add(row, "create", reference, title, pillar_id, {**values, "reference": reference})
            return
        changes = self.diff(
            {"pillar_id": existing.pillar_id, "type": existing.type, "title": existing.title,
             "detail": existing.detail, "priority": existing.priority},
            {"pillar_id": pillar_id, "type": kind, "title": title, "detail": detail, "priority": priority},
            {"pillar_id": "Pillar", "type": "Type", "title": "Title", "detail": "Detail", "priority": "Priority"})
        changes = self._readable(changes)
        self.add(row, "update" if changes else "unchanged", existing.reference, title, pillar_id,
                 {**values, "reference": existing.reference}, existing.id, changes)

    def _readable(self, changes: dict[str, tuple]) -> dict[str, tuple]:
        """Codes in a change list as people say them: P1 not 3, Cause of concern not cause_of_concern."""
        out = {}
        for label, (old, new) in changes.items():
            if label == "Pillar":
                old, new = (self.code(int(v)) if v.isdigit() else v for v in (old, new))
            elif label == "Type":
                old, new = (FINDING_TYPE_LABELS.get(v, v) for v in (old, new))
            elif label == "Priority":
                old, new = (PRIORITY_LABELS.get(v, v) for v in (old, new))
            out[label] = (old, new)
        return out

    def resolve_finding(self, row: _Row, reference: str) -> _Found | None:
        key = fold(reference)
        if key in self.file_findings:
            return self.file_findings[key]
        finding = self.findings.get(key)
        if finding is not None:
            return _Found("plan", key, finding.id, finding.pillar_id, finding.reference)
        row.problem("finding", f"There is no finding {reference} on the Findings sheet or in your plan")
        return None

    def action_rows(self, row: _Row) -> None:
        reference = row.text("reference")
        finding_ref = row.text("finding")
        title = row.text("title")
        description, success = row.text("description"), row.text("success_measure")
        email, owner_name = row.text("owner_email"), row.text("owner_name")
        priority = row.choice("priority", PRIORITY_CHOICES, "Select a priority: High, Medium or Low")
        status = row.choice("status", STATUS_CHOICES, "Select a status: Not started, In progress, Awaiting "
                            "sign-off, Complete, Blocked or Closed – not needed")
        reason = row.text("status_reason")
        start, due, completed = row.date("start_date"), row.date("due_date"), row.date("completed_date")
        if reference is None:
            return
        key = fold(reference)
        seen = self.seen["actions"]
        if self.duplicate(row, key, seen, f"The reference {reference}", "reference"):
            return
        existing: Action | None = self.actions.get(key)

        finding = self.resolve_finding(row, finding_ref) if finding_ref else None
        pillar_id = self.pillar(row, required=finding is None and finding_ref is None and existing is None)
        if finding and finding.pillar_id and pillar_id and pillar_id != finding.pillar_id:
            row.problem("pillar", f"Finding {finding.label} is in pillar {self.code(finding.pillar_id)}: leave "
                        "the pillar blank or make it the same")
        if finding:
            pillar_id = finding.pillar_id
        elif existing and existing.finding_id and pillar_id and pillar_id != existing.finding.pillar_id:
            row.problem("pillar", f"This action's finding {existing.finding.reference} is in pillar "
                        f"{self.code(existing.finding.pillar_id)}: leave the pillar blank or make it the same")
        if existing and finding and finding.existing_id != existing.finding_id:
            linked = (f"is linked to finding {existing.finding.reference}" if existing.finding
                      else "is not linked to a finding")
            row.problem("finding", f"Action {existing.reference} {linked}: an import cannot change that")

        owner = self.owner(row, email, owner_name)
        self.file_actions[key] = _Found("file", key, existing.id if existing else None,
                                        pillar_id or (existing.pillar_id if existing else None),
                                        existing.reference if existing else reference)
        cells = {"title": title, "description": description, "success": success, "priority": priority,
                 "status": status, "reason": reason, "start": start, "due": due, "completed": completed}
        if existing is not None:
            self._action_update(row, existing, pillar_id, owner, cells)
        else:
            self._action_create(row, reference, pillar_id, finding, owner, cells)

    def owner(self, row: _Row, email: str | None, name: str | None) -> str | None:
        """The owner's normalised email; unknown ones are settled once every row is read."""
        if email is None:
            return None
        if email.lower().startswith("mailto:"):
            email = email[7:]
        if email not in self.checked_emails:
            try:
                self.checked_emails[email] = users.check_email(email)
            except ServiceError:
                self.checked_emails[email] = None
        if self.checked_emails[email] is None:
            row.problem("owner_email", f"'{email}' is not an email address: enter one like "
                        "name@example.police.uk")
            return None
        email = self.checked_emails[email]
        person = self.people.get(email)
        if person is None:
            self.unknown_owners[email].append((row, name))
        elif not person.active:
            row.problem("owner_email", f"The account of {email} is deactivated: choose another owner, or ask "
                        "an administrator to reactivate it")
        return email

    def _dates(self, row: _Row, start: date | None, due: date | None) -> None:
        if start and due and due < start:
            row.problem("due_date", "The due date must be the same as or after the start date")

    def _action_create(self, row: _Row, reference: str, pillar_id, finding, owner, v: dict) -> None:
        status, reason, completed = v["status"] or "not_started", v["reason"], v["completed"]
        if finding is None and pillar_id is None and not row.failed and cell_text(row.raw("pillar")) is None:
            row.problem("pillar", "Enter the pillar, or the finding this action comes from")
        self._dates(row, v["start"], v["due"])
        if status in ("blocked", "closed_not_needed") and not reason:
            row.problem("status_reason", f"Enter why the action is {STATUS_LABELS[status].lower()}")
        elif reason and status not in ("blocked", "closed_not_needed"):
            row.problem("status_reason", "A status reason is kept only for blocked or closed actions: this one "
                        "is ignored", warning=True)
        if status == "complete":
            if completed is None:
                row.problem("completed_date", "Enter the date the action was completed")
            elif self.actor is not None and owner == self.actor.email.lower():
                row.problem("status", "You own this action, so someone else must sign it off: import it as "
                            "Awaiting sign-off")
        elif completed is not None:
            row.problem("completed_date", "A completed date is only for actions whose status is Complete")
        if completed and completed > self.today:
            row.problem("completed_date", "The completed date cannot be in the future")
        if row.failed:
            return
        self.add(row, "create", reference, v["title"], pillar_id, {
            "reference": reference, "finding": finding, "pillar_id": pillar_id, "title": v["title"],
            "description": v["description"], "success_measure": v["success"], "owner": owner,
            "priority": v["priority"], "status": status, "status_reason": reason if status in (
                "blocked", "closed_not_needed") else None,
            "start_date": v["start"], "due_date": v["due"], "completed_date": completed,
        })

    def _action_update(self, row: _Row, action: Action, pillar_id, owner, v: dict) -> None:
        start, due = v["start"], v["due"]
        if due is not None and due != action.current_due_date and action.status in CLOSED_STATUSES:
            row.problem("due_date", f"This action is {STATUS_LABELS[action.status].lower()}: its due date can "
                        "no longer change")
        start_after, due_after = start or action.start_date, due or action.current_due_date
        if start_after and due_after and due_after < start_after:
            row.problem("due_date" if due else "start_date",
                        "The due date must be the same as or after the start date")
        status, completed = v["status"], v["completed"]
        if (status and status != action.status) or (completed and completed != action.completed_date):
            row.problem("status", f"Not changed: this action is {STATUS_LABELS[action.status].lower()} in your "
                        "plan. Statuses of actions already in the plan change on the action's page",
                        warning=True)
        if row.failed:
            return
        pillar_change = None if action.finding_id else pillar_id
        current = {"title": action.title, "description": action.description,
                   "success_measure": action.success_measure,
                   "owner": action.owner.email.lower() if action.owner else None, "priority": action.priority,
                   "pillar_id": action.pillar_id, "start_date": action.start_date,
                   "due_date": action.current_due_date}
        wanted = {"title": v["title"], "description": v["description"], "success_measure": v["success"],
                  "owner": owner, "priority": v["priority"], "pillar_id": pillar_change, "start_date": start,
                  "due_date": due}
        changes = self._readable(self.diff(current, wanted, {
            "title": "Title", "description": "Description", "success_measure": "Success measure",
            "owner": "Owner", "priority": "Priority", "pillar_id": "Pillar", "start_date": "Start date",
            "due_date": "Due date"}))
        self.add(row, "update" if changes else "unchanged", action.reference, v["title"],
                 pillar_change or action.pillar_id, {**wanted, "reference": action.reference}, action.id, changes)

    def resolve_action(self, row: _Row, reference: str) -> _Found | None:
        key = fold(reference)
        if key in self.file_actions:
            return self.file_actions[key]
        action = self.actions.get(key)
        if action is not None:
            return _Found("plan", key, action.id, action.pillar_id, action.reference)
        row.problem("action_reference", f"There is no action {reference} on the Actions sheet or in your plan")
        return None

    def milestone_rows(self, row: _Row) -> None:
        reference, title = row.text("action_reference"), row.text("title")
        due, completed = row.date("due_date"), row.date("completed_date")
        if reference is None or title is None:
            return
        action = self.resolve_action(row, reference)
        seen = self.seen["milestones"]
        if self.duplicate(row, f"{fold(reference)}\n{fold(title)}", seen,
                          f"The milestone '{title}' of {reference}", "title"):
            return
        if action is None:
            return
        existing = None
        if action.existing_id is not None:
            plan_action = self.actions.get(action.key)
            existing = next((m for m in plan_action.milestones if fold(m.title) == fold(title)), None)
        if completed and completed > self.today:
            row.problem("completed_date", "The completed date cannot be in the future")
        if existing and completed and existing.completed_date != completed:
            row.problem("completed_date", "Not changed: milestones already in your plan are marked done on their "
                        "action's page", warning=True)
        if row.failed:
            return
        values = {"action": action, "title": existing.title if existing else title, "due_date": due,
                  "completed_date": completed}
        label = f"{action.label}: {title}"
        if existing is None:
            self.add(row, "create", label, title, action.pillar_id, values)
            return
        changes = self.diff({"due_date": existing.due_date}, {"due_date": due}, {"due_date": "Due date"})
        self.add(row, "update" if changes else "unchanged", label, title, action.pillar_id, values, existing.id,
                 changes)

    def resolve_owners(self) -> None:
        if not self.unknown_owners:
            return
        emails = list(self.unknown_owners)
        elsewhere = set()
        for start in range(0, len(emails), 500):
            chunk = emails[start:start + 500]
            elsewhere |= set(self.session.scalars(select(func.lower(User.email)).where(
                func.lower(User.email).in_(chunk))))
        for email, uses in self.unknown_owners.items():
            if email in elsewhere:
                for row, _ in uses:
                    row.problem("owner_email", f"{email} is not a user of {self.force.name}: choose an owner "
                                "from this force")
                continue
            names = [name for _, name in uses if name]
            if len(set(names)) > 1:
                row = next(r for r, name in uses if name and name != names[0])
                row.problem("owner_name", f"{email} is named '{names[0]}' on another row: '{names[0]}' will be "
                            "used", warning=True)
            self.new_owners.append(NewOwner(email, names[0] if names else _name_from_email(email),
                                            [f"{r.sheet.name} row {r.number}" for r, _ in uses]))


def _name_from_email(email: str) -> str:
    local = email.split("@", 1)[0]
    words = [w for w in re.split(r"[._\-+]+", local) if w]
    return " ".join(w.capitalize() for w in words)[:120] or email[:120]


def check(session: Session, force: Force, data: bytes, filename: str, *, actor: User | None) -> ImportReport:
    """Read the file and compare it with the force's plan. Writes nothing."""
    report = ImportReport(filename=filename, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    try:
        parsed = read(data, filename)
    except FileRefused as refusal:
        report.refused = refusal.message
        report.errors.append(Problem("", None, "", "", refusal.message))
        return report
    checker = _Checker(session, force, parsed, actor)
    checker.check()
    report.sheets = [SheetSummary(sheet.name, sheet.spec.kind, len(sheet.rows)) for sheet in parsed.sheets.values()]
    report.rows_read = parsed.rows_read
    report.items = checker.items
    report.new_owners = checker.new_owners
    order = {sheet.name: n for n, sheet in enumerate(parsed.sheets.values())}

    def place(problem: Problem):
        return (order.get(problem.sheet, -1), problem.row or 0, len(problem.column), problem.column)

    report.errors = sorted(checker.errors, key=place)
    report.warnings = sorted(checker.warnings, key=place)
    return report


# --- writing the plan -------------------------------------------------------------------

class ImportFailed(ValueError):
    """A rule refused a row while writing: the caller rolls back."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class _CommandLine:
    """The actor of a command-line import run without --as: recorded as "System" (no user)."""

    id = None


def apply(session: Session, force: Force, report: ImportReport, *, actor: User | None,
          create_owners: bool) -> dict[str, int]:
    """Write a clean report through the plan services. The caller commits, or rolls back on error."""
    if not report.ok:
        raise ValueError("an import with problems cannot be applied")
    if report.new_owners and not create_owners:
        raise ServiceError("Some owners are not users yet: confirm that they should be created")
    writer = _Writer(session, force, actor, report)
    # Every service flushes what it creates, so its own checks see earlier rows; turning off the
    # flush before each query only lets the audit events ride along with those flushes.
    with session.no_autoflush:
        writer.owners()
        for item in report.items:
            try:
                writer.write(item)
            except ServiceError as error:
                heading = ""
                if error.field:
                    spec = SHEETS_BY_KIND[item.kind]
                    heading = next((c.heading for c in spec.columns if c.key == error.field), "")
                raise ImportFailed(Problem(item.sheet, item.row, "", heading, error.message)) from None
    counts = {f"{item.kind}_{item.op}": 0 for item in report.items}
    for item in report.items:
        counts[f"{item.kind}_{item.op}"] += 1
    audit.record(
        session, actor, "plan.imported", "force", force.id, force_id=force.id,
        changes={"file": [None, report.filename], "sha256": [None, report.sha256],
                 "rows": [None, report.rows_read], "result": [None, report.summary()],
                 "owners_created": [None, ", ".join(o.email for o in report.new_owners) or None]},
        summary=f"Imported {report.filename}: {report.summary()}",
    )
    session.flush()
    return counts


class _Writer:
    """Writes each item through the plan services, in the order deep dives, findings, actions, milestones."""

    def __init__(self, session: Session, force: Force, actor: User | None, report: ImportReport):
        self.session = session
        self.force = force
        self.actor = actor
        self.report = report
        # Everything this import touched, by folded reference or title, for the rows that point at it.
        self.deep_dive_by_key: dict[str, DeepDive] = {}
        self.finding_by_key: dict[str, Finding] = {}
        self.action_by_key: dict[str, Action] = {}
        self.owner_ids = {u.email.lower(): u.id for u in session.scalars(
            select(User).where(User.force_id == force.id))}
        self.reason = f"Changed by the spreadsheet import of {report.filename}"[:2000]

    def owners(self) -> None:
        if not self.report.new_owners:
            return
        # Nobody is told this password, so the account cannot be used until an administrator sets one.
        password = secrets.token_urlsafe(32)
        password_hash = users.hash_password(password)
        for owner in self.report.new_owners:
            user = users.create_user(self.session, email=owner.email, name=owner.name, role="action_owner",
                                     force_code=self.force.code, password=password, actor=self.actor,
                                     password_hash=password_hash)
            self.owner_ids[user.email.lower()] = user.id

    def write(self, item: Item) -> None:
        {"deep_dives": self.deep_dive, "findings": self.finding, "actions": self.action,
         "milestones": self.milestone}[item.kind](item)

    def _get(self, model, found: _Found, written: dict[str, Any]):
        if found.key in written:
            return written[found.key]
        return self.session.get(model, found.existing_id)

    def deep_dive(self, item: Item) -> None:
        v = item.values
        existing = self.session.get(DeepDive, item.existing_id) if item.existing_id else None
        if item.op == "unchanged":
            self.deep_dive_by_key[fold(v["title"])] = existing
            return
        fields = plans.DeepDiveFields(
            title=v["title"],
            period=_keep(existing.period if existing else None, v["period"]),
            lead=_keep(existing.lead if existing else None, v["lead"]),
            summary=_keep(existing.summary if existing else "", v["summary"]),
        )
        deep_dive = plans.save_deep_dive(self.session, self.force, fields, actor=self.actor, deep_dive=existing)
        self.deep_dive_by_key[fold(v["title"])] = deep_dive

    def finding(self, item: Item) -> None:
        v = item.values
        existing = self.session.get(Finding, item.existing_id) if item.existing_id else None
        key = fold(v["reference"])
        if item.op == "unchanged":
            self.finding_by_key[key] = existing
            return
        deep_dive = existing.deep_dive if existing else self._get(DeepDive, v["deep_dive"], self.deep_dive_by_key)
        fields = plans.FindingFields(
            pillar_id=v["pillar_id"], reference=v["reference"], type=v["type"], title=v["title"],
            detail=_keep(existing.detail if existing else "", v["detail"]),
            priority=_keep(existing.priority if existing else "medium", v["priority"]),
        )
        self.finding_by_key[key] = plans.save_finding(self.session, deep_dive, fields, actor=self.actor,
                                                      finding=existing)

    def action(self, item: Item) -> None:
        v = item.values
        key = fold(v["reference"])
        if item.op == "create":
            self.action_by_key[key] = self._create_action(v)
            return
        action = self.session.get(Action, item.existing_id)
        self.action_by_key[key] = action
        if item.op == "unchanged":
            return
        fields = plans.ActionFields(
            reference=action.reference,
            title=v["title"],
            pillar_id=_keep(action.pillar_id, v["pillar_id"]),
            owner_id=self.owner_ids[v["owner"]],
            priority=_keep(action.priority, v["priority"]),
            description=_keep(action.description, v["description"]),
            success_measure=_keep(action.success_measure, v["success_measure"]),
            start_date=_keep(action.start_date, v["start_date"]),
        )
        new_due = v["due_date"]
        due_first = (new_due is not None and new_due != action.current_due_date and fields.start_date is not None
                     and action.current_due_date is not None and fields.start_date > action.current_due_date)
        if due_first:
            self._move_due_date(action, new_due)
        plans.update_action(self.session, action, fields, actor=self.actor)
        if not due_first and new_due is not None and new_due != action.current_due_date:
            self._move_due_date(action, new_due)

    def _move_due_date(self, action: Action, new_due: date) -> None:
        # change_due_date records who moved the date; from the command line without --as that is nobody.
        actor = self.actor if self.actor is not None else _CommandLine()
        plans.change_due_date(self.session, action, new_due, self.reason, actor=actor)  # type: ignore[arg-type]

    def _create_action(self, v: dict[str, Any]) -> Action:
        finding = self._get(Finding, v["finding"], self.finding_by_key) if v["finding"] else None
        fields = plans.ActionFields(
            reference=v["reference"], title=v["title"], pillar_id=v["pillar_id"],
            owner_id=self.owner_ids[v["owner"]], priority=v["priority"] or "medium",
            description=v["description"] or "", success_measure=v["success_measure"] or "",
            start_date=v["start_date"],
        )
        action = plans.create_action(self.session, self.force, fields, due_date=v["due_date"], actor=self.actor,
                                     finding=finding)
        status = v["status"]
        if status != "not_started":
            # Where the work already stands, brought over from the spreadsheet, with its own audit event.
            old = action.status
            action.status = status
            action.status_reason = v["status_reason"]
            action.completed_date = v["completed_date"] if status == "complete" else None
            now = utcnow()
            text = f"Imported from {self.report.filename} as {STATUS_LABELS[status].lower()}."
            if v["status_reason"]:
                text += f" {v['status_reason']}"
            self.session.add(ProgressUpdate(action_id=action.id, author_id=self.actor.id if self.actor else None,
                                            text=text, status_from=old, status_to=status, created_at=now))
            action.last_update_at = now
            changes = {"status": [old, status]}
            if v["status_reason"]:
                changes["status_reason"] = [None, v["status_reason"]]
            if action.completed_date:
                changes["completed_date"] = [None, action.completed_date.isoformat()]
            audit.record(self.session, self.actor, "action.status_imported", "action", action.id, changes=changes,
                         force_id=action.force_id, action_id=action.id,
                         summary=f"Imported as {STATUS_LABELS[status].lower()}: {action.reference}")
        return action

    def milestone(self, item: Item) -> None:
        v = item.values
        action = self._get(Action, v["action"], self.action_by_key)
        if item.op == "update":
            milestone = next(m for m in action.milestones if m.id == item.existing_id)
            milestones.update(self.session, milestone, milestone.title, v["due_date"], actor=self.actor)
            return
        if item.op == "unchanged":
            return
        milestone = milestones.add(self.session, action, v["title"], v["due_date"], actor=self.actor)
        if v["completed_date"]:
            milestone.completed_date = v["completed_date"]
            audit.record(self.session, self.actor, "milestone.completed", "milestone", milestone.id,
                         changes={"completed_date": [None, v["completed_date"].isoformat()]},
                         force_id=action.force_id, action_id=action.id,
                         summary=f"Imported as done: milestone on {action.reference}")


def _keep(current: Any, value: Any) -> Any:
    """A blank cell keeps what is there."""
    return current if value is None else value


# --- the report as text (the command line) ----------------------------------------------

def report_lines(report: ImportReport, force: Force) -> list[str]:
    lines = [f"Checked {report.filename} ({report.size:,} bytes, SHA-256 {report.sha256}) for {force.name}"]
    if report.sheets:
        read = ", ".join(f"{s.name} as {s.title.lower()} ({s.rows:,} row{'s' if s.rows != 1 else ''})"
                         for s in report.sheets)
        lines.append(f"Sheets read: {read}")
    if report.refused is None:
        for spec, counts in report.counts():
            lines.append(f"{spec.title}: {counts['create']} to create, {counts['update']} to update, "
                         f"{counts['unchanged']} unchanged")
        for item in report.changing:
            if item.op == "update":
                changed = "; ".join(f"{label}: {old} -> {new}" for label, (old, new) in item.changes.items())
                lines.append(f"  update {item.label} ({item.sheet} row {item.row}): {changed}")
    if report.new_owners:
        lines.append("New action owners (not users yet):")
        lines += [f"  {o.email} ({o.name}), used on {', '.join(o.rows[:5])}"
                  f"{f' and {len(o.rows) - 5} more' if len(o.rows) > 5 else ''}" for o in report.new_owners]
    if report.warnings:
        lines.append(f"Warnings ({len(report.warnings)}):")
        lines += [f"  {problem}" for problem in report.warnings]
    if report.errors:
        lines.append(f"Problems ({len(report.errors)}):")
        lines += [f"  {problem}" for problem in report.errors]
    return lines


# --- keeping an upload between the preview and the confirmation --------------------------

KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
MAX_AGE_SECONDS = 24 * 3600
_UPLOAD, _META, _CLAIMED = "upload", "meta.json", ".claimed"


@dataclass
class StoredImport:
    key: str
    user_id: int
    force_id: int
    filename: str
    sha256: str
    size: int
    uploaded_at: float


def display_name(filename: str | None) -> str:
    """The uploaded file's own name, for display only: no path, no control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "spreadsheet"


def store(directory: Path, data: bytes, filename: str, *, user_id: int, force_id: int) -> StoredImport:
    """Keep an upload for its preview. It replaces the same user's earlier upload for this force."""
    directory.mkdir(parents=True, exist_ok=True)
    purge(directory, user_id=user_id, force_id=force_id)
    stored = StoredImport(key=secrets.token_urlsafe(24), user_id=user_id, force_id=force_id,
                          filename=display_name(filename), sha256=hashlib.sha256(data).hexdigest(),
                          size=len(data), uploaded_at=time.time())
    folder = directory / stored.key
    folder.mkdir(mode=0o700)
    _write_new(folder / _UPLOAD, data)
    _write_new(folder / _META, json.dumps(asdict(stored)).encode())
    return stored


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _meta(folder: Path) -> StoredImport | None:
    try:
        return StoredImport(**json.loads((folder / _META).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def load(directory: Path, key: str, *, user_id: int, force_id: int) -> tuple[StoredImport, bytes] | None:
    """The upload behind ``key`` if it is this user's, for this force, unexpired and unaltered."""
    if not KEY_PATTERN.fullmatch(key or ""):
        return None
    folder = directory / key
    stored = _meta(folder)
    if stored is None or stored.key != key or stored.user_id != user_id or stored.force_id != force_id:
        return None
    if time.time() - stored.uploaded_at > MAX_AGE_SECONDS:
        discard(directory, key)
        return None
    try:
        data = (folder / _UPLOAD).read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        return None
    return stored, data


def claim(directory: Path, key: str) -> bool:
    """Take the upload for confirming; only one request can hold it (a double click does nothing twice)."""
    try:
        (directory / key).rename(directory / f"{key}{_CLAIMED}")
    except OSError:
        return False
    return True


def release(directory: Path, key: str) -> None:
    """Give a claimed upload back, after a confirmation that wrote nothing."""
    with contextlib.suppress(OSError):
        (directory / f"{key}{_CLAIMED}").rename(directory / key)


def discard(directory: Path, key: str) -> None:
    if KEY_PATTERN.fullmatch(key or ""):
        for name in (key, f"{key}{_CLAIMED}"):
            shutil.rmtree(directory / name, ignore_errors=True)


def purge(directory: Path, *, user_id: int | None = None, force_id: int | None = None) -> None:
    """Remove expired uploads, and the given user's pending upload for the given force."""
    if not directory.is_dir():
        return
    now = time.time()
    for folder in directory.iterdir():
        if not folder.is_dir():
            continue
        stored = _meta(folder)
        stale = stored is None and now - folder.stat().st_mtime > MAX_AGE_SECONDS
        if stored is not None:
            stale = now - stored.uploaded_at > MAX_AGE_SECONDS or (
                stored.user_id == user_id and stored.force_id == force_id and not folder.name.endswith(_CLAIMED))
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
