"""Spreadsheets for the import tests, made by code: a filled-in template, CSVs, and a messy real-world plan."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from openpyxl import Workbook, load_workbook

from improvement_tracker.services.imports import template as import_template
from improvement_tracker.services.imports.columns import SHEETS_BY_KIND

PILLARS = [("P1", "Suspect-focused investigations"), ("P2", "Identifying and disrupting repeat suspects"),
           ("P3", "Procedural justice and victim engagement"), ("P4", "Officer learning, development and wellbeing"),
           ("P5", "Data-driven strategic analysis and performance"), ("P6", "Digital forensics")]
DEEP_DIVE_TITLE = "Soteria deep dive 2022"


def deep_dive(title: str = DEEP_DIVE_TITLE, **extra) -> dict:
    return {"title": title, "period": "January to June 2022", "lead": "Academic team", **extra}


def finding(reference: str, pillar: str = "P1", title: str = "Investigations test the victim's credibility",
            **extra) -> dict:
    return {"reference": reference, "deep_dive": DEEP_DIVE_TITLE, "pillar": pillar, "type": "Cause of concern",
            "title": title, **extra}


def action(reference: str, owner: str, *, finding: str | None = None, pillar: str | None = None,
           title: str = "Train investigators in suspect-focused work", **extra) -> dict:
    row = {"reference": reference, "title": title, "owner_email": owner, **extra}
    if finding:
        row["finding"] = finding
    if pillar:
        row["pillar"] = pillar
    return row


def milestone(action_reference: str, title: str, **extra) -> dict:
    return {"action_reference": action_reference, "title": title, **extra}


def filled_template(**sheets: list[dict]) -> bytes:
    """The downloadable template, filled in below its notes row as a person would."""
    book = load_workbook(io.BytesIO(import_template.build_xlsx(PILLARS)))
    for kind, rows in sheets.items():
        spec = SHEETS_BY_KIND[kind]
        sheet = book[spec.title]
        keys = [c.key for c in spec.columns]
        for number, row in enumerate(rows, start=3):
            for key, value in row.items():
                sheet.cell(row=number, column=keys.index(key) + 1, value=value)
    return _save(book)


def csv_file(kind: str, rows: list[dict], *, bom: bool = True, notes: bool = True) -> bytes:
    spec = SHEETS_BY_KIND[kind]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.heading for c in spec.columns])
    if notes:
        writer.writerow([c.note for c in spec.columns])
    for row in rows:
        writer.writerow([_csv_value(row.get(c.key)) for c in spec.columns])
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook(sheets: dict[str, list[list]], *, hidden: tuple[str, ...] = ()) -> bytes:
    """A plain workbook: each sheet given as a list of rows (lists of values)."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    return _save(book)


def headings(kind: str) -> list[str]:
    return [c.heading for c in SHEETS_BY_KIND[kind].columns]


def messy_plan(owner_email: str) -> bytes:
    """A force's own working spreadsheet, as it is found in the wild.

    - a banner row merged across the top, a blank row, and a "Dates" heading merged over two columns
      above the real headings;
    - headings in their own words and case, with trailing spaces ("Ref ", "Owner E-mail");
    - a finding reference merged down over the three actions that answer it;
    - blank rows between groups, trailing and non-breaking spaces in values;
    - dates as real dates, as Excel serial numbers, and as UK text in four formats;
    - a column the import does not know ("RAG (manual)"), a hidden sheet of old data, and a Notes sheet.
    """
    book = Workbook()
    summary = book.active
    summary.title = "Findings"
    summary.append(["Avon and Somerset – findings from the deep dive"])
    summary.merge_cells("A1:F1")
    summary.append([])
    summary.append(["Ref ", "Deep Dive", "NOM pillar", "Finding type", "Finding", "Priority "])
    summary.append(["AS-P1-01 ", "Soteria deep dive 2022", "p1", "cause of concern",
                    "Investigations test the victim's credibility  ", "High"])
    summary.append([None, None, None, None, None, None])
    summary.append(["AS-P4-01", "soteria deep dive 2022 ", "P4 Officer learning, development and wellbeing",
                    "Area_for_improvement", "Investigators lack\u00a0specialist training", "medium"])

    dives = book.create_sheet("Deep dives")
    dives.append(["Title", "Period", "Lead", "Summary"])
    dives.append(["Soteria deep dive 2022", "January to June 2022", "Academic team", "Case files and focus groups"])

    plan = book.create_sheet("Action plan")
    plan.append(["Avon and Somerset Soteria improvement plan (v3 FINAL)"])
    plan.merge_cells("A1:K1")
    plan.append([])
    plan.append([None, None, None, None, None, None, None, "Dates", None, None, None, None])
    plan.merge_cells("H3:I3")
    plan.append(["Action Ref ", "Finding ref", "Action", "What will be done", "Owner E-mail", "Owner name",
                 "Status", "Start date", "Target date", "RAG (manual)", "Completed", "Reason"])
    rows = [
        ["AS-P1-01-A", "AS-P1-01", "Suspect-focused training for every RASSO investigator ",
         "Two-day course", f" {owner_email.upper()} ", "Olive Owner", "In progress",
         datetime(2026, 4, 1), "31/03/2027", "Amber", None, None],
        ["AS-P1-01-B", None, "Case review panel with the CPS", None, owner_email, None, "not started",
         46113, "30-06-2027", "Green", None, None],  # 46113 is 1 April 2026 as an Excel serial number
        ["AS-P1-01-C", None, "Victim feedback loop", None, owner_email, None, "Complete",
         "1 October 2025", "31 March 2027", "Green", "15/01/2026", None],
    ]
    for row in rows:
        plan.append(row)
    plan.merge_cells("B5:B7")  # the finding reference covers its three actions
    plan.append([])
    plan.append([None] * 12)
    plan.append(["AS-P4-01-A", "AS-P4-01", "Specialist RASSO learning pathway", None, owner_email, None,
                 "Blocked", "2026-05-01", "1st September 2027", "Red", None, "Waiting for the College's course "])
    plan.append([])

    reasons = book.create_sheet("Milestones")
    reasons.append(["Action", "Milestone", "Due date", "Completed date"])
    reasons.append(["as-p1-01-a", "Course designed", datetime(2026, 6, 30), None])
    reasons.append(["AS-P1-01-A", "First cohort trained ", "30/09/2026", None])
    reasons.append(["AS-P1-01-C", "Feedback survey live", 46054, "01/02/2026"])  # 46054 = 1 February 2026

    old = book.create_sheet("Old plan 2023")
    old.append(["Ref", "Title", "Owner email"])
    old.append(["OLD-1", "Something from 2023", owner_email])
    old.sheet_state = "hidden"

    notes = book.create_sheet("Notes")
    notes.append(["Remember to send the plan to the board on Friday"])
    return _save(book)
