"""Evidence rules below the pages: type detection, names, storage, scanning, review and sign-off."""

from __future__ import annotations

import io
import shutil
import socketserver
import struct
import tempfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, Evidence
from improvement_tracker.services import audit, evidence, filetypes, status
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.scanning import ClamdScanner, NoScanner, ScanResult
from improvement_tracker.services.storage import LocalStorage, TooLarge, get_storage
from tests import factories, files

# --- what a file really is --------------------------------------------------------------


@pytest.mark.parametrize(("content", "claimed", "code"), [
    (files.pdf(), "pdf", "pdf"), (files.png(), "png", "png"), (files.jpeg(), "jpeg", "jpeg"),
    (files.docx(), "docx", "docx"), (files.docx_with_a_late_main_part(), "docx", "docx"),
    (files.xlsx(), "xlsx", "xlsx"), (files.pptx(), "pptx", "pptx"), (files.odt(), "odt", "odt"),
    (files.ods(), "ods", "ods"), (files.csv(), "csv", "csv"), (files.txt(), "txt", "txt"),
    (b"BMW fleet list\n", "txt", "txt"),  # "BM" is a bitmap's magic number, and an ordinary word
    (files.HTML, "pdf", None), (files.SVG, "png", None), (files.exe(), "docx", None),
    (files.plain_zip(), "docx", None), (files.docm(), "docx", None), (files.png(), "pdf", "png"),
    (files.pdf(), "txt", "pdf"), (files.HTML, "txt", None), (files.SVG, "csv", None),
    ("caf\xe9".encode("latin-1"), "csv", None), (b"\xef\xbb\xbfa,b\n", "csv", "csv"),
])
def test_detect_decides_from_the_bytes(tmp_path, content, claimed, code):
    path = tmp_path / "file"
    path.write_bytes(content)
    assert filetypes.detect(path, filetypes.ALLOWED[claimed]).code == code


def test_a_utf8_character_split_across_chunks_is_still_text(tmp_path):
    path = tmp_path / "long.txt"
    path.write_bytes(b"a" * (64 * 1024 - 1) + "ŵ".encode() + b"end")
    assert filetypes.detect(path, filetypes.ALLOWED["txt"]).code == "txt"


# --- names ------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "kept"), [
    ("Register.pdf", "Register.pdf"), ("  spaced   out .pdf ", "spaced out .pdf"),
    ("Cofnodion ŵyl.txt", "Cofnodion ŵyl.txt"), ("Протокол.pdf", "Протокол.pdf"),
    ("e\u0301cole.pdf", "\u00e9cole.pdf"),  # normalised to NFC
    ("console.pdf", "console.pdf"), ("report.con.pdf", "report.con.pdf"),
])
def test_clean_filename_keeps_good_names(raw, kept):
    assert evidence.clean_filename(raw) == (kept, None)


@pytest.mark.parametrize("raw", [
    "../x.pdf", "a/b.pdf", "a\\b.pdf", "a\x00.pdf", "a\x1f.pdf", "a\u202eb.pdf", "x" * 201 + ".pdf",
    "★.pdf", ".pdf", "   ", "", "...", "NUL.txt", "com1.pdf", "LPT9.docx", "con .pdf",
])
def test_clean_filename_refuses_bad_names(raw):
    name, problem = evidence.clean_filename(raw)
    assert name == "" and problem and problem.endswith("Rename the file and try again")


@pytest.mark.parametrize(("name", "plain"), [
    ("Register.pdf", "Register.pdf"), ("Протокол.pdf", "evidence-7.pdf"), ('a"b;c.pdf', "a_b_c.pdf"),
    ("Cofnodion ŵyl.txt", "Cofnodion wyl.txt"), ("★★.png", "evidence-7.pdf"),
])
def test_ascii_filename_is_never_empty_and_never_breaks_the_header(name, plain):
    assert evidence.ascii_filename(name, "evidence-7.pdf") == plain


# --- storage ----------------------------------------------------------------------------

class Exploding(io.BytesIO):
    """A stream that fails half way, like a client that disconnects."""

    def read(self, size=-1):
        if self.tell() > 10:
            raise ConnectionResetError("client went away")
        return super().read(11)


def test_storage_stages_then_commits_under_a_generated_key(tmp_path):
    storage = LocalStorage(tmp_path / "uploads")
    staged = storage.stage(io.BytesIO(b"hello"), limit=10)
    assert staged.path.parent == tmp_path / "uploads" / ".incoming" and staged.size == 5
    assert (staged.path.stat().st_mode & 0o777) == 0o600
    key = storage.commit(staged)
    assert not staged.path.exists()
    assert storage.files() == [tmp_path / "uploads" / key[:2] / key]
    with storage.open(key) as handle:
        assert handle.read() == b"hello"
    storage.delete(key)
    assert storage.files() == []


