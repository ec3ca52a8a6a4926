"""Opening the uploaded file: XLSX through openpyxl in read-only mode, CSV as strict UTF-8.

This module knows about files, not plans: it refuses what must not be opened (macro-enabled,
encrypted or old-format workbooks, zip bombs, files over the limits), and hands back each sheet
as numbered rows of cell values. Which sheet holds what is ``sheets``' job; what the values
mean is ``checker``'s.

Nothing here trusts the file name: the bytes decide what the file is, and the name must agree.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from improvement_tracker.services.filetypes import MACRO_ENABLED, PackageUnreadable, office_macros

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILE_LABEL = "5 MB"
MAX_ROWS = 5000
MAX_COLUMNS = 50
# A 5 MB workbook can unpack to far more; this bounds the work a small hostile file can cause.
MAX_UNZIPPED_BYTES = 150 * 1024 * 1024
# Formatting often reaches far below the data: stop after this many blank rows in a row.
BLANK_RUN_LIMIT = 1000

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"
# The directory entry of an encrypted Office file names its payload stream (UTF-16LE).
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]{1,3})([0-9]+):([A-Z]{1,3})([0-9]+)"')


class FileRefused(ValueError):
    """The file cannot be imported at all; ``message`` says why in plain words and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Merge:
    """A merged range: its value sits in the top-left cell."""

    min_col: int
    min_row: int
    max_col: int
    max_row: int


@dataclass
class SheetSource:
    """One sheet of the file: its name, whether Excel hides it, and a way to read its rows."""

    name: str
    hidden: bool = False
    merges: list[Merge] = field(default_factory=list)
    _rows: Iterator[tuple[int, tuple]] | None = None

    def rows(self) -> Iterator[tuple[int, tuple]]:
        """(row number, values) for every row, numbered as the spreadsheet numbers them."""
        if self._rows is None:  # not an assert: python -O would drop it
            raise RuntimeError(f"the rows of {self.name} have not been read")
        return self._rows


@dataclass
class Workbook:
    format: str  # "xlsx" or "csv"
    sheets: list[SheetSource]
    epoch: object = None  # openpyxl's date epoch for serial numbers (1900 or 1904 system)
    _close: object = None

    def close(self) -> None:
        if callable(self._close):
            self._close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - 64)
    return index


# --- what the file is -------------------------------------------------------------------

