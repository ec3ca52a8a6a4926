"""What a file really is, decided from its bytes, and whether that is a type we accept.

Magic numbers come from ``filetype`` (PDF, PNG, JPEG, ZIP). Office and OpenDocument files are
ZIP containers, and ``filetype`` guesses them from the first few entries only, so a container
is opened with ``zipfile`` and identified by the parts the formats require (``word/document.xml``
for DOCX, the ``mimetype`` entry for ODF, ...). Whether an Office file carries macros is decided
by what the package declares (``office_macros``: its ``[Content_Types].xml`` and relationships,
read with a size cap), never by a part's name alone; the plan import uses the same function.
Nothing else is decompressed except ODF's tiny ``mimetype`` entry. CSV and TXT have no magic
number: they must decode as strict UTF-8, contain no NUL and not be a web page or SVG in disguise
(markup anywhere in the first 8 KiB). ``formula_cells`` finds the cells of a CSV that a
spreadsheet would run as formulas: such a file is kept and served as it was uploaded.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

import filetype
from openpyxl.utils import get_column_letter

from improvement_tracker.services.exports import FORMULA_PREFIXES


@dataclass(frozen=True)
class FileType:
    code: str
    mime: str
    label: str  # with its article: "a PDF", "an Excel spreadsheet (XLSX)"
    extensions: tuple[str, ...]


ALLOWED: dict[str, FileType] = {
    t.code: t
    for t in (
        FileType("pdf", "application/pdf", "a PDF", ("pdf",)),
        FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "a Word document (DOCX)", ("docx",)),
        FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "an Excel spreadsheet (XLSX)", ("xlsx",)),
        FileType("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                 "a PowerPoint presentation (PPTX)", ("pptx",)),
        FileType("odt", "application/vnd.oasis.opendocument.text", "an OpenDocument text file (ODT)", ("odt",)),
        FileType("ods", "application/vnd.oasis.opendocument.spreadsheet", "an OpenDocument spreadsheet (ODS)",
                 ("ods",)),
        FileType("csv", "text/csv", "a CSV file", ("csv",)),
        FileType("txt", "text/plain", "a text file (TXT)", ("txt",)),
        FileType("png", "image/png", "a PNG image", ("png",)),
        FileType("jpeg", "image/jpeg", "a JPEG image", ("jpg", "jpeg")),
    )
}
BY_EXTENSION = {ext: t for t in ALLOWED.values() for ext in t.extensions}
ALLOWED_SENTENCE = "a PDF, DOCX, XLSX, PPTX, ODT, ODS, CSV, TXT, PNG or JPEG file"

# Signatures strong enough to overrule a .csv or .txt name (a program fails the text check: NULs).
_STRONG_SIGNATURES = (b"%PDF", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
_OOXML_MAIN_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}
_ODF_MIMETYPES = {ALLOWED["odt"].mime: "odt", ALLOWED["ods"].mime: "ods"}
# Where an OpenDocument package keeps its macros: Basic/ (StarBasic libraries) and Scripts/ (Python,
# JavaScript, BeanShell); LibreOffice loads them from nowhere else.
_ODF_MACROS = re.compile(r"(?:basic|scripts)/", re.IGNORECASE)
# A text file with markup in its first 8 KiB is refused as a web page or an SVG image in disguise:
# renamed markup is a classic way to get script in front of someone, and browsers that sniff look
# at the first few hundred bytes whatever comes before (a comment, spaces, a byte order mark). A tag
# counts only as a browser would read one, "<" then the name at once, so "a < b" or "<5" is text;
# names that are also words count only as a whole tag, so "<link to follow>" or "<a third" is text.
MARKUP_WINDOW = 8192
_PREFIX = rb"</?(?:[a-z][\w.-]*:)?"  # a closing slash, a namespace prefix (<html:script>)
_MARKUP = re.compile(
    # Never ordinary text: these start a page or run something with no attribute at all.
    rb"<!doctype[\s>]|<\?xml[\s?]|" + _PREFIX
    + rb"(?:html|script|svg|math|iframe|frameset|applet|xmp|plaintext|noscript|isindex)(?=[\s/>])"
    # Also words: as <name>, or with an attribute (<img src=x>, <a href=...>, <meta http-equiv=...>).
    + rb"|" + _PREFIX
    + rb"(?:a|b|p|br|h1|head|body|img|image|video|audio|source|meta|link|style|form|input|button|base|template"
      rb"|title|table|div|font|details|object|embed|frame|marquee)(?:/?>|[\s/][^<>=]*=[^<>]*>)"
    # Any tag with an event handler: <x onmouseover=...>.
    + rb"|<[a-z][\w:.-]*[\s/][^<>]*?\bon[a-z]{3,}\s*=",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Detected:
    """What the bytes are. ``code`` is one of ALLOWED, or None; ``problem`` says why, for people."""

    code: str | None
    description: str
    problem: str = ""


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[1].lower() if "." in filename else ""


def detect(path: Path, claimed: FileType) -> Detected:
    """Identify the file at path. ``claimed`` (from its extension) only decides how to read text."""
    with open(path, "rb") as handle:
        head = handle.read(8192)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _container(path)
    if claimed.code in ("csv", "txt") and not head.startswith(_STRONG_SIGNATURES):
        # Text has no magic number, and some weak ones ("BM" for a bitmap) are ordinary words.
        return _text(path, claimed)
    kind = filetype.guess(head)
    if kind is not None:
        if kind.extension == "pdf":
            return Detected("pdf", ALLOWED["pdf"].label)
        if kind.extension == "png":
            return Detected("png", ALLOWED["png"].label)
        if kind.extension == "jpg":
            return Detected("jpeg", ALLOWED["jpeg"].label)
        if kind.extension in ("exe", "elf", "dll", "wasm"):
            return Detected(None, "a program")
        return Detected(None, f"a {kind.extension.upper()} file")
    if looks_like_markup(head):
        return Detected(None, "a web page or SVG image")
    return Detected(None, "not a type the service recognises")


def looks_like_markup(head: bytes) -> bool:
    """Whether the first bytes of a file hold HTML, SVG or XML markup anywhere in MARKUP_WINDOW."""
    return _MARKUP.search(head.removeprefix(b"\xef\xbb\xbf")[:MARKUP_WINDOW]) is not None


def _container(path: Path) -> Detected:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                declared = _declared(archive)
                if declared & {MACRO_ENABLED, MACRO_PROJECT}:
                    return Detected(None, "an Office file with macros", "macros")
                if REMOTE_CONTENT in declared:
                    return Detected(None, "an Office file that fetches content from the internet when opened",
                                    "remote")
                for part, code in _OOXML_MAIN_PARTS.items():
                    if part in names:
                        return Detected(code, ALLOWED[code].label)
                return Detected(None, "an Office file of a type the service does not accept")
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    mimetype = entry.read(100).decode("ascii", "replace").strip()
                if mimetype in _ODF_MIMETYPES:
                    if any(_ODF_MACROS.match(name) for name in names):
                        return Detected(None, "an OpenDocument file with macros", "macros")
                    code = _ODF_MIMETYPES[mimetype]
                    return Detected(code, ALLOWED[code].label)
                return Detected(None, "an OpenDocument file of a type the service does not accept")
    except PackageUnreadable as error:
        return Detected(None, error.description)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return Detected(None, "a damaged file")
    return Detected(None, "a ZIP archive")


# --- macros in an Office package ----------------------------------------------------------

MACRO_ENABLED = "macro-enabled"  # the main part says so: .docm, .xlsm, .pptm and their templates
MACRO_PROJECT = "macro project"  # a VBA project, its signature or data, or an Excel 4.0 macro sheet
# Content types and relationship types that mean macros, whatever the part is called: the VBA
# project (application/vnd.ms-office.vbaProject, .../relationships/vbaProject), its signatures,
# Word's vbaData, and Excel 4.0 macro sheets (xlMacrosheet, macrosheet+xml).
_MACRO_PART = re.compile(r"vbaproject|vbadata|macrosheet", re.IGNORECASE)
# [Content_Types].xml and every *.rels part are read in full, up to this many bytes together: a
# real package's are a few kilobytes (a document with 10,000 links has about 1.5 MB).
MAX_PACKAGE_XML_BYTES = 16 * 1024 * 1024


class PackageUnreadable(ValueError):
    """The package's declarations could not be checked; ``description`` says so, for people."""

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description