@pytest.mark.parametrize("stream", [io.BytesIO(b"x" * 11), Exploding(b"y" * 100)])
def test_storage_leaves_nothing_when_a_file_is_too_big_or_the_stream_breaks(tmp_path, stream):
    storage = LocalStorage(tmp_path / "uploads")
    with pytest.raises((TooLarge, ConnectionResetError)):
        storage.stage(stream, limit=10)
    assert storage.files() == []


@pytest.mark.parametrize("key", ["../../etc/passwd", "ab", "A" * 32, "", "0" * 31 + "/"])
def test_storage_refuses_anything_but_its_own_keys(tmp_path, key):
    with pytest.raises(ValueError):
        LocalStorage(tmp_path).open(key)


# --- upload (service level) -------------------------------------------------------------

@pytest.fixture
def storage(app):
    store = get_storage()
    shutil.rmtree(store.root, ignore_errors=True)
    yield store
    shutil.rmtree(store.root, ignore_errors=True)


@pytest.fixture
def owner(app):
    return factories.create_user("action_owner", name="Owen Owner")


@pytest.fixture
def action(owner):
    return factories.create_action(owner, status="in_progress")


def _upload(action, actor, items, storage, scanner=None, **kwargs):
    return evidence.upload(db.session, action, [evidence.IncomingFile(n, io.BytesIO(c)) for c, n in items],
                           kwargs.pop("description", "Register"), actor=actor, storage=storage,
                           scanner=scanner or NoScanner(), max_mb=kwargs.pop("max_mb", 20),
                           max_files=kwargs.pop("max_files", 10), **kwargs)


def test_upload_is_all_or_nothing(action, owner, storage):
    with pytest.raises(evidence.UploadRefused) as refused:
        _upload(action, owner, [(files.pdf(), "a.pdf"), (files.png(), "b.png"), (b"", "c.pdf")], storage)
    assert refused.value.problems == ["“c.pdf” is empty"]
    assert storage.files() == []
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_a_failure_while_recording_removes_the_files_already_kept(action, owner, storage, monkeypatch):
    real = audit.record
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(RuntimeError):
        _upload(action, owner, [(files.pdf(), "a.pdf"), (files.png(), "b.png"), (files.txt(), "c.txt")], storage)
    db.session.rollback()
    assert storage.files() == []


def test_only_someone_who_works_on_the_action_may_upload(action, storage):
    colleague = factories.create_user("action_owner")
    oversight = factories.create_user("oversight", None)
    for user in (colleague, oversight, factories.create_user("programme_manager", "durham")):
        with pytest.raises(PermissionError):
            _upload(action, user, [(files.pdf(), "a.pdf")], storage)
    assert storage.files() == []


# --- the virus scanner ------------------------------------------------------------------

