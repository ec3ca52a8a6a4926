"""Keeping an uploaded file between its preview and its confirmation.

The file is kept server-side under ``<directory>/<key>`` (by default ``instance/imports``) with
a random key, tied to the user and the force that uploaded it and to its SHA-256: ``load``
gives it back only to them, unexpired and unaltered, so the confirmation imports the very file
that was previewed. Uploads expire after a day, and a new upload replaces the same user's
earlier one for the same force. ``claim`` lets only one request confirm an upload, so a double
click does not import it twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
MAX_AGE_SECONDS = 24 * 3600
_UPLOAD, _META, _CLAIMED = "upload", "meta.json", ".claimed"


@dataclass
class StoredImport:
    key: str
    user_id: int
    force_id: int
    filename: str
    sha256: str
    size: int
    uploaded_at: float


def display_name(filename: str | None) -> str:
    """The uploaded file's own name, for display only: no path, no control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "spreadsheet"


def store(directory: Path, data: bytes, filename: str, *, user_id: int, force_id: int) -> StoredImport:
    """Keep an upload for its preview. It replaces the same user's earlier upload for this force."""
    directory.mkdir(parents=True, exist_ok=True)
    purge(directory, user_id=user_id, force_id=force_id)
    stored = StoredImport(key=secrets.token_urlsafe(24), user_id=user_id, force_id=force_id,
                          filename=display_name(filename), sha256=hashlib.sha256(data).hexdigest(),
                          size=len(data), uploaded_at=time.time())
    folder = directory / stored.key
    folder.mkdir(mode=0o700)
    _write_new(folder / _UPLOAD, data)
    _write_new(folder / _META, json.dumps(asdict(stored)).encode())
    return stored


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _meta(folder: Path) -> StoredImport | None:
    try:
        return StoredImport(**json.loads((folder / _META).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def load(directory: Path, key: str, *, user_id: int, force_id: int) -> tuple[StoredImport, bytes] | None:
    """The upload behind ``key`` if it is this user's, for this force, unexpired and unaltered."""
    if not KEY_PATTERN.fullmatch(key or ""):
        return None
    folder = directory / key
    stored = _meta(folder)
    if stored is None or stored.key != key or stored.user_id != user_id or stored.force_id != force_id:
        return None
    if time.time() - stored.uploaded_at > MAX_AGE_SECONDS:
        discard(directory, key)
        return None
    try:
        data = (folder / _UPLOAD).read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        return None
    return stored, data


def claim(directory: Path, key: str) -> bool:
    """Take the upload for confirming; only one request can hold it (a double click does nothing twice)."""
    try:
        (directory / key).rename(directory / f"{key}{_CLAIMED}")
    except OSError:
        return False
    return True


def release(directory: Path, key: str) -> None:
    """Give a claimed upload back, after a confirmation that wrote nothing."""
    with contextlib.suppress(OSError):
        (directory / f"{key}{_CLAIMED}").rename(directory / key)


def discard(directory: Path, key: str) -> None:
    if KEY_PATTERN.fullmatch(key or ""):
        for name in (key, f"{key}{_CLAIMED}"):
            shutil.rmtree(directory / name, ignore_errors=True)


def purge(directory: Path, *, user_id: int | None = None, force_id: int | None = None) -> None:
    """Remove expired uploads, and the given user's pending upload for the given force."""
    if not directory.is_dir():
        return
    now = time.time()
    for folder in directory.iterdir():
        if not folder.is_dir():
            continue
        stored = _meta(folder)
        stale = stored is None and now - folder.stat().st_mtime > MAX_AGE_SECONDS
        if stored is not None:
            stale = now - stored.uploaded_at > MAX_AGE_SECONDS or (
                stored.user_id == user_id and stored.force_id == force_id and not folder.name.endswith(_CLAIMED))
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