def office_macros(archive: zipfile.ZipFile) -> str | None:
    """MACRO_ENABLED or MACRO_PROJECT if the Office package carries macros, else None.

    Decided from what Office itself reads: the content types in ``[Content_Types].xml`` (Default
    and Override entries) and the relationship types in every ``*.rels`` part, so a VBA project
    stored under any name is found. A part named ``vbaProject.bin`` counts too. Raises
    PackageUnreadable when those parts are damaged, declare a DTD, or are too large to check.
    """
    found = _declared(archive)
    if MACRO_ENABLED in found:
        return MACRO_ENABLED
    return MACRO_PROJECT if MACRO_PROJECT in found else None


# Relationship types Office follows by itself when the file is opened, if their target is external:
# how remote template injection and the Follina attack reach a reviewer's machine. Links stay allowed.
REMOTE_CONTENT = "remote content"
_REMOTE_TYPES = re.compile(r"/(?:attachedtemplate|oleobject|frame|subdocument)$", re.IGNORECASE)


def _declared(archive: zipfile.ZipFile) -> set[str]:
    """MACRO_ENABLED, MACRO_PROJECT and REMOTE_CONTENT, as the package declares them."""
    found: set[str] = set()
    if any(name.lower().endswith("vbaproject.bin") for name in archive.namelist()):
        found.add(MACRO_PROJECT)

    def content_type(attributes: dict[str, str]) -> None:
        value = _attribute(attributes, "ContentType")
        if "macroenabled" in value.lower():
            found.add(MACRO_ENABLED)
        elif _MACRO_PART.search(value):
            found.add(MACRO_PROJECT)

    def relationship(attributes: dict[str, str]) -> None:
        kind = _attribute(attributes, "Type")
        if _MACRO_PART.search(kind):
            found.add(MACRO_PROJECT)
        if _attribute(attributes, "TargetMode").lower() == "external" and _REMOTE_TYPES.search(kind):
            found.add(REMOTE_CONTENT)

    budget = [MAX_PACKAGE_XML_BYTES]
    for info in archive.infolist():
        name = info.filename.lower()
        if name == "[content_types].xml":
            _read_declarations(archive, info, content_type, budget)
        elif name.endswith(".rels"):
            _read_declarations(archive, info, relationship, budget)
    return found


