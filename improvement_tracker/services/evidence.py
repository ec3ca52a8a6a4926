"""Evidence: files on an action, checked by content, reviewed by the programme manager.

Upload is all or nothing: every file of one upload is checked (name, type from the bytes,
size, duplicates, then the virus scanner) before any is kept; if one is refused, none is,
and the user is told why for each. Evidence is never deleted by a user: withdrawing hides it
from the action and keeps the record; only an administrator purges the stored bytes.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from improvement_tracker import security
from improvement_tracker.models import Action, AuditEvent, Evidence, Force, Milestone, User
from improvement_tracker.models._types import utcnow
from improvement_tracker.models.plans import CLOSED_STATUSES
from improvement_tracker.services import audit, filetypes
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.scanning import Scanner
from improvement_tracker.services.storage import StagedFile, Storage, TooLarge

log = logging.getLogger(__name__)

REVIEW_LABELS = {"submitted": "Awaiting review", "accepted": "Accepted", "rejected": "Rejected"}
REVIEW_TAG_CLASSES = {"submitted": "govuk-tag--yellow", "accepted": "govuk-tag--green",
                      "rejected": "govuk-tag--red"}
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 500
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$",
                    *(f"COM{n}" for n in "123456789¹²³"), *(f"LPT{n}" for n in "123456789¹²³")}
# Bidirectional controls make "invoice" + U+202E + "fdp.exe" look like "invoiceexe.pdf".
BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# --- file names -------------------------------------------------------------------------

def shown_name(raw: str, limit: int = 60) -> str:
    """A file name as it can safely appear in a message: controls made visible, long ones cut."""
    text = "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Cs") else ch for ch in raw or "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clean_filename(raw: str) -> tuple[str, str | None]:
    """The name to keep for display, or a problem a person can fix by renaming the file.

    The name is only ever displayed and offered back on download: files are stored under a
    generated key. Unicode letters are kept (Welsh, for one, needs them).
    """
    name = unicodedata.normalize("NFC", raw or "")
    quoted = f"“{shown_name(name)}”"
    if "/" in name or "\\" in name:
        return "", f"The file name {quoted} must not contain / or \\. Rename the file and try again"
    if any(unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI_CONTROLS for ch in name):
        return "", (f"The file name {quoted} contains hidden control characters. "
                    "Rename the file and try again")
    # Trailing dots and spaces vanish on Windows; a leading dot would hide the name.
    name = " ".join(name.split()).rstrip(" .")
    if len(name) > MAX_NAME_LENGTH:
        return "", (f"The file name {quoted} is too long: it must be {MAX_NAME_LENGTH} characters or fewer. "
                    "Rename the file and try again")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    if not any(unicodedata.category(ch)[0] in ("L", "N") for ch in stem):
        return "", (f"The file name {quoted} needs at least one letter or number before the "
                    f".{filetypes.extension(name) or 'extension'}. Rename the file and try again")
    if stem.split(".")[0].strip().upper() in WINDOWS_RESERVED:
        return "", (f"The file name {quoted} is a name Windows reserves for devices. "
                    "Rename the file and try again")
    return name, None


def ascii_filename(name: str, fallback: str) -> str:
    """A plain ASCII stand-in for the name, for the old ``filename=`` parameter of a download."""
    def plain(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
        return "".join(ch if ch.isalnum() or ch in " ._-()" else "_" for ch in text)

    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem, ext = plain(stem).strip(" ._"), plain(ext)
    if not any(ch.isalnum() for ch in stem):
        return fallback
    return f"{stem}.{ext}" if ext else stem


# --- counts and lists -------------------------------------------------------------------

@dataclass
class EvidenceCounts:
    submitted: int = 0
    accepted: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.submitted + self.accepted + self.rejected


def _live():
    return Evidence.withdrawn_at.is_(None)


def counts_for_actions(session: Session, action_ids: Iterable[int]) -> dict[int, EvidenceCounts]:
    """Live evidence per action and review state, in one grouped query."""
    ids = list(action_ids)
    counts: dict[int, EvidenceCounts] = {i: EvidenceCounts() for i in ids}
    if not ids:
        return counts
    rows = session.execute(
        select(Evidence.action_id, Evidence.review_state, func.count(Evidence.id))
        .where(Evidence.action_id.in_(ids), _live())
        .group_by(Evidence.action_id, Evidence.review_state)
    )
    for action_id, state, n in rows:
        setattr(counts[action_id], state, n)
    return counts


def counts_for_action(session: Session, action: Action) -> EvidenceCounts:
    return counts_for_actions(session, [action.id])[action.id]


def live_and_withdrawn(session: Session, action: Action) -> tuple[list[Evidence], list[Evidence], EvidenceCounts]:
    """Everything the action page shows about its files, from one query: the live files (oldest
    first), the withdrawn ones (most recently withdrawn first) and the live counts by review state."""
    every = list(session.scalars(select(Evidence).where(Evidence.action_id == action.id)
                                 .order_by(Evidence.uploaded_at, Evidence.id)))
    live = [e for e in every if e.withdrawn_at is None]
    withdrawn = sorted((e for e in every if e.withdrawn_at is not None),
                       key=lambda e: (e.withdrawn_at, e.id), reverse=True)
    counts = EvidenceCounts()
    for e in live:
        setattr(counts, e.review_state, getattr(counts, e.review_state) + 1)
    return live, withdrawn, counts


def awaiting_review(session: Session, force: Force) -> list[Evidence]:
    """The force's evidence still to be reviewed, oldest first (they have waited longest)."""
    return list(session.scalars(
        select(Evidence).join(Action, Action.id == Evidence.action_id)
        .where(Evidence.force_id == force.id, Evidence.review_state == "submitted", _live())
        .options(contains_eager(Evidence.action))  # the list names each file's action
        .order_by(Evidence.uploaded_at, Evidence.id)
    ))


