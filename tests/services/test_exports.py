"""Every XLSX download looks finished (services.exports): bold frozen header, a filter, widths from
the content, a sheet name Excel accepts, dates as dates and figures as numbers; formulas never run."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from improvement_tracker.services import exports
from improvement_tracker.services.tables import Table


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


@pytest.mark.parametrize(("title", "expected"), [
    ("Evidence awaiting review", "Evidence awaiting review"),
    ("Avon and Somerset improvement plan", "Avon and Somerset improvement"),
    ("Completion by pillar over time, weekly from the daily snapshots (% complete)",
     "Completion by pillar over time"),
    ("Milestones planned and done, cumulative, by week", "Milestones planned and done"),
    ("Trend: Charge rate (adult rape, per 100 recorded)", "Trend Charge rate"),
    ("Devon and Cornwall: overdue [actions]*?/\\ list", "Devon and Cornwall overdue"),
    ("'Quoted'", "Quoted"),
    ("History", "History table"),
    ("", "Sheet"),
    ("Supercalifragilisticexpialidocious-and-more", "Supercalifragilisticexpialidoci"),
])
def test_sheet_names_fit_excels_limit_at_a_word_boundary(title, expected):
    shortened = exports.sheet_title(title)
    assert shortened == expected
    assert len(shortened) <= 31 and not any(c in shortened for c in "[]:*?/\\")
    if " " in title and len(title) > 31:  # whole words only
        assert title.replace(":", " ").startswith(shortened.split(" ")[0])
        assert all(word in title for word in shortened.split(" "))


def test_sheet_names_in_one_workbook_differ():
    tables = [Table("a", "Actions completed in the quarter and more words", ["A"]),
              Table("b", "Actions completed in the quarter and more words, again", ["B"]),
              Table("c", "history", ["C"])]
    book = _book(exports.to_workbook(tables))
    assert book.sheetnames == ["Actions completed", "Actions completed (2)", "History table"]


def test_every_sheet_has_a_bold_frozen_header_a_filter_and_widths_from_its_content():
    table = Table("t", "Overdue actions", ["Reference", "Title", "Due", "Days"], numeric=frozenset({3}))
    table.add(["AS-P1-01-A-CONTINUED", "A title " * 30, date(2027, 3, 1), 12])
    table.add(["AS-2", "Short", None, 1])
    sheet = _book(exports.to_xlsx(table)).active
    assert sheet.title == "Overdue actions"
    assert [c.value for c in sheet[1]] == table.headers and all(c.font.b for c in sheet[1])
    assert not any(c.font.b for c in sheet[2])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D3"
    widths = [sheet.column_dimensions[letter].width for letter in "ABCD"]
    assert widths[0] == len("AS-P1-01-A-CONTINUED") + 1  # the widest cell
    assert widths[1] == exports.MAX_WIDTH  # capped
    assert widths[2] == len("2027-03-01") + 1  # a date shows as 10 characters
    assert widths[3] == exports.MIN_WIDTH  # never narrower than the minimum


def test_a_finished_sheet_still_runs_no_formula():
    table = Table("t", "=cmd", ["=Header", "Value"])
    table.add(["@SUM(1+1)", "+1"])
    sheet = _book(exports.to_xlsx(table)).active
    assert sheet.title == "=cmd" and sheet.freeze_panes == "A2" and sheet["A1"].font.b
    cells = [c for row in sheet.iter_rows() for c in row]
    assert [c.value for c in cells] == ["'=Header", "Value", "'@SUM(1+1)", "'+1"]
    assert all(c.data_type != "f" for c in cells)
    assert exports.to_csv(table).decode("utf-8-sig").splitlines() == ["'=Header,Value", "'@SUM(1+1),'+1"]


def test_dates_are_dates_and_figures_numbers_even_when_given_as_text():
    """A frozen return's content keeps its dates as ISO text: the workbook has them as dates."""
    table = Table("t", "Replanned", ["Reference", "Was due", "Moved at", "Count", "Note"], numeric=frozenset({3}))
    table.add(["AS-1", "2027-03-01", "2027-03-02T09:30:00", "7", "2027-02-30"])
    table.add(["AS-2", date(2027, 4, 1), datetime(2027, 4, 2, 10, 15), "-2.5", "-2.5"])
    sheet = _book(exports.to_xlsx(table)).active
    assert sheet["B2"].is_date and sheet["B2"].value == datetime(2027, 3, 1)
    assert sheet["B2"].number_format == "yyyy-mm-dd"
    assert sheet["C2"].is_date and sheet["C2"].value == datetime(2027, 3, 2, 9, 30)
    assert sheet["B3"].is_date and sheet["C3"].is_date and sheet["C3"].number_format == "yyyy-mm-dd hh:mm"
    assert (sheet["D2"].value, sheet["D2"].data_type) == (7, "n")
    assert (sheet["D3"].value, sheet["D3"].data_type) == (-2.5, "n")
    assert sheet["E2"].value == "2027-02-30"  # not a real date: left as it was
    assert sheet["E3"].value == "'-2.5"  # text outside a numeric column: neutralised as ever
