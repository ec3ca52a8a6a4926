"""The import template, made by code from the import's own column list so the two never drift apart.

XLSX: a Guidance sheet, then one sheet each for deep dives, findings, actions and milestones,
each with headed columns, a notes row under the headings, drop-down lists (data validation)
for pillars, types, priorities and statuses, and date checks on date columns.
CSV: one file per sheet, with the same headings and notes rows (UTF-8 with a byte order mark,
so Excel opens it with the right characters).
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from improvement_tracker.models.plans import FINDING_TYPES, PRIORITIES, STATUSES
from improvement_tracker.services.imports.columns import SHEETS, SHEETS_BY_KIND, SheetSpec
from improvement_tracker.services.imports.workbook import MAX_FILE_LABEL, MAX_ROWS
from improvement_tracker.services.plans import FINDING_TYPE_LABELS, PRIORITY_LABELS
from improvement_tracker.services.status import STATUS_LABELS

DATA_ROWS = MAX_ROWS  # validation reaches this far down each sheet
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADING_FONT = Font(bold=True, color="FFFFFF")
HEADING_FILL = PatternFill("solid", fgColor="1D70B8")
NOTE_FONT = Font(italic=True, color="505A5F")
NOTE_FILL = PatternFill("solid", fgColor="F3F2F1")


def _lists(pillar_codes: list[str]) -> dict[str, list[str]]:
    return {
        "pillar": pillar_codes,
        "type": [FINDING_TYPE_LABELS[t] for t in FINDING_TYPES],
        "priority": [PRIORITY_LABELS[p] for p in PRIORITIES],
        "status": [STATUS_LABELS[s] for s in STATUSES],
    }


def _guidance(book: Workbook, pillars: list[tuple[str, str]]) -> None:
    sheet = book.active
    sheet.title = "Guidance"
    lines = [
        ("Importing an improvement plan", True),
        ("Fill in the Deep dives, Findings, Actions and Milestones sheets. You can leave out the sheets "
         "you do not need, and import findings and actions in one file or in several.", False),
        ("Keep the column headings as they are. The grey row under the headings explains each column and "
         "is skipped by the import. Do not add formulas: type the values.", False),
        ("Dates can be real dates or text like 31/03/2027, 31-03-2027, 31 March 2027 or 2027-03-31.", False),
        (f"Files can be up to {MAX_FILE_LABEL} and {MAX_ROWS:,} rows. Nothing is saved until you have "
         "checked the preview and confirmed it, and then everything is saved or nothing is.", False),
        ("Importing the same plan again updates the rows whose reference is already in your plan (deep "
         "dives by title, milestones by action and title) and shows what changed. An import never deletes "
         "anything, and a blank cell leaves the current value as it is.", False),
        ("Statuses and completed dates are used only for actions and milestones the import creates: "
         "progress on what is already in the plan is recorded on its own page.", False),
        ("", False),
        ("Pillars", True),
        *[(f"{code}  {name}", False) for code, name in pillars],
        ("", False),
        ("Types of finding", True),
        *[(FINDING_TYPE_LABELS[t], False) for t in FINDING_TYPES],
        ("", False),
        ("Statuses", True),
        *[(STATUS_LABELS[s], False) for s in STATUSES],
    ]
    for number, (text, bold) in enumerate(lines, start=1):
        cell = sheet.cell(row=number, column=1, value=text)
        cell.font = Font(bold=bold, size=14 if number == 1 else 11)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 110


def _validation(kind: str, values: list[str]) -> DataValidation:
    formula = '"' + ",".join(values) + '"'
    allowed = ", ".join(values)
    return DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                          errorTitle="Choose from the list", error=f"Choose one of: {allowed}"[:255],
                          promptTitle=kind.capitalize()[:32], prompt=f"Choose one of: {allowed}"[:255],
                          showInputMessage=True)


def _date_validation() -> DataValidation:
    return DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2099,12,31)",
                          allow_blank=True, showErrorMessage=True, errorStyle="warning",
                          errorTitle="Enter a date", error="Enter a date like 31/03/2027")


def _data_sheet(book: Workbook, spec: SheetSpec, lists: dict[str, list[str]]) -> None:
    sheet = book.create_sheet(spec.title)
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        heading = sheet.cell(row=1, column=index, value=column.heading)
        heading.font, heading.fill = HEADING_FONT, HEADING_FILL
        heading.alignment = Alignment(wrap_text=True, vertical="top")
        note = sheet.cell(row=2, column=index, value=column.note)
        note.font, note.fill = NOTE_FONT, NOTE_FILL
        note.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[letter].width = column.width
        cells = f"{letter}3:{letter}{DATA_ROWS + 2}"
        if column.kind in lists:
            validation = _validation(column.heading, lists[column.kind])
        elif column.kind == "date":
            validation = _date_validation()
            for row in range(3, 13):  # shown as day/month/year when typed into
                sheet.cell(row=row, column=index).number_format = "DD/MM/YYYY"
        else:
            continue
        validation.add(cells)
        sheet.add_data_validation(validation)
    sheet.row_dimensions[2].height = 75
    sheet.freeze_panes = "A3"


def build_xlsx(pillars: list[tuple[str, str]]) -> bytes:
    """The template workbook. ``pillars`` is [(code, name)] in display order."""
    book = Workbook()
    _guidance(book, pillars)
    lists = _lists([code for code, _ in pillars])
    for spec in SHEETS:
        _data_sheet(book, spec, lists)
    book.properties.title = "Improvement plan import template"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def build_csv(kind: str) -> bytes:
    """One sheet's template as CSV: headings, then the notes row."""
    spec = SHEETS_BY_KIND[kind]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.heading for c in spec.columns])
    writer.writerow([c.note for c in spec.columns])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