class FakeClamd(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """Speaks clamd's INSTREAM protocol; finds EICAR, or answers as told."""

    daemon_threads = True

    def __init__(self, path: str, answer: bytes | None = None):
        self.answer = answer
        self.received: list[bytes] = []
        super().__init__(path, ClamdHandler)


class ClamdHandler(socketserver.BaseRequestHandler):
    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            part = self.request.recv(n - len(data))
            if not part:
                raise ConnectionError
            data += part
        return data

    def handle(self) -> None:
        assert self._read(10) == b"zINSTREAM\0"
        body = b""
        while (size := struct.unpack("!L", self._read(4))[0]) != 0:
            body += self._read(size)
        self.server.received.append(body)
        if self.server.answer is not None:
            self.request.sendall(self.server.answer)
        elif files.EICAR in body:
            self.request.sendall(b"stream: Eicar-Test-Signature FOUND\0")
        else:
            self.request.sendall(b"stream: OK\0")


@pytest.fixture
def clamd():
    folder = tempfile.mkdtemp(prefix="clamd", dir="/tmp")  # UNIX socket paths must be short
    servers = []

    def start(answer: bytes | None = None) -> FakeClamd:
        server = FakeClamd(f"{folder}/clamd-{len(servers)}.sock", answer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
    shutil.rmtree(folder, ignore_errors=True)


def _scan(server, content: bytes, tmp_path: Path) -> ScanResult:
    path = tmp_path / "f"
    path.write_bytes(content)
    return ClamdScanner(socket_path=server.server_address, timeout=5).scan(path)


def test_clamd_clean_and_infected(clamd, tmp_path):
    server = clamd()
    big = files.pdf() + b"x" * 200_000  # several INSTREAM chunks
    assert _scan(server, big, tmp_path) == ScanResult("clean")
    assert server.received[-1] == big
    assert _scan(server, files.EICAR, tmp_path) == ScanResult("infected", "Eicar-Test-Signature")


@pytest.mark.parametrize("answer", [b"INSTREAM size limit exceeded. ERROR\0", b"", b"stream: what?\0"])
def test_clamd_errors_are_not_clean(clamd, tmp_path, answer):
    result = _scan(clamd(answer), files.pdf(), tmp_path)
    assert result.verdict == "error" and not result.acceptable


def test_clamd_unreachable_is_not_clean(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x")
    result = ClamdScanner(socket_path=str(tmp_path / "no-clamd.sock"), timeout=1).scan(path)
    assert result.verdict == "error" and "could not be reached" in result.detail
    result = ClamdScanner(host="127.0.0.1", port=9, timeout=1).scan(path)
    assert result.verdict == "error"


def test_scanning_is_off_by_default_and_on_when_configured(app):
    from improvement_tracker.services.scanning import scanner

    assert isinstance(scanner(), NoScanner)
    app.config["CLAMD_SOCKET"] = "/run/clamav/clamd.ctl"
    try:
        assert isinstance(scanner(), ClamdScanner)
    finally:
        app.config["CLAMD_SOCKET"] = ""


def test_an_infected_file_is_refused_recorded_and_not_kept(action, owner, storage, clamd):
    scanner = ClamdScanner(socket_path=clamd().server_address, timeout=5)
    with pytest.raises(evidence.UploadRefused) as refused:
        _upload(action, owner, [(files.pdf(), "clean.pdf"), (files.EICAR, "eicar.txt")], storage, scanner)
    assert refused.value.problems == ["“eicar.txt” was refused: the virus scanner found Eicar-Test-Signature"]
    assert storage.files() == []
    db.session.rollback()
    evidence.record_scan_refusals(db.session, action, refused.value.scan_refusals, actor=owner)
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "evidence.refused"))
    assert event.changes["verdict"] == [None, "infected"] and event.changes["filename"] == [None, "eicar.txt"]
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0

    created = _upload(action, owner, [(files.pdf(), "clean.pdf")], storage, scanner)
    assert created[0].scan_state == "clean"


def test_an_unscannable_file_is_refused(action, owner, storage, tmp_path):
    scanner = ClamdScanner(socket_path=str(tmp_path / "no-clamd.sock"), timeout=1)
    with pytest.raises(evidence.UploadRefused) as refused:
        _upload(action, owner, [(files.pdf(), "a.pdf")], storage, scanner)
    assert refused.value.problems == ["“a.pdf” could not be checked for viruses, so it was not uploaded. "
                                      "Try again later"]
    assert refused.value.scan_refusals[0]["verdict"] == "error"
    assert storage.files() == []


# --- review, withdraw, purge ------------------------------------------------------------

def test_review_rules(action, owner, storage):
    item = factories.create_evidence(action, owner)
    pm = factories.create_user("programme_manager")
    for outsider in (owner, factories.create_user("programme_manager", "durham"),
                     factories.create_user("oversight", None)):
        with pytest.raises(PermissionError):
            evidence.review(db.session, item, "accepted", "", actor=outsider)
    with pytest.raises(ServiceError, match="Enter why the evidence is rejected"):
        evidence.review(db.session, item, "rejected", "  ", actor=pm)
    assert evidence.review(db.session, item, "rejected", "Unsigned", actor=pm)
    assert evidence.review(db.session, item, "accepted", "", actor=pm)  # a decision may be changed
    assert not evidence.review(db.session, item, "accepted", "", actor=pm)
    db.session.commit()
    assert (item.review_state, item.review_reason, item.reviewed_by_id) == ("accepted", None, pm.id)
    events = db.session.scalars(select(AuditEvent.event).where(AuditEvent.object_id == item.id,
                                                               AuditEvent.object_type == "evidence")
                                .order_by(AuditEvent.id)).all()
    assert events == ["evidence.uploaded", "evidence.rejected", "evidence.accepted"]


def test_nobody_reviews_their_own_upload_or_a_finished_action(owner, storage):
    pm = factories.create_user("programme_manager")
    own = factories.create_action(pm, status="in_progress")
    item = factories.create_evidence(own, pm)
    with pytest.raises(ServiceError, match="someone else must review it"):
        evidence.review(db.session, item, "accepted", "", actor=pm)
    done = factories.create_action(owner, status="in_progress")
    late = factories.create_evidence(done, owner)
    done.status = "complete"
    factories.changed(done)
    db.session.commit()
    with pytest.raises(ServiceError, match="reopen it"):
        evidence.review(db.session, late, "accepted", "", actor=pm)


def test_withdraw_and_purge_rules(action, owner, storage):
    item = factories.create_evidence(action, owner)
    colleague = factories.create_user("action_owner")
    pm = factories.create_user("programme_manager")
    admin = factories.create_user("admin", None)
    with pytest.raises(PermissionError):
        evidence.withdraw(db.session, item, "mine now", actor=colleague)
    with pytest.raises(ServiceError, match="Withdraw this evidence before"):
        evidence.purge(db.session, item, "why", actor=admin)
    evidence.withdraw(db.session, item, "Wrong file", actor=owner)
    with pytest.raises(ServiceError, match="already been withdrawn"):
        evidence.withdraw(db.session, item, "again", actor=pm)
    with pytest.raises(ServiceError, match="withdrawn, so it cannot be reviewed"):
        evidence.review(db.session, item, "accepted", "", actor=pm)
    for not_admin in (pm, owner):
        with pytest.raises(PermissionError):
            evidence.purge(db.session, item, "why", actor=not_admin)
    key = evidence.purge(db.session, item, "Personal data", actor=admin)
    db.session.commit()
    storage.delete(key)
    assert storage.files() == [] and item.purged_by_id == admin.id


def test_owner_cannot_withdraw_from_a_finished_action_but_the_pm_can(action, owner, storage):
    item = factories.create_evidence(action, owner)
    action.status = "complete"
    factories.changed(action)
    db.session.commit()
    with pytest.raises(ServiceError, match="ask your programme manager"):
        evidence.withdraw(db.session, item, "oops", actor=owner)
    evidence.withdraw(db.session, item, "Contains personal data", actor=factories.create_user("programme_manager"))


# --- the sign-off rule ------------------------------------------------------------------

def test_sign_off_rule(owner, storage):
    pm = factories.create_user("programme_manager")
    action = factories.create_action(owner, status="in_progress")
    pending = factories.create_evidence(action, owner, files.pdf(), "a.pdf")
    accepted = factories.create_evidence(action, owner, files.png(), "b.png")
    action.status = "awaiting_sign_off"
    factories.changed(action)
    db.session.commit()
    with pytest.raises(ServiceError, match="2 files are still to be accepted or rejected"):
        status.apply(db.session, action, "sign-off", "", actor=pm, no_evidence_reason="Not needed")
    evidence.review(db.session, accepted, "accepted", "", actor=pm)
    with pytest.raises(ServiceError, match="1 file is still to be accepted or rejected"):
        status.apply(db.session, action, "sign-off", "", actor=pm)
    evidence.review(db.session, pending, "rejected", "Illegible", actor=pm)
    status.apply(db.session, action, "sign-off", "Checked", actor=pm)
    db.session.commit()
    assert action.status == "complete"
    assert evidence.no_evidence_reason(db.session, action) is None


def test_withdrawn_evidence_does_not_count_for_sign_off(owner, storage):
    pm = factories.create_user("programme_manager")
    action = factories.create_action(owner, status="in_progress")
    item = factories.create_evidence(action, owner)
    evidence.withdraw(db.session, item, "Wrong file", actor=owner)
    action.status = "awaiting_sign_off"
    db.session.commit()
    with pytest.raises(ServiceError, match="no accepted evidence"):
        status.apply(db.session, action, "sign-off", "", actor=pm)
    status.apply(db.session, action, "sign-off", "", actor=pm, no_evidence_reason="Seen in person at the board")
    db.session.commit()
    assert evidence.no_evidence_reason(db.session, action) == "Seen in person at the board"


def test_counts_for_many_actions_in_one_query(owner, storage):
    first = factories.create_action(owner, status="in_progress")
    second = factories.create_action(owner, status="in_progress")
    factories.create_evidence(first, owner, files.pdf(), "a.pdf")
    factories.create_evidence(first, owner, files.png(), "b.png")
    counts = evidence.counts_for_actions(db.session, [first.id, second.id])
    assert (counts[first.id].submitted, counts[first.id].total, counts[second.id].total) == (2, 2, 0)
