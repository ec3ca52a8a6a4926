"""Importing a force's improvement plan from a spreadsheet: all or nothing, previewed first.

The journey: ``read`` turns the file into rows (``workbook`` refuses what must not be opened,
``sheets`` finds the plan's sheets and headings); ``check`` compares every row with the
force's plan and returns an ``ImportReport`` — what would be created or updated, and every
problem by sheet, row and column — without writing anything; ``apply`` writes a clean report
through the same services the pages use and records one ``plan.imported`` event with the
file's SHA-256. The caller commits once, or rolls back. ``store``/``load``/``claim`` keep the
uploaded file between the preview and the confirmation (``staging``).

The modules: ``columns`` (the sheets and their columns), ``cells`` (one cell's value),
``workbook`` (opening the file), ``sheets`` (the plan's sheets into rows), ``row`` (checking
one row's cells), ``checker`` (``check``), ``report`` (what an import would do), ``writer``
(``apply``), ``staging`` (the upload between preview and confirmation) and ``template`` (the
downloadable template). Below are the names the pages and the command line use.
"""

from improvement_tracker.services.imports.checker import check
from improvement_tracker.services.imports.columns import KIND_SLUGS
from improvement_tracker.services.imports.report import ImportReport, Problem, report_lines
from improvement_tracker.services.imports.sheets import read
from improvement_tracker.services.imports.staging import StoredImport, claim, discard, load, purge, release, store
from improvement_tracker.services.imports.writer import ImportFailed, apply

__all__ = [
    "KIND_SLUGS",
    "ImportFailed",
    "ImportReport",
    "Problem",
    "StoredImport",
    "apply",
    "check",
    "claim",
    "discard",
    "load",
    "purge",
    "read",
    "release",
    "report_lines",
    "store",
]