def awaiting_review_count(session: Session, force: Force) -> int:
    return session.scalar(
        select(func.count(Evidence.id)).where(
            Evidence.force_id == force.id, Evidence.review_state == "submitted", _live())
    ) or 0


def trail(session: Session, evidence: Evidence) -> list[AuditEvent]:
    """Everything that happened to one piece of evidence, oldest first."""
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "evidence", AuditEvent.object_id == evidence.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ))


# --- upload -----------------------------------------------------------------------------

@dataclass
class IncomingFile:
    filename: str
    stream: BinaryIO


class UploadRefused(ServiceError):
    """One or more files were refused; nothing was kept. ``problems`` has one sentence per problem.

    ``scan_refusals`` are the files the virus scanner refused: they are recorded in the audit
    trail (see record_scan_refusals) even though nothing is kept.
    """

    def __init__(self, problems: list[str], scan_refusals: list[dict] | None = None):
        super().__init__(problems[0], "files")
        self.problems = problems
        self.scan_refusals = scan_refusals or []


@dataclass
class _Checked:
    name: str
    type: filetypes.FileType
    staged: StagedFile


def _is_finished(action: Action) -> bool:
    return action.status in CLOSED_STATUSES


def _check_file(incoming: IncomingFile, storage: Storage, max_bytes: int, max_mb: int) -> _Checked | str:
    """Stage one file and check it; return it, or the problem as a sentence."""
    name, problem = clean_filename(incoming.filename)
    if problem:
        return problem
    quoted = f"“{shown_name(name)}”"
    claimed = filetypes.BY_EXTENSION.get(filetypes.extension(name))
    if claimed is None:
        return f"{quoted} must be {filetypes.ALLOWED_SENTENCE}"
    try:
        staged = storage.stage(incoming.stream, max_bytes)
    except TooLarge:
        return f"{quoted} must be smaller than {max_mb} MB"
    if staged.size == 0:
        storage.discard(staged)
        return f"{quoted} is empty"
    detected = filetypes.detect(staged.path, claimed)
    if detected.code == claimed.code:
        return _Checked(name, claimed, staged)
    storage.discard(staged)
    if detected.problem == "macros":
        return f"{quoted} contains macros, which are not allowed. Save it without macros and try again"
    if detected.problem == "not_utf8":
        return f"{quoted} must be saved as UTF-8 text (in Excel, “CSV UTF-8”)"
    if detected.problem == "not_text":
        return f"{quoted} is not a text file: its content is not text"
    if detected.code is not None:
        actual = filetypes.ALLOWED[detected.code]
        return (f"{quoted} is {detected.description}, not {claimed.label}. "
                f"Rename it to end in .{actual.extensions[0]}, or choose another file")
    return f"{quoted} is not really {claimed.label}: its content is {detected.description}"


