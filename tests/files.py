"""Small real files of each type, built in memory, for the evidence tests."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def pdf(text: str = "Training attendance register") -> bytes:
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def png(width: int = 4, height: int = 3, colour: tuple[int, int, int] = (29, 112, 184)) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack("!IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def jpeg() -> bytes:
    """A JPEG's markers (enough for type detection; not a viewable picture)."""
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            + b"\xff\xdb\x00\x43\x00" + bytes(range(64)) + b"\xff\xd9")


def _zip(entries: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return out.getvalue()


CONTENT_TYPES = b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
RELS = b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'


def docx(text: str = "Revised policy") -> bytes:
    return _zip([("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                 ("docProps/core.xml", b"<coreProperties/>"),
                 ("word/document.xml", f"<document><body><p>{text}</p></body></document>".encode())])


def docx_with_a_late_main_part() -> bytes:
    """A real DOCX whose word/ part comes after a large entry (defeats first-entries sniffing)."""
    return _zip([("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                 ("docProps/thumbnail.jpeg", bytes(range(256)) * 64), ("docProps/core.xml", b"<c/>"),
                 ("customXml/item1.xml", b"<x/>" * 2000), ("word/document.xml", b"<document/>")])


def docm() -> bytes:
    return _zip([("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                 ("word/document.xml", b"<document/>"), ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")])


def xlsx() -> bytes:
    return _zip([("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                 ("xl/workbook.xml", b"<workbook/>"), ("xl/worksheets/sheet1.xml", b"<worksheet/>")])


def pptx() -> bytes:
    return _zip([("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                 ("ppt/presentation.xml", b"<presentation/>"), ("ppt/slides/slide1.xml", b"<sld/>")])


def odt() -> bytes:
    return _zip([("mimetype", b"application/vnd.oasis.opendocument.text"),
                 ("content.xml", b"<office:document-content/>"), ("META-INF/manifest.xml", b"<manifest/>")],
                stored_first=True)


def ods() -> bytes:
    return _zip([("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
                 ("content.xml", b"<office:document-content/>"), ("META-INF/manifest.xml", b"<manifest/>")],
                stored_first=True)


def plain_zip() -> bytes:
    return _zip([("minutes.txt", b"Minutes of the meeting"), ("photo.png", png())])


def csv() -> bytes:
    return (b"Officer,Course,Completed\nPC Jones,Suspect-focused investigation,2026-03-01\n"
            b"DS Pryce,Ymchwiliad,2026-03-02\n")


def txt() -> bytes:
    return b"Minutes of the RASSO board, 3 March 2026.\nAgreed: the new policy.\n"


def exe() -> bytes:
    """The start of a Windows program: an MZ header and a PE signature."""
    header = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00" * 2)
    header += b"\x00" * (0x3C - len(header)) + struct.pack("<I", 0x80)
    header += b"\x00" * (0x80 - len(header)) + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 200
    return bytes(header)


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b"<script>alert(2)</script></svg>")
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
