"""What a file really is, decided from its bytes, and whether that is a type we accept.

Magic numbers come from ``filetype`` (PDF, PNG, JPEG, ZIP). Office and OpenDocument files are
ZIP containers, and ``filetype`` guesses them from the first few entries only, so a container
is opened with ``zipfile`` and identified by the parts the formats require (``word/document.xml``
for DOCX, the ``mimetype`` entry for ODF, ...). Nothing is decompressed except ODF's tiny
``mimetype`` entry. CSV and TXT have no magic number: they must decode as strict UTF-8, contain
no NUL and not be a web page or SVG in disguise.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype


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
# A text file that opens like a web page or an SVG image is refused: renamed markup is a classic
# way to get script in front of someone.
_MARKUP = re.compile(rb"^\s*<\s*(!doctype|html|head|body|script|svg|\?xml|iframe|object|embed)\b", re.IGNORECASE)


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
    if _MARKUP.match(head.lstrip(b"\xef\xbb\xbf")):
        return Detected(None, "a web page or SVG image")
    return Detected(None, "not a type the service recognises")


def _container(path: Path) -> Detected:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                if any(name.lower().endswith("vbaproject.bin") for name in names):
                    return Detected(None, "an Office file with macros", "macros")
                for part, code in _OOXML_MAIN_PARTS.items():
                    if part in names:
                        return Detected(code, ALLOWED[code].label)
                return Detected(None, "an Office file of a type the service does not accept")
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    mimetype = entry.read(100).decode("ascii", "replace").strip()
                if mimetype in _ODF_MIMETYPES:
                    code = _ODF_MIMETYPES[mimetype]
                    return Detected(code, ALLOWED[code].label)
                return Detected(None, "an OpenDocument file of a type the service does not accept")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return Detected(None, "a damaged file")
    return Detected(None, "a ZIP archive")


def _text(path: Path, claimed: FileType) -> Detected:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    first = True
    with open(path, "rb") as handle:
        while chunk := handle.read(64 * 1024):
            if first:
                if _MARKUP.match(chunk.lstrip(b"\xef\xbb\xbf")):
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
