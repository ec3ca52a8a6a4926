"""Dashboard tables as CSV and XLSX downloads, safe to open in a spreadsheet.

A text cell that starts with =, +, -, @, a tab or a carriage return could be run as a formula
by Excel or LibreOffice (CSV injection, OWASP); it gets a leading apostrophe so it is shown as
text. Numbers and dates are written as numbers and dates.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook

from improvement_tracker.services.inputs import without_control_characters
from improvement_tracker.services.tables import Table

# Also what filetypes.formula_cells counts in CSV evidence, which is kept as it was sent.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def neutralise(value: Any) -> Any:
    """Text safe in a spreadsheet: no formula, and no control character (openpyxl refuses to write
    one; the forms and the import refuse them, but older rows may hold some)."""
    if not isinstance(value, str):
        return value
    value = without_control_characters(value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralise(value)


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads the accents right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([_csv_value(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table, sheet_title: str | None = None) -> bytes:
    """openpyxl's write-only mode: rows stream out, memory stays flat."""
    return to_workbook([table], [sheet_title] if sheet_title else None)


def to_workbook(tables: list[Table], sheet_titles: list[str] | None = None) -> bytes:
    """One sheet per table (a quarterly return: its pillars, then its lists)."""
    workbook = Workbook(write_only=True)
    for n, table in enumerate(tables):
        title = sheet_titles[n] if sheet_titles else table.title
        for bad in "[]:*?/\\":
            title = title.replace(bad, " ")
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([neutralise(h) for h in table.headers])
        for row in table.rows:
            sheet.append([neutralise(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def render(table: Table, fmt: str) -> bytes:
    return to_csv(table) if fmt == "csv" else to_xlsx(table)