def upload(
    session: Session,
    action: Action,
    files: list[IncomingFile],
    description: str,
    *,
    actor: User,
    storage: Storage,
    scanner: Scanner,
    max_mb: int,
    max_files: int,
    milestone_id: int | None = None,
) -> list[Evidence]:
    """Check every file, then keep them all, or keep none and raise UploadRefused."""
    if not security.can_work_on_action(actor, action):
        raise PermissionError("upload evidence")
    if _is_finished(action):
        raise ServiceError("This action is finished: reopen it before adding evidence", "files")
    description = (description or "").strip()
    milestone = None
    if milestone_id:
        milestone = session.scalar(select(Milestone).where(Milestone.id == milestone_id,
                                                           Milestone.action_id == action.id))
        if milestone is None:
            raise ServiceError("Select one of this action’s milestones, or none", "milestone_id")
    files = [f for f in files if f.filename]  # a browser sends one empty part when nothing is chosen
    if not files:
        raise ServiceError("Select a file to upload", "files")
    if len(files) > max_files:
        raise ServiceError(f"Select up to {max_files} files at a time: you selected {len(files)}", "files")
    if not description:
        raise ServiceError("Enter a short description of the evidence", "description")
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ServiceError(f"Description must be {MAX_DESCRIPTION_LENGTH} characters or fewer", "description")

    problems: list[str] = []
    checked: list[_Checked] = []
    try:
        for incoming in files:
            result = _check_file(incoming, storage, max_mb * 1024 * 1024, max_mb)
            if isinstance(result, str):
                problems.append(result)
            else:
                checked.append(result)
        problems += _duplicates(session, action, checked)
        if problems:
            raise UploadRefused(problems=problems)

        scans = []
        refusals = []
        for item in checked:
            result = scanner.scan(item.staged.path)
            scans.append(result)
            if not result.acceptable:
                quoted = f"“{shown_name(item.name)}”"
                if result.verdict == "infected":
                    problems.append(f"{quoted} was refused: the virus scanner found {result.detail}")
                else:
                    problems.append(f"{quoted} could not be checked for viruses, so it was not uploaded. "
                                    "Try again later")
                refusals.append({"filename": item.name, "sha256": item.staged.sha256,
                                 "size_bytes": item.staged.size, "verdict": result.verdict,
                                 "detail": result.detail})
        if problems:
            raise UploadRefused(problems=problems, scan_refusals=refusals)
    except BaseException:
        for item in checked:
            storage.discard(item.staged)
        raise

    created: list[Evidence] = []
    kept: list[str] = []
    try:
        for item, scan in zip(checked, scans, strict=True):
            key = storage.commit(item.staged)
            kept.append(key)
            evidence = Evidence(
                force_id=action.force_id, action_id=action.id, milestone_id=milestone.id if milestone else None,
                uploaded_by_id=actor.id, uploaded_at=utcnow(), original_filename=item.name, storage_key=key,
                file_type=item.type.code, content_type=item.type.mime, size_bytes=item.staged.size,
                sha256=item.staged.sha256, description=description,
                scan_state="clean" if scan.verdict == "clean" else "not_scanned",
            )
            session.add(evidence)
            session.flush()
            audit.record(
                session, actor, "evidence.uploaded", "evidence", evidence.id,
                changes={"file": [None, item.name], "size_bytes": [None, item.staged.size],
                         "sha256": [None, item.staged.sha256], "description": [None, description],
                         **({"milestone": [None, milestone.title]} if milestone else {})},
                force_id=action.force_id, action_id=action.id,
                summary=f"Uploaded evidence {item.name} to {action.reference}",
            )
            created.append(evidence)
    except BaseException:
        for key in kept:
            storage.delete(key)
        for item in checked[len(kept):]:
            storage.discard(item.staged)
        raise
    return created


