"""One spreadsheet row being checked: typed values out, problems recorded against their cell.

Every problem names its sheet, row, column letter and heading, so a person can find the
cell in their own spreadsheet and fix it there. A formula, or text that starts like one, is
refused rather than imported, so the plan never carries it into a later export (CSV
injection); so is a cell showing a spreadsheet error such as #REF!.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from improvement_tracker.services.imports.cells import (
    ERROR_VALUES,
    CellError,
    cell_text,
    is_formula_object,
    label_key,
    looks_like_formula,
    parse_date,
)
from improvement_tracker.services.imports.columns import NEWLINE_FIELDS
from improvement_tracker.services.imports.report import Problem
from improvement_tracker.services.imports.sheets import SheetRows
from improvement_tracker.services.inputs import has_control_characters


class Row:
    """One spreadsheet row being checked; its problems go to the ``errors`` and ``warnings`` given."""

    def __init__(self, sheet: SheetRows, number: int, cells: dict[str, Any], *, errors: list[Problem],
                 warnings: list[Problem], epoch: Any):
        self.sheet = sheet
        self.number = number
        self.cells = cells
        self.errors = errors
        self.warnings = warnings
        self.epoch = epoch  # the workbook's date system, for serial numbers
        self.failed = False

    def problem(self, key: str | None, message: str, *, warning: bool = False) -> None:
        column = self.sheet.spec.column(key) if key else None
        entry = Problem(self.sheet.name, self.number, self.sheet.letter(key) if key else "",
                        column.heading if column else "", message)
        if warning:
            self.warnings.append(entry)
        else:
            self.failed = True
            self.errors.append(entry)

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
        if is_formula_object(value) or looks_like_formula(text):
            shown = text if len(text) <= 40 else text[:37] + "..."
            self.problem(key, f"This cell holds a formula or starts like one ({shown}): type the value "
                         "itself, without a leading =, +, - or @")
            return None
        if has_control_characters(text):
            self.problem(key, "This cell holds hidden control characters (they can come from text copied from "
                         "another system): retype the value")
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
            return parse_date(raw, self.epoch)
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
        code = mapping.get(label_key(text))
        if code is None:
            self.problem(key, f"'{text}' is not one of the choices: {message[0].lower()}{message[1:]}")
        return code


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"
