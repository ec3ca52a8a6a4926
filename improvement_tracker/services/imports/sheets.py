"""Finding the plan in the file: which sheet holds deep dives, findings, actions or milestones, and its rows.

People's spreadsheets rarely start at A1 with the template's headings, so a sheet is known
by its name (XLSX) or, failing that, by its column headings, searched for in its first rows
under the names people give them. What comes back is each plan sheet's rows as cells keyed
by column, with the problems of the file's shape: hidden sheets are left out (with a
warning, so nothing is imported unseen), the template's notes row is skipped, a cell merged
down over several rows counts for each of them, and reading stops after a long run of blank
rows that formatting left behind.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from improvement_tracker.services.imports.cells import cell_text
from improvement_tracker.services.imports.columns import GUIDANCE_SHEETS, SHEETS, SheetSpec
from improvement_tracker.services.imports.report import Problem
from improvement_tracker.services.imports.workbook import (
    BLANK_RUN_LIMIT,
    MAX_ROWS,
    FileRefused,
    SheetSource,
    Workbook,
    column_letter,
    open_workbook,
)

HEADER_SEARCH_ROWS = 20


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
