"""Uploading evidence: all or nothing.

Every file of one upload is checked (name, type from the bytes, size, duplicates, then the
virus scanner) before any is kept; if one is refused, none is, and the user is told why for
each. Files are stored under generated keys; the original name is only shown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from improvement_tracker import security
from improvement_tracker.models import Action, Evidence, Milestone, User
from improvement_tracker.models._types import utcnow
from improvement_tracker.services import audit, clock, filetypes
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.evidence.names import clean_filename, shown_name
from improvement_tracker.services.evidence.queries import live
from improvement_tracker.services.scanning import Scanner
from improvement_tracker.services.storage import StagedFile, Storage, TooLarge

log = logging.getLogger(__name__)

MAX_DESCRIPTION_LENGTH = 500


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
    if detected.problem == "remote":
        return (f"{quoted} is set to fetch a template or object from another site when it is opened, which is "
                "not allowed. Save it as a new document, or as a PDF, and try again")
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
    if not security.may_upload_evidence(actor, action):
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
            try:
                session.flush()
            except IntegrityError:  # the same file, sent at the same moment by another request
                raise UploadRefused(problems=[f"“{shown_name(item.name)}” is already on this action: it was "
                                              "uploaded at the same moment"]) from None
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
        select(Evidence).where(Evidence.action_id == action.id, Evidence.sha256.in_(list(seen)), live())
    )
    for evidence in existing:
        day = clock.london_date(evidence.uploaded_at)
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


