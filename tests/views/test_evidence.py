"""Evidence through the pages: upload, the bad input the service must refuse, download, review,
withdrawal, purge, the lists, and the sign-off rule.

Every refusal is checked three ways: the message a person reads, no file left in the upload
directory (kept or half-written), and no evidence row.
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, AuditEvent, Evidence
from improvement_tracker.services import clock
from tests import factories, files
from tests.conftest import ClientRequest, error_messages, summary_errors


def stored(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def evidence_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Evidence))


@pytest.fixture
def pm():
    return factories.create_user("programme_manager", name="Priya Manager")


def upload(request: ClientRequest, action: Action, items: list[tuple[bytes, str]], description: str = "Register",
           expected_status: int = 200, **extra):
    data = {"files": [(io.BytesIO(content), name) for content, name in items], "description": description, **extra}
    if expected_status == 302:
        return request.post(f"/actions/{action.id}/evidence/new", data, content_type="multipart/form-data")
    return request.post_page(f"/actions/{action.id}/evidence/new", data, expected_status=expected_status,
                             content_type="multipart/form-data")


def assert_refused(page, uploads: Path, *messages: str) -> None:
    """The problems are listed in the error summary and next to the field; nothing is kept."""
    assert page.title.get_text().startswith("Error:")
    assert summary_errors(page) == list(messages)
    inline = " ".join(error_messages(page))
    for message in messages:
        assert message in inline
    assert stored(uploads) == [], "a refused upload left a file behind"
    assert evidence_rows() == 0, "a refused upload left an evidence row behind"


# --- the happy path ---------------------------------------------------------------------

def test_owner_uploads_several_files_at_once(owner_request, action, uploads, owner):
    milestone = factories.create_milestone(action, "Course designed")
    response = upload(owner_request, action, [(files.pdf(), "Register.pdf"), (files.png(), "Dashboard.png"),
                                              (files.docx(), "Policy v2.docx")],
                      "Attendance and the revised policy", expected_status=302, milestone_id=str(milestone.id))
    assert response.headers["Location"] == f"/actions/{action.id}"  # at its top, the message in view
    rows = db.session.scalars(select(Evidence).order_by(Evidence.id)).all()
    assert [(e.original_filename, e.file_type, e.review_state) for e in rows] == [
        ("Register.pdf", "pdf", "submitted"), ("Dashboard.png", "png", "submitted"),
        ("Policy v2.docx", "docx", "submitted")]
    assert all(e.milestone_id == milestone.id and e.uploaded_by_id == owner.id for e in rows)
    assert rows[0].size_bytes == len(files.pdf())
    import hashlib

    assert rows[0].sha256 == hashlib.sha256(files.pdf()).hexdigest()
    # Stored under generated keys, never under the name the user gave.
    kept = stored(uploads)
    assert len(kept) == 3 and all(p.name == e.storage_key for p, e in zip(
        sorted(kept, key=lambda p: p.name), sorted(rows, key=lambda e: e.storage_key), strict=True))
    assert not any("Register" in str(p) for p in kept)
    assert (uploads / rows[0].storage_key[:2] / rows[0].storage_key).read_bytes() == files.pdf()

    page = owner_request.get(f"/actions/{action.id}")
    section = page.select_one("#evidence").find_next("table").get_text(" ", strip=True)
    for name in ("Register.pdf", "Dashboard.png", "Policy v2.docx", "Awaiting review", "Course designed"):
        assert name in section
    events = db.session.scalars(select(AuditEvent.event).where(AuditEvent.action_id == action.id)).all()
    assert events.count("evidence.uploaded") == 3


@pytest.mark.parametrize(("content", "name", "file_type"), [
    (files.pdf(), "a.PDF", "pdf"), (files.docx(), "b.docx", "docx"),
    (files.docx_with_a_late_main_part(), "late.docx", "docx"), (files.xlsx(), "c.xlsx", "xlsx"),
    (files.pptx(), "d.pptx", "pptx"), (files.odt(), "e.odt", "odt"), (files.ods(), "f.ods", "ods"),
    (files.csv(), "g.csv", "csv"), (files.txt(), "h.txt", "txt"), (files.png(), "i.png", "png"),
    (files.jpeg(), "j.jpg", "jpeg"), (files.jpeg(), "k.jpeg", "jpeg"),
    ("\ufeffName,Enw\nAnwen,Ŵyn\n".encode(), "welsh.csv", "csv"),
    # A link to a web page is followed only when clicked: allowed, unlike an external template.
    (files.docx_with_an_external("hyperlink", "https://www.college.police.uk/"), "links.docx", "docx"),
])
def test_every_allowed_type_is_accepted(owner_request, action, uploads, content, name, file_type):
    upload(owner_request, action, [(content, name)], expected_status=302)
    assert db.session.scalar(select(Evidence.file_type)) == file_type


# --- bad input: each is refused, with nothing kept ---------------------------------------

BAD_FILES = [
    pytest.param(files.HTML, "page.pdf", "“page.pdf” is not really a PDF: its content is a web page or SVG image",
                 id="html-renamed-pdf"),
    pytest.param(files.HTML, "page.png",
                 "“page.png” is not really a PNG image: its content is a web page or SVG image", id="html-renamed-png"),
    pytest.param(files.SVG, "logo.png",
                 "“logo.png” is not really a PNG image: its content is a web page or SVG image", id="svg-renamed-png"),
    pytest.param(files.SVG, "logo.pdf", "“logo.pdf” is not really a PDF: its content is a web page or SVG image",
                 id="svg-renamed-pdf"),
    pytest.param(files.HTML, "notes.txt",
                 "“notes.txt” is not really a text file (TXT): its content is a web page or SVG image",
                 id="html-renamed-txt"),
    pytest.param(files.exe(), "policy.docx",
                 "“policy.docx” is not really a Word document (DOCX): its content is a program", id="exe-renamed-docx"),
    pytest.param(files.plain_zip(), "minutes.docx",
                 "“minutes.docx” is not really a Word document (DOCX): its content is a ZIP archive",
                 id="zip-not-office"),
    pytest.param(b"PK\x03\x04 this is not really a zip", "broken.xlsx",
                 "“broken.xlsx” is not really an Excel spreadsheet (XLSX): its content is a damaged file",
                 id="damaged-zip"),
    pytest.param(files.docm(), "macros.docx",
                 "“macros.docx” contains macros, which are not allowed. Save it without macros and try again",
                 id="office-with-macros"),
    pytest.param(files.docx_with_an_external("attachedTemplate"), "policy.docx",
                 "“policy.docx” is set to fetch a template or object from another site when it is opened, which is "
                 "not allowed. Save it as a new document, or as a PDF, and try again", id="remote-template"),
    pytest.param(files.docx_with_an_external("oleObject", "mhtml:https://evil.example/x.html!x-usc:https://evil"),
                 "policy.docx",
                 "“policy.docx” is set to fetch a template or object from another site when it is opened, which is "
                 "not allowed. Save it as a new document, or as a PDF, and try again", id="remote-ole-object"),
    pytest.param(files.odt_with_macros(), "minutes.odt",
                 "“minutes.odt” contains macros, which are not allowed. Save it without macros and try again",
                 id="opendocument-with-basic-macros"),
    pytest.param(files.odt_with_macros("scripts"), "minutes.odt",
                 "“minutes.odt” contains macros, which are not allowed. Save it without macros and try again",
                 id="opendocument-with-scripts"),
    pytest.param(files.png(), "photo.pdf",
                 "“photo.pdf” is a PNG image, not a PDF. Rename it to end in .png, or choose another file",
                 id="mismatched-type"),
    pytest.param(files.xlsx(), "figures.docx",
                 "“figures.docx” is an Excel spreadsheet (XLSX), not a Word document (DOCX). "
                 "Rename it to end in .xlsx, or choose another file", id="mismatched-office-type"),
    pytest.param(files.exe(), "setup.exe",
                 "“setup.exe” must be a PDF, DOCX, XLSX, PPTX, ODT, ODS, CSV, TXT, PNG or JPEG file",
                 id="disallowed-extension"),
    pytest.param(files.SVG, "logo.svg",
                 "“logo.svg” must be a PDF, DOCX, XLSX, PPTX, ODT, ODS, CSV, TXT, PNG or JPEG file", id="svg"),
    pytest.param(files.pdf(), "report",
                 "“report” must be a PDF, DOCX, XLSX, PPTX, ODT, ODS, CSV, TXT, PNG or JPEG file", id="no-extension"),
    pytest.param("Name,Town\nSiân,Llanelli\n".encode("latin-1"), "latin1.csv",
                 "“latin1.csv” must be saved as UTF-8 text (in Excel, “CSV UTF-8”)", id="csv-not-utf8"),
    pytest.param(b"line one\x00\x01\x02binary", "data.txt", "“data.txt” is not a text file: its content is not text",
                 id="txt-with-nul"),
    pytest.param(b"", "empty.pdf", "“empty.pdf” is empty", id="zero-bytes"),
    pytest.param(files.pdf(), "../../etc/passwd.pdf",
                 "The file name “../../etc/passwd.pdf” must not contain / or \\. Rename the file and try again",
                 id="dot-dot-slash"),
    # The test client does not escape backslashes in the header; the server unescapes them.
    pytest.param(files.pdf(), r"..\\..\\windows\\win.pdf",
                 "The file name “..\\..\\windows\\win.pdf” must not contain / or \\. Rename the file and try again",
                 id="dot-dot-backslash"),
    pytest.param(files.pdf(), "report\x00.pdf",
                 "The file name “report?.pdf” contains hidden control characters. Rename the file and try again",
                 id="nul-in-name"),
    pytest.param(files.pdf(), "invoice\u202efdp.exe.pdf",
                 "The file name “invoice?fdp.exe.pdf” contains hidden control characters. "
                 "Rename the file and try again",
                 id="right-to-left-override"),
    pytest.param(files.pdf(), "r" * 250 + ".pdf",
                 f"The file name “{'r' * 59}…” is too long: it must be 200 characters or fewer. "
                 "Rename the file and try again", id="very-long-name"),
    pytest.param(files.pdf(), "★★★.pdf",
                 "The file name “★★★.pdf” needs at least one letter or number before the .pdf. "
                 "Rename the file and try again", id="only-non-ascii-symbols"),
    pytest.param(files.pdf(), "\u200b\u200b.pdf",
                 "The file name “??.pdf” needs at least one letter or number before the .pdf. "
                 "Rename the file and try again", id="only-non-ascii-invisible"),
    pytest.param(files.pdf(), " .pdf",
                 "The file name “ .pdf” needs at least one letter or number before the .pdf. "
                 "Rename the file and try again", id="empty-after-cleaning"),
    pytest.param(files.pdf(), "CON.pdf",
                 "The file name “CON.pdf” is a name Windows reserves for devices. Rename the file and try again",
                 id="windows-reserved-con"),
    pytest.param(files.txt(), "lpt1.txt",
                 "The file name “lpt1.txt” is a name Windows reserves for devices. Rename the file and try again",
                 id="windows-reserved-lpt1"),
    pytest.param(files.csv(), "Aux.backup.csv",
                 "The file name “Aux.backup.csv” is a name Windows reserves for devices. Rename the file and try again",
                 id="windows-reserved-aux"),
]


@pytest.mark.parametrize(("content", "name", "message"), BAD_FILES)
def test_bad_file_is_refused_and_nothing_is_kept(owner_request, action, uploads, content, name, message):
    page = upload(owner_request, action, [(content, name)], "Kept when refused")
    assert_refused(page, uploads, message)
    assert page.select_one("textarea#description").get_text() == "Kept when refused"
    assert "No files were uploaded" in page.get_text()


def test_one_bad_file_refuses_the_whole_upload(owner_request, action, uploads):
    page = upload(owner_request, action, [(files.pdf(), "good.pdf"), (b"", "empty.pdf"), (files.HTML, "x.png"),
                                          (files.png(), "good.png")])
    assert_refused(page, uploads, "“empty.pdf” is empty",
                   "“x.png” is not really a PNG image: its content is a web page or SVG image")


def test_a_file_over_the_limit_gets_an_inline_error(app, owner_request, action, uploads):
    app.config["MAX_UPLOAD_MB"] = 1
    try:
        page = upload(owner_request, action, [(files.pdf() + b"0" * (1024 * 1024), "big.pdf")])
    finally:
        app.config["MAX_UPLOAD_MB"] = 20
    assert_refused(page, uploads, "“big.pdf” must be smaller than 1 MB")


def test_a_request_over_the_whole_limit_is_a_govuk_413_page(app, owner_request, action, uploads):
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    try:
        page = upload(owner_request, action, [(files.pdf() + b"0" * (100 * 1024), "huge.pdf")],
                      expected_status=413)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert page.h1.get_text(strip=True) == "The file is too large"
    assert stored(uploads) == [] and evidence_rows() == 0


def test_too_many_files_in_one_go(app, owner_request, action, uploads):
    many = [(files.txt() + str(n).encode(), f"note-{n}.txt") for n in range(11)]
    page = upload(owner_request, action, many)
    assert_refused(page, uploads, "Select up to 10 files at a time: you selected 11")


def test_no_file_and_no_description(owner_request, action, uploads):
    page = owner_request.post_page(f"/actions/{action.id}/evidence/new", {"description": ""},
                                   content_type="multipart/form-data")
    assert summary_errors(page) == ["Select a file to upload", "Enter a short description of the evidence"]
    assert stored(uploads) == [] and evidence_rows() == 0
    page = upload(owner_request, action, [(files.pdf(), "a.pdf")], "   ")
    assert_refused(page, uploads, "Enter a short description of the evidence")


def test_the_same_file_twice_is_recognised(owner_request, action, uploads, owner):
    page = upload(owner_request, action, [(files.pdf(), "one.pdf"), (files.pdf(), "two.pdf")])
    assert_refused(page, uploads, "“two.pdf” is the same file as “one.pdf”: select it only once")

    factories.create_evidence(action, owner, files.pdf(), "register.pdf")
    before = stored(uploads)
    page = upload(owner_request, action, [(files.pdf(), "copy.pdf")])
    assert summary_errors(page) == [f"“copy.pdf” is already on this action (uploaded by Owen Owner on "
                                    f"{_today()} as “register.pdf”)"]
    assert stored(uploads) == before and evidence_rows() == 1
    # Another action may hold the same file.
    other = factories.create_action(owner, reference="OTHER", status="in_progress")
    upload(owner_request, other, [(files.pdf(), "register.pdf")], expected_status=302)
    assert evidence_rows() == 2


def _today() -> str:
    today = clock.today()
    return f"{today.day} {today:%B %Y}"


def test_file_names_in_messages_are_escaped(owner_request, action, uploads):
    page = upload(owner_request, action, [(b"", '<img src=x onerror=alert(1)>.pdf')])
    assert page.select_one("img[onerror]") is None
    assert "“<img src=x onerror=alert(1)>.pdf” is empty" in summary_errors(page)


def test_upload_without_a_csrf_token_is_refused(owner_request, action, uploads):
    response = owner_request.post(f"/actions/{action.id}/evidence/new",
                                  {"files": [(io.BytesIO(files.pdf()), "a.pdf")], "description": "x"},
                                  csrf=False, expected_status=400, content_type="multipart/form-data")
    page = ClientRequest.check_page(response)
    assert page.h1.get_text(strip=True) == "Your form could not be sent"
    assert stored(uploads) == [] and evidence_rows() == 0


def test_no_upload_to_a_finished_action(owner_request, owner, uploads):
    done = factories.create_action(owner, status="complete")
    page = owner_request.get(f"/actions/{done.id}")
    assert "Upload evidence" not in page.get_text()
    page = upload(owner_request, done, [(files.pdf(), "late.pdf")])
    assert_refused(page, uploads, "This action is finished: reopen it before adding evidence")


def test_milestone_must_belong_to_the_action(owner_request, action, owner, uploads):
    other = factories.create_action(owner, reference="OTHER")
    foreign = factories.create_milestone(other, "Not this one")
    page = upload(owner_request, action, [(files.pdf(), "a.pdf")], milestone_id=str(foreign.id))
    assert "Select one of this action’s milestones, or none" in summary_errors(page)
    assert stored(uploads) == [] and evidence_rows() == 0


# --- download and preview --------------------------------------------------------------

def test_download_is_an_attachment_with_safe_headers(owner_request, action, owner, uploads):
    item = factories.create_evidence(action, owner, files.pdf(), 'Minutes "final"; v2.pdf')
    response = owner_request.client.get(f"/evidence/{item.id}/download")
    assert response.status_code == 200
    assert response.data == files.pdf()
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox; frame-ancestors 'none'"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    encoded = quote('Minutes "final"; v2.pdf', safe="")
    assert disposition == f"attachment; filename=\"Minutes _final__ v2.pdf\"; filename*=UTF-8''{encoded}"
    assert "%22" in encoded and "%3B" in encoded


def test_a_name_in_another_alphabet_is_kept_and_safely_encoded(owner_request, action, owner, uploads):
    """Only non-ASCII letters: kept for display, with a plain ASCII stand-in for old clients."""
    upload(owner_request, action, [(files.pdf(), "Протокол.pdf")], expected_status=302)
    item = db.session.scalar(select(Evidence))
    assert item.original_filename == "Протокол.pdf"
    disposition = owner_request.client.get(f"/evidence/{item.id}/download").headers["Content-Disposition"]
    assert disposition == (f"attachment; filename=\"evidence-{item.id}.pdf\"; "
                           "filename*=UTF-8''%D0%9F%D1%80%D0%BE%D1%82%D0%BE%D0%BA%D0%BE%D0%BB.pdf")
    welsh = factories.create_evidence(action, owner, files.txt(), "Cofnodion ŵyl.txt")
    disposition = owner_request.client.get(f"/evidence/{welsh.id}/download").headers["Content-Disposition"]
    assert disposition == "attachment; filename=\"Cofnodion wyl.txt\"; filename*=UTF-8''Cofnodion%20%C5%B5yl.txt"


def test_images_preview_inline_through_the_same_checks(app, owner_request, action, owner, uploads):
    image = factories.create_evidence(action, owner, files.png(), "chart.png")
    document = factories.create_evidence(action, owner, files.pdf(), "report.pdf")
    response = owner_request.client.get(f"/evidence/{image.id}/preview")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith('inline; filename="chart.png"')
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox; frame-ancestors 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert owner_request.client.get(f"/evidence/{document.id}/preview").status_code == 404
    page = owner_request.get(f"/evidence/{image.id}")
    assert page.select_one("figure img")["src"] == f"/evidence/{image.id}/preview"
    outsider = ClientRequest(app.test_client()).login(factories.create_user("programme_manager", "durham"))
    assert outsider.client.get(f"/evidence/{image.id}/preview").status_code == 404


def test_another_forces_user_gets_404_for_every_evidence_url(app, action, owner, uploads):
    item = factories.create_evidence(action, owner, files.png(), "chart.png")
    for role in ("programme_manager", "action_owner"):
        outsider = ClientRequest(app.test_client()).login(factories.create_user(role, "durham"))
        for path in ("", "/download", "/preview", "/review", "/withdraw", "/purge"):
            assert outsider.client.get(f"/evidence/{item.id}{path}").status_code == 404, (role, path)
        assert outsider.client.post(f"/evidence/{item.id}/review", data={
            "csrf_token": outsider.csrf_token(), "decision": "accepted"}).status_code == 404
    colleague = ClientRequest(app.test_client()).login(factories.create_user("action_owner"))
    assert colleague.client.get(f"/evidence/{item.id}/download").status_code == 404
    assert colleague.client.get(f"/evidence/{item.id + 1000}/download").status_code == 404
    db.session.expire_all()
    assert db.session.get(Evidence, item.id).review_state == "submitted"


def test_oversight_reads_evidence_and_its_trail_but_cannot_change_it(app, action, owner, pm, uploads):
    item = factories.create_evidence(action, owner)
    ClientRequest(app.test_client()).login(pm).post(f"/evidence/{item.id}/review",
                                                    {"decision": "rejected", "reason": "Unsigned copy"})
    oversight = ClientRequest(app.test_client()).login(factories.create_user("oversight", None))
    assert oversight.client.get(f"/evidence/{item.id}/download").data == files.pdf()
    page = oversight.get(f"/evidence/{item.id}")
    trail = page.select_one("table").get_text(" ", strip=True)
    assert "Uploaded evidence register.pdf" in trail and "Unsigned copy" in trail
    assert not page.select(".govuk-button-group a")
    oversight.get(f"/evidence/{item.id}/review", expected_status=403)
    oversight.get(f"/evidence/{item.id}/withdraw", expected_status=403)
    oversight.post(f"/evidence/{item.id}/review", {"decision": "accepted"}, expected_status=403)
    db.session.expire_all()
    assert db.session.get(Evidence, item.id).review_state == "rejected"


# --- review -----------------------------------------------------------------------------

def test_programme_manager_accepts_and_rejects(app, client_request, action, owner, pm, uploads):
    first = factories.create_evidence(action, owner, files.pdf(), "register.pdf")
    second = factories.create_evidence(action, owner, files.png(), "photo.png")
    client_request.login(pm)
    page = client_request.post_page(f"/evidence/{second.id}/review", {"decision": "rejected", "reason": " "})
    assert error_messages(page) == ["Enter why the evidence is rejected"]
    page = client_request.post_page(f"/evidence/{second.id}/review", {"decision": "maybe"})
    assert error_messages(page) == ["Select whether you accept or reject the evidence"]
    client_request.post(f"/evidence/{second.id}/review", {"decision": "rejected", "reason": "Wrong month"})
    client_request.post(f"/evidence/{first.id}/review", {"decision": "accepted"})
    db.session.expire_all()
    first, second = db.session.get(Evidence, first.id), db.session.get(Evidence, second.id)
    assert (first.review_state, first.reviewed_by_id) == ("accepted", pm.id)
    assert (second.review_state, second.review_reason) == ("rejected", "Wrong month")

    # The owner sees the outcome on the action and in My actions.
    owner_client = ClientRequest(app.test_client()).login(owner)
    page = owner_client.get(f"/actions/{action.id}")
    section = page.select_one("#evidence").find_next("table").get_text(" ", strip=True)
    assert "Accepted" in section and "Rejected" in section and "Wrong month" in section
    page = owner_client.get("/my-actions")
    row = page.find("a", string=lambda s: s and "AS-P1-01-A" in s).find_parent("tr").get_text(" ", strip=True)
    assert "1 accepted, 1 rejected" in row and "See why" in row
    events = db.session.scalars(select(AuditEvent.event).where(AuditEvent.object_type == "evidence")).all()
    assert sorted(events) == ["evidence.accepted", "evidence.rejected", "evidence.uploaded", "evidence.uploaded"]


def test_action_owner_cannot_review_their_own_evidence(owner_request, action, owner, uploads):
    item = factories.create_evidence(action, owner)
    page = owner_request.get(f"/actions/{action.id}")
    assert "Review" not in [a.get_text(strip=True) for a in page.select("#evidence ~ .app-table-scroll table a")]
    owner_request.get(f"/evidence/{item.id}/review", expected_status=403)
    owner_request.post(f"/evidence/{item.id}/review", {"decision": "accepted"}, expected_status=403)
    db.session.expire_all()
    assert db.session.get(Evidence, item.id).review_state == "submitted"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "evidence.accepted")) == 0


def test_programme_manager_cannot_review_evidence_they_uploaded(client_request, pm, uploads):
    action = factories.create_action(pm, status="in_progress")
    item = factories.create_evidence(action, pm)
    client_request.login(pm)
    response = client_request.post(f"/evidence/{item.id}/review", {"decision": "accepted"})
    assert response.headers["Location"] == f"/evidence/{item.id}"
    page = client_request.get(f"/evidence/{item.id}")
    assert "someone else must review it" in page.get_text()
    db.session.expire_all()
    assert db.session.get(Evidence, item.id).review_state == "submitted"


# --- the review form: the reason is revealed by "reject" ----------------------------------------

def test_the_reason_box_is_a_conditional_reveal_under_reject(client_request, action, owner, pm, uploads):
    item = factories.create_evidence(action, owner)
    page = client_request.login(pm).get(f"/evidence/{item.id}/review")
    radios = page.select_one(".govuk-radios")
    # GOV.UK's markup, handed to our own script (static/src/conditional-reveal.mjs), not GOV.UK's radios module.
    assert radios.get("data-app-conditional-reveal") == "decision"
    accept, reject = radios.select("input[type=radio]")
    assert (accept["value"], accept.get("data-aria-controls")) == ("accepted", None)
    assert (reject["value"], reject["data-aria-controls"]) == ("rejected", "conditional-decision-2")
    reveal = page.select_one("#conditional-decision-2")
    assert reveal["class"] == ["govuk-radios__conditional", "govuk-radios__conditional--hidden"]
    assert reveal.select_one("textarea#reason") is not None
    assert reveal.find_previous_sibling("div").select_one("input")["value"] == "rejected"  # right under "reject"
    assert not page.select("[aria-expanded]")


def test_rejecting_without_a_reason_shows_the_box_and_keeps_what_was_typed(client_request, action, owner, pm,
                                                                             uploads):
    item = factories.create_evidence(action, owner)
    client_request.login(pm)
    page = client_request.post_page(f"/evidence/{item.id}/review", {"decision": "rejected", "reason": "  "})
    assert summary_errors(page) == ["Enter why the evidence is rejected"]
    assert page.select_one(".govuk-error-summary__list a")["href"] == "#reason"
    reveal = page.select_one("#conditional-decision-2")
    assert reveal["class"] == ["govuk-radios__conditional"]  # shown: "reject" is chosen
    assert reveal.select_one("#reason-error") is not None
    assert page.select_one("input#decision-2").has_attr("checked")
    too_long = "Blurred " * 300
    page = client_request.post_page(f"/evidence/{item.id}/review", {"decision": "rejected", "reason": too_long})
    assert error_messages(page) == ["Reason must be 2000 characters or fewer"]
    assert page.select_one("textarea#reason").get_text() == too_long
    db.session.expire_all()
    assert db.session.get(Evidence, item.id).review_state == "submitted"


def test_a_reason_left_in_the_box_when_accepting_is_not_kept(client_request, action, owner, pm, uploads):
    item = factories.create_evidence(action, owner)
    client_request.login(pm)
    client_request.post(f"/evidence/{item.id}/review", {"decision": "rejected", "reason": "Unsigned"})
    page = client_request.get(f"/evidence/{item.id}/review")
    assert page.select_one("#conditional-decision-2")["class"] == ["govuk-radios__conditional"]
    assert page.select_one("textarea#reason").get_text() == "Unsigned"
    # Hidden once "accept" is chosen: not read, so not refused for being too long either.
    client_request.post(f"/evidence/{item.id}/review", {"decision": "accepted", "reason": "Unsigned " * 300})
    db.session.expire_all()
    assert (db.session.get(Evidence, item.id).review_state, db.session.get(Evidence, item.id).review_reason) == (
        "accepted", None)


# --- after accepting: "Sign off this action now" ------------------------------------------------

def _asked(owner, reference: str = "AS-P2-01-A") -> Action:
    from improvement_tracker.services import status

    found = factories.create_action(owner, reference=reference, status="in_progress")
    status.apply(db.session, found, "request-sign-off", "Done", actor=owner)
    db.session.commit()
    return found


def _banner(page) -> tuple[str, list[tuple[str, str]]]:
    banner = page.select_one(".govuk-notification-banner")
    return banner.get_text(" ", strip=True), [(a.get_text(strip=True), a["href"]) for a in banner.select("a")]


def test_accepting_the_last_evidence_offers_to_sign_the_action_off(client_request, owner, pm, uploads):
    action = _asked(owner)
    first = factories.create_evidence(action, owner, files.pdf(), "register.pdf")
    second = factories.create_evidence(action, owner, files.png(), "photo.png")
    client_request.login(pm)
    page = client_request.post_page(f"/evidence/{first.id}/review", {"decision": "accepted"}, follow=True)
    text, links = _banner(page)
    assert "register.pdf accepted" in text and links == []  # photo.png still awaits review
    page = client_request.post_page(f"/evidence/{second.id}/review", {"decision": "rejected", "reason": "Blurred"},
                                    follow=True)
    assert _banner(page)[1] == []  # rejecting offers nothing

    third = factories.create_evidence(action, owner, files.docx(), "policy.docx")
    page = client_request.post_page(f"/evidence/{third.id}/review?next=list", {"decision": "accepted"}, follow=True)
    text, links = _banner(page)
    assert text.endswith("policy.docx accepted. Nothing else on AS-P2-01-A is awaiting review. "
                         "Sign off this action now")
    assert links == [("Sign off this action now", f"/actions/{action.id}/status/sign-off")]
    assert page.h1.get_text(strip=True) == "Evidence awaiting review"  # where the list's review leads, as before
    sign_off = client_request.get(links[0][1])
    assert sign_off.select_one("textarea#note") is not None
    assert "2 pieces of evidence accepted" in sign_off.get_text()


def test_the_offer_shows_a_file_name_as_text(client_request, owner, pm, uploads):
    action = _asked(owner, reference="AS-<b>1</b>")
    item = factories.create_evidence(action, owner, files.pdf(), "<img src=x onerror=alert(1)>.pdf")
    client_request.login(pm)
    page = client_request.post_page(f"/evidence/{item.id}/review", {"decision": "accepted"}, follow=True)
    banner = page.select_one(".govuk-notification-banner")
    assert banner.select("img, b") == [] and [a.get_text() for a in banner.select("a")] == ["Sign off this action now"]
    assert "<img src=x onerror=alert(1)>.pdf accepted. Nothing else on AS-<b>1</b>" in banner.get_text()


def test_no_offer_to_sign_off_when_this_reviewer_may_not_or_the_action_is_not_waiting(app, client_request, owner,
                                                                                      pm, uploads):
    client_request.login(pm)
    working = factories.create_action(owner, reference="WORKING", status="in_progress")
    item = factories.create_evidence(working, owner)
    page = client_request.post_page(f"/evidence/{item.id}/review", {"decision": "accepted"}, follow=True)
    assert _banner(page) == ("Success register.pdf accepted", [])

    # The manager asked for this one's sign-off, so another must sign it off: nothing offered to them.
    from improvement_tracker.services import status

    theirs = factories.create_action(owner, reference="THEIRS", status="in_progress")
    status.apply(db.session, theirs, "request-sign-off", "Done", actor=pm)
    db.session.commit()
    item = factories.create_evidence(theirs, owner)
    page = client_request.post_page(f"/evidence/{item.id}/review", {"decision": "accepted"}, follow=True)
    assert _banner(page)[1] == []
    deputy = ClientRequest(app.test_client()).login(factories.create_user("programme_manager", name="Dev Deputy"))
    page = deputy.post_page(f"/evidence/{item.id}/review", {"decision": "rejected", "reason": "Wrong file"},
                            follow=True)
    page = deputy.post_page(f"/evidence/{item.id}/review", {"decision": "accepted"}, follow=True)
    assert _banner(page)[1] == [("Sign off this action now", f"/actions/{theirs.id}/status/sign-off")]


def test_the_sign_off_page_names_evidence_someone_else_must_review(client_request, owner, pm, uploads):
    action = _asked(owner)
    factories.create_evidence(action, pm, files.pdf(), "mine.pdf")
    client_request.login(pm)
    page = client_request.get(f"/actions/{action.id}/status/sign-off")
    assert page.select_one("#evidence-awaiting-review").get_text(" ", strip=True) == (
        "mine.pdf: you uploaded it, so someone else must review it")
    assert page.select_one("main form") is None


def test_evidence_awaiting_review_list_and_count(client_request, action, owner, pm, uploads):
    factories.create_evidence(action, owner, files.pdf(), "first.pdf")
    second = factories.create_evidence(action, owner, files.png(), "second.png")
    other_force = factories.create_action(factories.create_user("action_owner", "durham"))
    factories.create_evidence(other_force, other_force.owner, files.pdf(), "durham.pdf")
    client_request.login(pm)
    page = client_request.get("/forces/avon-and-somerset")
    assert page.select_one("#evidence-awaiting-review").get_text(" ", strip=True) == "Evidence awaiting review: 2"
    row = page.find("a", string=lambda s: s and "AS-P1-01-A" in s).find_parent("tr").get_text(" ", strip=True)
    assert row.endswith("2 awaiting review")
    page = client_request.get("/forces/avon-and-somerset/evidence")
    text = page.select_one("table").get_text(" ", strip=True)
    assert "first.pdf" in text and "second.png" in text and "durham.pdf" not in text
    client_request.post(f"/evidence/{second.id}/review?next=list", {"decision": "accepted"})
    page = client_request.get("/forces/avon-and-somerset")
    assert "Evidence awaiting review: 1" in page.select_one("#evidence-awaiting-review").get_text(" ", strip=True)
    client_request.get("/forces/durham/evidence", expected_status=404)


# --- withdrawal and purge ---------------------------------------------------------------

def test_uploader_withdraws_with_a_reason_and_the_record_stays(app, owner_request, action, owner, uploads):
    item = factories.create_evidence(action, owner, files.pdf(), "wrong.pdf")
    page = owner_request.post_page(f"/evidence/{item.id}/withdraw", {"reason": ""})
    assert error_messages(page) == ["Enter why you are withdrawing this evidence"]
    owner_request.post(f"/evidence/{item.id}/withdraw", {"reason": "Uploaded the wrong month"})
    page = owner_request.get(f"/actions/{action.id}")
    assert page.select_one("#evidence").find_next("p").get_text(strip=True) == "No evidence yet."
    assert "wrong.pdf" in page.select_one("#withdrawn-evidence").get_text()
    history = owner_request.get(f"/actions/{action.id}/history").get_text(" ", strip=True)
    assert "Withdrew evidence wrong.pdf" in history and "Uploaded the wrong month" in history
    assert item.sha256 in history
    # The row and the bytes are still there; only an administrator may remove the bytes.
    db.session.expire_all()
    assert db.session.get(Evidence, item.id).withdrawn_at is not None and len(stored(uploads)) == 1
    assert owner_request.client.get(f"/evidence/{item.id}/download").status_code == 404
    owner_request.get(f"/evidence/{item.id}/purge", expected_status=403)
    # The same file may be uploaded again once the first copy is withdrawn.
    upload(owner_request, action, [(files.pdf(), "right.pdf")], expected_status=302)


def test_programme_manager_withdraws_and_admin_purges_the_bytes(app, client_request, action, owner, pm, uploads):
    item = factories.create_evidence(action, owner, files.pdf(), "victim-details.pdf")
    admin = ClientRequest(app.test_client()).login(factories.create_user("admin", None))
    response = admin.post(f"/evidence/{item.id}/purge", {"reason": "Personal data"})
    assert response.headers["Location"] == f"/evidence/{item.id}/purge"
    assert len(stored(uploads)) == 1

    client_request.login(pm)
    client_request.get(f"/evidence/{item.id}/purge", expected_status=403)
    client_request.post(f"/evidence/{item.id}/withdraw", {"reason": "Contains a victim's details"})
    assert admin.client.get(f"/evidence/{item.id}/download").data == files.pdf()  # admin may check first
    page = admin.post_page(f"/evidence/{item.id}/purge", {"reason": ""})
    assert error_messages(page) == ["Enter why the file is being deleted"]
    admin.post(f"/evidence/{item.id}/purge", {"reason": "Personal data about a victim"})
    assert stored(uploads) == []
    db.session.expire_all()
    item = db.session.get(Evidence, item.id)
    assert item.purged_at is not None and item.sha256 and item.original_filename == "victim-details.pdf"
    assert admin.client.get(f"/evidence/{item.id}/download").status_code == 404
    page = admin.get(f"/evidence/{item.id}")
    assert "The stored file was deleted" in page.get_text()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "evidence.purged"))
    assert event.changes["purge_reason"] == [None, "Personal data about a victim"]
    assert event.changes["sha256"][0] == item.sha256


# --- the sign-off rule ------------------------------------------------------------------

def _awaiting(owner) -> Action:
    return factories.create_action(owner, reference="AS-P2-01-A", status="awaiting_sign_off")


def test_sign_off_waits_for_evidence_under_review(client_request, owner, pm, uploads):
    action = _awaiting(owner)
    item = factories.create_evidence(action, owner)
    client_request.login(pm)
    page = client_request.get(f"/actions/{action.id}/status/sign-off")
    assert "1 piece of evidence is awaiting review" in page.get_text()
    # No form to fill in that would only be refused: the way to the review instead.
    assert page.select_one("main form") is None and page.select_one("textarea#note") is None
    assert [(a.get_text(strip=True), a["href"]) for a in page.select("#evidence-awaiting-review a")] == [
        ("Review register.pdf", f"/evidence/{item.id}/review")]
    page = client_request.post_page(f"/actions/{action.id}/status/sign-off", {"note": "ok"})
    assert summary_errors(page) == ["Review the evidence awaiting review before signing off: 1 file is still "
                                    "to be accepted or rejected"]
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "awaiting_sign_off"
    client_request.post(f"/evidence/{item.id}/review", {"decision": "accepted"})
    page = client_request.get(f"/actions/{action.id}/status/sign-off")
    assert "1 piece of evidence accepted" in page.get_text()
    assert page.select_one("#no_evidence_reason") is None
    client_request.post(f"/actions/{action.id}/status/sign-off", {"note": "Checked"})
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "complete"


def test_a_sign_off_problem_with_no_field_is_in_the_error_summary_only(client_request, owner, pm, uploads):
    """Evidence awaiting review is no fault of the sign-off comment: the message is in the error summary,
    linking to the evidence section of the page, and no field is marked as wrong. (Sent from a page opened
    before the evidence arrived: the page shown now has no form, only the way to the review.)"""
    action = _awaiting(owner)
    factories.create_evidence(action, owner)
    client_request.login(pm)
    page = client_request.post_page(f"/actions/{action.id}/status/sign-off", {"note": "Checked"})
    assert page.title.get_text().startswith("Error: ")
    [item] = page.select(".govuk-error-summary__list li")
    assert item.get_text(strip=True) == ("Review the evidence awaiting review before signing off: 1 file is "
                                         "still to be accepted or rejected")
    assert item.a["href"] == "#sign-off-evidence"
    assert page.select_one("#sign-off-evidence").get_text(strip=True) == "Evidence"
    assert error_messages(page) == []
    assert page.select(".govuk-form-group--error") == []
    assert page.select_one("textarea#note") is None
    assert page.select_one("#evidence-awaiting-review a").get_text(strip=True) == "Review register.pdf"


def test_a_status_problem_with_no_field_or_place_is_in_the_error_summary_unlinked(client_request, owner):
    """A rule about the action as a whole (it has moved on since the page was opened) names no field and
    no place on the page: it is in the error summary as plain text, and not next to the note."""
    action = factories.create_action(owner, status="in_progress")
    client_request.login(owner)
    page = client_request.post_page(f"/actions/{action.id}/status/start", {"note": "Starting"})
    [item] = page.select(".govuk-error-summary__list li")
    assert item.get_text(strip=True) == "This action is in progress: it cannot be moved that way now"
    assert item.a is None
    assert error_messages(page) == []
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "in_progress"


def test_sign_off_without_accepted_evidence_needs_a_reason(client_request, owner, pm, uploads):
    action = _awaiting(owner)
    rejected = factories.create_evidence(action, owner)
    client_request.login(pm)
    client_request.post(f"/evidence/{rejected.id}/review", {"decision": "rejected", "reason": "Blank"})
    page = client_request.get(f"/actions/{action.id}/status/sign-off")
    assert "This action has no accepted evidence" in page.get_text()
    page = client_request.post_page(f"/actions/{action.id}/status/sign-off", {"note": "Done", "no_evidence_reason": ""})
    assert error_messages(page) == ["This action has no accepted evidence: accept some evidence, or enter why "
                                    "none is needed"]
    assert page.select_one("textarea#note").get_text() == "Done"
    client_request.post(f"/actions/{action.id}/status/sign-off",
                        {"note": "Done", "no_evidence_reason": "The policy is published on the intranet"})
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "complete"
    page = client_request.get(f"/actions/{action.id}")
    assert "The policy is published on the intranet" in page.select_one("#no-evidence-reason").get_text()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "action.sign_off"))
    assert event.changes["no_evidence_reason"] == [None, "The policy is published on the intranet"]
