"""Macros and formulas below the pages (found by an attack review).

The evidence upload and the plan import decide whether an Office file carries macros with the
same function (``filetypes.office_macros``), from what the package declares rather than from a
part's name: here both are given the same files. ``formula_cells`` finds the CSV cells a
spreadsheet would run, for the warning shown to the reviewer of CSV evidence.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from improvement_tracker.extensions import db
from improvement_tracker.services import filetypes, imports
from improvement_tracker.services.imports import template as import_template
from tests import factories, files
from tests import import_sheets as sheets

TEMPLATE = import_template.build_xlsx(sheets.PILLARS)


@pytest.fixture
def pm(app):
    return factories.create_user("programme_manager", name="Priya Manager", email="priya.pm@example.police.uk")


def detect(tmp_path, content: bytes, claimed: str) -> filetypes.Detected:
    path = tmp_path / "file"
    path.write_bytes(content)
    return filetypes.detect(path, filetypes.ALLOWED[claimed])


def import_refusal(content: bytes, actor) -> str | None:
    return imports.check(db.session, factories.force(), content, "plan.xlsx", actor=actor).refused


@pytest.mark.parametrize("how", ["override", "relationship"])
def test_evidence_and_import_both_refuse_a_workbook_with_a_renamed_macro_project(tmp_path, pm, how):
    content = files.with_a_renamed_macro_project(TEMPLATE, how)
    assert detect(tmp_path, content, "xlsx").problem == "macros"
    assert import_refusal(content, pm) == ("The workbook contains macros, which cannot be imported: save it as an "
                                           "Excel Workbook (.xlsx, not .xlsm) and upload that")


def test_the_template_itself_is_neither_refused_as_evidence_nor_as_an_import(tmp_path, pm):
    """Guards the check: openpyxl's real declarations carry no macros."""
    assert detect(tmp_path, TEMPLATE, "xlsx").code == "xlsx"
    assert import_refusal(TEMPLATE, pm) is None


def test_a_workbook_whose_declarations_have_a_dtd_is_not_imported(pm):
    """Office packages never have a DTD (the way to an entity bomb): refused before it is read."""
    with zipfile.ZipFile(io.BytesIO(TEMPLATE)) as archive:
        parts = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    parts = [(name, data.replace(b"<Types ", b'<!DOCTYPE Types [<!ENTITY x "x">]><Types ', 1)
              if name == "[Content_Types].xml" else data) for name, data in parts]
    assert import_refusal(files._zip(parts), pm) == (
        "The workbook could not be opened: it may be damaged. Open it in Excel or LibreOffice, save it as .xlsx "
        "and upload it again")


# --- formulas in CSV evidence ----------------------------------------------------------------

@pytest.mark.parametrize(("content", "count", "first", "complete"), [
    (files.csv(), 0, "", True),
    (b"\xef\xbb\xbf=1+1,ok\r\n", 1, "row 1, column A", True),
    (b'a,b,c\n1,-2.5,+44\nx,y,"=cmd|\' /C calc\'!A0"\n', 1, "row 3, column C", True),
    (b"a\n@SUM(A1)\n-x\n\t=1\n\r\n", 3, "row 2, column A", True),
    (b"," * 26 + b"=A1\n", 1, "row 1, column AA", True),
    (b"=1\n" + b'"' + b"x" * 200_000 + b'"\n=2\n', 1, "row 1, column A", False),
], ids=["none", "after-a-bom", "quoted-and-not-numbers", "at-tab-and-sign", "column-aa", "giant-field"])
def test_formula_cells_are_found_as_a_spreadsheet_reads_them(content, count, first, complete):
    found = filetypes.formula_cells(io.BytesIO(content))
    assert (found.count, found.first, found.complete) == (count, first, complete)