def _duplicates(session: Session, action: Action, checked: list[_Checked]) -> list[str]:
    problems = []
    seen: dict[str, str] = {}
    for item in checked:
        quoted = f"“{shown_name(item.name)}”"
        if item.staged.sha256 in seen:
            problems.append(f"{quoted} is the same file as “{shown_name(seen[item.staged.sha256])}”: "
                            "select it only once")
            continue
        seen[item.staged.sha256] = item.name
    if not seen:
        return problems
    existing = session.scalars(
        select(Evidence).where(Evidence.action_id == action.id, Evidence.sha256.in_(list(seen)), _live())
    )
    for evidence in existing:
        day = evidence.uploaded_at.date()
        uploaded = (f"uploaded by {evidence.uploaded_by.name if evidence.uploaded_by else 'someone'} "
                    f"on {day.day} {day:%B %Y}")
        same_name = evidence.original_filename == seen[evidence.sha256]
        as_name = "" if same_name else f" as “{shown_name(evidence.original_filename)}”"
        problems.append(f"“{shown_name(seen[evidence.sha256])}” is already on this action ({uploaded}{as_name})")
    return problems


def record_scan_refusals(session: Session, action: Action, refusals: list[dict], *, actor: User) -> None:
    """The scanner's refusals are kept in the audit trail: who tried to upload what, and why not."""
    for refusal in refusals:
        log.warning("Evidence refused by the virus scanner: action %s, %s", action.id, refusal)
        audit.record(
            session, actor, "evidence.refused", "action", action.id,
            changes={key: [None, value] for key, value in refusal.items()},
            force_id=action.force_id, action_id=action.id,
            summary=f"Refused {refusal['filename']} on {action.reference}: "
                    f"{'virus found' if refusal['verdict'] == 'infected' else 'could not be scanned'}",
        )


def forget_files(storage: Storage, created: list[Evidence]) -> None:
    """Delete the bytes of evidence whose rows were never committed."""
    for evidence in created:
        storage.delete(evidence.storage_key)


# --- review, withdrawal, purge ----------------------------------------------------------

DECISIONS = ("accepted", "rejected")


def review(session: Session, evidence: Evidence, decision: str, reason: str, *, actor: User) -> bool:
    """Accept or reject; returns whether anything changed."""
    action = evidence.action
    if not security.can_review_evidence(actor, evidence):
        raise PermissionError("review evidence")
    if evidence.withdrawn_at is not None:
        raise ServiceError("This evidence has been withdrawn, so it cannot be reviewed")
    if evidence.uploaded_by_id == actor.id:
        raise ServiceError("You uploaded this evidence, so someone else must review it", "decision")
    if _is_finished(action):
        raise ServiceError("This action is finished: reopen it before changing the review of its evidence",
                           "decision")
    if decision not in DECISIONS:
        raise ServiceError("Select whether you accept or reject the evidence", "decision")
    reason = (reason or "").strip()
    if decision == "rejected" and not reason:
        raise ServiceError("Enter why the evidence is rejected", "reason")
    if len(reason) > 2000:
        raise ServiceError("Reason must be 2000 characters or fewer", "reason")
    changes = audit.apply_changes(evidence, {"review_state": decision, "review_reason": reason or None})
    if not changes:
        return False
    evidence.reviewed_by_id = actor.id
    evidence.reviewed_at = utcnow()
    changes["file"] = [evidence.original_filename, evidence.original_filename]
    audit.record(session, actor, f"evidence.{decision}", "evidence", evidence.id, changes=changes,
                 force_id=evidence.force_id, action_id=evidence.action_id,
                 summary=f"{'Accepted' if decision == 'accepted' else 'Rejected'} evidence "
                         f"{evidence.original_filename} on {action.reference}")
    return True