def detect_format(data: bytes, filename: str) -> str:
    """"xlsx" or "csv", judged by content; refuses anything else with a reason."""
    suffix = PurePath(filename or "").suffix.lower()
    if not data:
        raise FileRefused("The selected file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(f"The selected file must be smaller than {MAX_FILE_LABEL}")
    if suffix in (".xlsm", ".xltm", ".xlam"):
        raise FileRefused("Macro-enabled workbooks (.xlsm) cannot be imported: save it as an Excel "
                          "Workbook (.xlsx) and upload that")
    if data.startswith(OLE2_SIGNATURE):
        if _ENCRYPTED_PACKAGE in data:
            raise FileRefused("The workbook is protected with a password: remove the password "
                              "(File > Info > Protect Workbook in Excel), save it and upload it again")
        raise FileRefused("The file is in the old Excel 97-2003 format (.xls): save it as an Excel "
                          "Workbook (.xlsx) and upload that")
    if data.startswith(ZIP_SIGNATURE):
        if suffix != ".xlsx":
            raise FileRefused("The selected file must be an XLSX or CSV spreadsheet, with a name "
                              "ending .xlsx or .csv")
        return "xlsx"
    if suffix == ".xlsx":
        raise FileRefused("The file's name ends .xlsx but it is not an Excel workbook: it may be damaged. "
                          "Open it in Excel or LibreOffice, save it as .xlsx and upload it again")
    if suffix == ".csv":
        return "csv"
    raise FileRefused("The selected file must be an XLSX or CSV spreadsheet")


def open_workbook(data: bytes, filename: str) -> Workbook:
    """Open the file for reading after every file-level check; close it when done."""
    kind = detect_format(data, filename)
    if kind == "csv":
        return _open_csv(data, filename)
    return _open_xlsx(data)


# --- XLSX ------------------------------------------------------------------------------

def _check_zip(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    names = {info.filename for info in infos}
    if any(info.flag_bits & 0x1 for info in infos):
        raise FileRefused("The workbook is protected with a password: remove the password, save it and "
                          "upload it again")
    # The same check as evidence uploads: what [Content_Types].xml and the relationships declare.
    try:
        macros = office_macros(archive)
    except PackageUnreadable:
        raise FileRefused("The workbook could not be opened: it may be damaged. Open it in Excel or "
                          "LibreOffice, save it as .xlsx and upload it again") from None
    if macros == MACRO_ENABLED:
        raise FileRefused("The workbook is macro-enabled, which cannot be imported: save it as an Excel "
                          "Workbook (.xlsx) and upload that")
    if macros:
        raise FileRefused("The workbook contains macros, which cannot be imported: save it as an Excel "
                          "Workbook (.xlsx, not .xlsm) and upload that")
    if "xl/workbook.bin" in names:
        raise FileRefused("Excel Binary Workbooks (.xlsb) cannot be imported: save it as an Excel "
                          "Workbook (.xlsx) and upload that")
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise FileRefused("The file is not an Excel workbook (.xlsx): if it came from another program, "
                          "save it as an Excel Workbook (.xlsx) and upload that")
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        raise FileRefused("The workbook is too large once unpacked: split it into smaller files")


def _merges(archive: zipfile.ZipFile, path: str | None) -> list[Merge]:
    """The sheet's merged ranges, read from the end of its XML without loading the sheet."""
    if not path:
        return []
    path = path.lstrip("/")
    if path not in archive.namelist():
        return []
    found: list[Merge] = []
    tail = b""
    with archive.open(path) as stream:
        while chunk := stream.read(1 << 20):
            buffer = tail + chunk
            cut = buffer.rfind(b"<")
            complete, tail = (buffer[:cut], buffer[cut:]) if cut > 0 else (buffer, b"")
            for match in _MERGE.finditer(complete):
                c1, r1, c2, r2 = match.groups()
                found.append(Merge(column_index(c1.decode()), int(r1), column_index(c2.decode()), int(r2)))
        for match in _MERGE.finditer(tail):
            c1, r1, c2, r2 = match.groups()
            found.append(Merge(column_index(c1.decode()), int(r1), column_index(c2.decode()), int(r2)))
    return found


def _sheet_rows(worksheet) -> Iterator[tuple[int, tuple]]:
    worksheet.reset_dimensions()  # some programs write a wrong size; read what is there
    try:
        yield from enumerate(
            worksheet.iter_rows(min_row=1, min_col=1, max_col=MAX_COLUMNS, values_only=True), start=1
        )
    except FileRefused:
        raise
    except Exception:  # a sheet damaged part-way through
        raise FileRefused(f"The sheet '{worksheet.title}' could not be read: it may be damaged. Open the file "
                          "in Excel or LibreOffice, save it as .xlsx and upload it again") from None


def _open_xlsx(data: bytes) -> Workbook:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise FileRefused("The workbook could not be opened: it may be damaged. Open it in Excel or "
                          "LibreOffice, save it as .xlsx and upload it again") from None
    try:
        _check_zip(archive)
    except zipfile.BadZipFile:
        archive.close()
        raise FileRefused("The workbook could not be opened: it may be damaged") from None
    except FileRefused:
        archive.close()
        raise

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported extensions (slicers, conditional formats)
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False,
                                 keep_vba=False)
    except Exception:  # openpyxl raises many kinds of error for a broken file
        archive.close()
        raise FileRefused("The workbook could not be read: it may be damaged. Open it in Excel or "
                          "LibreOffice, save it as .xlsx and upload it again") from None

    sheets = []
    for worksheet in book.worksheets:
        if not hasattr(worksheet, "iter_rows"):
            continue  # a chart sheet
        state = getattr(worksheet, "sheet_state", "visible")
        sheets.append(SheetSource(
            name=str(worksheet.title),
            hidden=state in ("hidden", "veryHidden"),
            merges=_merges(archive, getattr(worksheet, "_worksheet_path", None)),
            _rows=_sheet_rows(worksheet),
        ))

    def close() -> None:
        book.close()
        archive.close()

    return Workbook(format="xlsx", sheets=sheets, epoch=book.epoch, _close=close)


# --- CSV -------------------------------------------------------------------------------

def _open_csv(data: bytes, filename: str) -> Workbook:
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    if b"\x00" in data:
        raise FileRefused("The file is not a CSV text file: save it from Excel as "
                          "'CSV UTF-8 (Comma delimited)' and upload that")
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise FileRefused("The CSV file is not saved as UTF-8 text: in Excel choose File > Save As > "
                          "'CSV UTF-8 (Comma delimited)', then upload it again") from None

    def rows() -> Iterator[tuple[int, tuple]]:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        number = 0
        try:
            for record in reader:
                number += 1
                yield number, tuple(record[:MAX_COLUMNS])
        except csv.Error as error:
            raise FileRefused(f"The CSV file could not be read at row {number + 1}: {error}. Save it "
                              "from Excel as 'CSV UTF-8 (Comma delimited)' and upload it again") from None

    name = PurePath(filename or "file.csv").name
    return Workbook(format="csv", sheets=[SheetSource(name=name, _rows=rows())])
