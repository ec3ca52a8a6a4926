"""Dashboard tables as CSV and XLSX downloads, safe to open in a spreadsheet.

A text cell that starts with =, +, -, @, a tab or a carriage return could be run as a formula
by Excel or LibreOffice (CSV injection, OWASP); it gets a leading apostrophe so it is shown as
text. Numbers and dates are written as numbers and dates.

Every XLSX sheet looks finished when it opens: the header row bold and frozen, a filter on every
column, each column as wide as its content (within limits), and a sheet name Excel accepts
(``sheet_title``). Dates kept as ISO text (a frozen return's content) are written as dates, and
figures given as text in a numeric column as numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from improvement_tracker.services.inputs import without_control_characters
from improvement_tracker.services.tables import Table

# Also what filetypes.formula_cells counts in CSV evidence, which is kept as it was sent.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

# Excel's limits on a sheet's name: 31 characters, none of these, not starting or ending with an
# apostrophe, and not "History" (Excel keeps that name for itself).
SHEET_TITLE_LIMIT = 31
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Words a shortened sheet name should not end on ("Milestones planned and").
_DANGLING = frozenset({"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "per", "the",
                       "to", "with", "&", "–", "-", "—"})
# Column widths, in characters: wide enough for a heading or a date, never wider than a screen's third.
MIN_WIDTH, MAX_WIDTH = 8, 60
DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")
_NUMBER = re.compile(r"-?\d{1,15}(\.\d{1,10})?")


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


# --- XLSX --------------------------------------------------------------------------------------

def sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """A sheet name Excel accepts, shortened at a word boundary, and different from ``taken``
    (compared as Excel does, ignoring case).

    "Completion by pillar over time, weekly from the daily snapshots (% complete)" becomes
    "Completion by pillar over time": whole words only, no trailing comma or "and". Only a first
    word longer than the limit is cut, as nothing else would fit."""
    text = " ".join(SHEET_TITLE_FORBIDDEN.sub(" ", without_control_characters(title)).split()).strip("'").strip()
    title = _shortened(text, SHEET_TITLE_LIMIT) or "Sheet"
    if title.casefold() == "history":
        title = "History table"
    used = {t.casefold() for t in taken}
    n = 1
    unique = title
    while unique.casefold() in used:
        n += 1
        suffix = f" ({n})"
        unique = _shortened(title, SHEET_TITLE_LIMIT - len(suffix)) + suffix
    return unique


def _shortened(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    words = text.split(" ")
    kept: list[str] = []
    for word in words:
        if len(" ".join([*kept, word])) > limit:
            break
        kept.append(word)
    if not kept:  # one word longer than the limit: the only place a word is cut
        return text[:limit].rstrip("'")
    while len(kept) > 1 and (kept[-1].casefold() in _DANGLING or not kept[-1].strip("([{,;.:–-")):
        kept.pop()
    shortened = " ".join(kept)
    # A clause left open or hanging: "Avon and Somerset (Q2," → "Avon and Somerset".
    shortened = shortened.rstrip(",;:.–- ")
    if shortened.count("(") > shortened.count(")"):
        shortened = shortened[:shortened.rindex("(")].rstrip(",;:.–- ") or shortened
    return shortened.rstrip("'") or text[:limit]


def _cell_value(value: Any, numeric: bool) -> Any:
    """What the cell holds: dates as dates and figures as numbers, even when given as text."""
    if isinstance(value, str):
        if _ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        elif _ISO_DATETIME.fullmatch(value):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        elif numeric and _NUMBER.fullmatch(value):
            return float(value) if "." in value else int(value)
    return neutralise(value)


def _shown_length(value: Any) -> int:
    """How many characters a cell shows: its longest line; a date as yyyy-mm-dd (hh:mm)."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return len(f"{value:.2f}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def _widths(headers: list[Any], rows: list[list[Any]]) -> list[float]:
    """Each column as wide as its widest cell (the bold header a little wider), within limits."""
    widths = [_shown_length(h) + 3 for h in headers]  # room for the filter's button
    for row in rows:
        for i, value in enumerate(row[:len(widths)]):
            widths[i] = max(widths[i], _shown_length(value) + 1)
    return [float(min(MAX_WIDTH, max(MIN_WIDTH, w))) for w in widths]


def _styled(sheet, value: Any, *, bold: bool = False) -> Any:
    """A cell with a font or a number format; plain values otherwise (write-only mode is faster)."""
    if bold:
        cell = WriteOnlyCell(sheet, value)
        cell.font = Font(bold=True)
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def _write_sheet(workbook: Workbook, table: Table, title: str) -> None:
    sheet = workbook.create_sheet(title=title)
    headers = [neutralise(h) for h in table.headers]
    rows = [[_cell_value(v, i in table.numeric) for i, v in enumerate(row)] for row in table.rows]
    # Write-only sheets take their column widths, frozen pane and filter before the first row.
    for i, width in enumerate(_widths(headers, rows), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    if headers:
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    sheet.append([_styled(sheet, h, bold=True) for h in headers])
    for row in rows:
        sheet.append([_styled(sheet, v) for v in row])


def to_xlsx(table: Table, title: str | None = None) -> bytes:
    """openpyxl's write-only mode: rows stream out."""
    return to_workbook([table], [title] if title else None)


def to_workbook(tables: list[Table], sheet_titles: list[str] | None = None) -> bytes:
    """One sheet per table (a quarterly return: its pillars, then its lists)."""
    workbook = Workbook(write_only=True)
    used: list[str] = []
    for n, table in enumerate(tables):
        title = sheet_title(sheet_titles[n] if sheet_titles else table.title, used)
        used.append(title)
        _write_sheet(workbook, table, title)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def render(table: Table, fmt: str) -> bytes:
    return to_csv(table) if fmt == "csv" else to_xlsx(table)