def _attribute(attributes: dict[str, str], local_name: str) -> str:
    """An attribute by its name, with or without a namespace prefix."""
    for key, value in attributes.items():
        if key.rsplit(":", 1)[-1] == local_name:
            return value
    return ""


def _read_declarations(archive: zipfile.ZipFile, info: zipfile.ZipInfo, on_element, budget: list[int]) -> None:
    """Stream one XML part through expat, calling on_element with each element's attributes.

    Safe by construction: a DTD (and so any entity) is refused before it is read, and no more
    than ``budget`` bytes are decompressed, whatever the entry claims its size is.
    """
    parser = expat.ParserCreate()

    def refuse_dtd(*_args) -> None:  # the package format forbids DTDs: only a crafted file has one
        raise PackageUnreadable("a damaged file")

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.StartElementHandler = lambda _name, attributes: on_element(attributes)
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(64 * 1024):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise PackageUnreadable("an Office file too large to check")
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except RuntimeError:  # an encrypted entry: zipfile wants a password
        raise PackageUnreadable("a file protected with a password") from None
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
        # Broken XML, a bad CRC or broken compressed data, an unknown compression method.
        raise PackageUnreadable("a damaged file") from None


# --- formulas in a CSV file ---------------------------------------------------------------



@dataclass(frozen=True)
class FormulaCells:
    """The cells of a CSV file that a spreadsheet would run as formulas.

    ``first`` names the first such cell ("row 2, column C"); ``complete`` is False when the file
    could not be read to its end (a malformed or enormous field), so there may be more.
    """

    count: int
    first: str = ""
    complete: bool = True


def formula_cells(stream: BinaryIO) -> FormulaCells:
    """Count the cells of a UTF-8 CSV (as uploaded) that start like a formula and are not numbers.

    Reads the file as Excel opens it (commas, double quotes: a quoted ``"=1+1"`` is still run).
    """
    count, first = 0, ""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    try:
        for row_number, row in enumerate(csv.reader(text), start=1):
            for column_number, value in enumerate(row, start=1):
                if value.startswith(FORMULA_PREFIXES) and not _is_number(value):
                    count += 1
                    first = first or f"row {row_number}, column {get_column_letter(column_number)}"
    except csv.Error:
        return FormulaCells(count, first, complete=False)
    finally:
        text.detach()  # the caller closes its own stream
    return FormulaCells(count, first)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return value.strip() == value  # " -1" is a number to Python; a leading tab or return is not harmless


def _text(path: Path, claimed: FileType) -> Detected:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    first = True
    with open(path, "rb") as handle:
        while chunk := handle.read(64 * 1024):
            if first:  # 64 KiB: the whole markup window
                if looks_like_markup(chunk):
                    return Detected(None, "a web page or SVG image")
                first = False
            if b"\0" in chunk:
                return Detected(None, "not text", "not_text")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return Detected(None, "not UTF-8 text", "not_utf8")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return Detected(None, "not UTF-8 text", "not_utf8")
    return Detected(claimed.code, claimed.label)