def withdraw(session: Session, evidence: Evidence, reason: str, *, actor: User) -> None:
    if not security.can_withdraw_evidence(actor, evidence):
        raise PermissionError("withdraw evidence")
    if evidence.withdrawn_at is not None:
        raise ServiceError("This evidence has already been withdrawn", "reason")
    if _is_finished(evidence.action) and not security.can_manage_plan(actor, evidence.force_id):
        raise ServiceError("This action is finished: ask your programme manager to withdraw the evidence",
                           "reason")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Enter why you are withdrawing this evidence", "reason")
    if len(reason) > 2000:
        raise ServiceError("Reason must be 2000 characters or fewer", "reason")
    evidence.withdrawn_at = utcnow()
    evidence.withdrawn_by_id = actor.id
    evidence.withdrawal_reason = reason
    audit.record(session, actor, "evidence.withdrawn", "evidence", evidence.id,
                 changes={"file": [evidence.original_filename, None], "sha256": [evidence.sha256, evidence.sha256],
                          "review_state": [evidence.review_state, evidence.review_state],
                          "withdrawal_reason": [None, reason]},
                 force_id=evidence.force_id, action_id=evidence.action_id,
                 summary=f"Withdrew evidence {evidence.original_filename} from {evidence.action.reference}")


def purge(session: Session, evidence: Evidence, reason: str, *, actor: User) -> str:
    """Mark the stored bytes as deleted; returns the key, to delete once this is committed."""
    if not security.can_purge_evidence(actor):
        raise PermissionError("purge evidence")
    if evidence.purged_at is not None:
        raise ServiceError("This file has already been deleted", "reason")
    if evidence.withdrawn_at is None:
        raise ServiceError("Withdraw this evidence before deleting its file", "reason")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Enter why the file is being deleted", "reason")
    if len(reason) > 2000:
        raise ServiceError("Reason must be 2000 characters or fewer", "reason")
    evidence.purged_at = utcnow()
    evidence.purged_by_id = actor.id
    evidence.purge_reason = reason
    audit.record(session, actor, "evidence.purged", "evidence", evidence.id,
                 changes={"stored_file": [evidence.original_filename, None],
                          "sha256": [evidence.sha256, evidence.sha256], "purge_reason": [None, reason]},
                 force_id=evidence.force_id, action_id=evidence.action_id,
                 summary=f"Deleted the stored file of {evidence.original_filename} "
                         f"({evidence.action.reference})")
    return evidence.storage_key


# --- the sign-off rule ------------------------------------------------------------------

def check_sign_off(session: Session, action: Action, no_evidence_reason: str | None) -> EvidenceCounts:
    """Signing off needs no evidence awaiting review, and some accepted evidence or a reason why not."""
    counts = counts_for_action(session, action)
    if counts.submitted:
        raise ServiceError(
            f"Review the evidence awaiting review before signing off: {counts.submitted} "
            f"{'file is' if counts.submitted == 1 else 'files are'} still to be accepted or rejected",
            "evidence",
        )
    if not counts.accepted and not (no_evidence_reason or "").strip():
        raise ServiceError("This action has no accepted evidence: accept some evidence, or enter why "
                           "none is needed", "no_evidence_reason")
    return counts


def no_evidence_reason(session: Session, action: Action) -> str | None:
    """Why the action was signed off with no accepted evidence, from its newest sign-off."""
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action_id == action.id, AuditEvent.event == "action.sign_off")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1)
    )
    if event is None:
        return None
    pair = (event.changes or {}).get("no_evidence_reason")
    return pair[1] if pair else None
