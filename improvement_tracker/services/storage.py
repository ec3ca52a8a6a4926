"""Where evidence bytes live, behind a small interface.

An upload is first *staged*: streamed to a private temporary file while it is counted and
hashed, so it can be checked (type, size, virus scan) before anything is kept. Only when every
check has passed is it *committed* under a generated key. A crash at any point leaves either
nothing or a complete file: never half a file under a real key.

``LocalStorage`` keeps files in a directory (``UPLOAD_DIR``, outside ``static/``). Another
backend (a shared volume, or an object store) implements the same five methods; staging stays
on the local disk of the worker that received the request, so checks never need the network.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

CHUNK = 64 * 1024
KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")


class TooLarge(Exception):
    """The stream was longer than the limit; nothing was kept."""


@dataclass
class StagedFile:
    """A received file on local disk, not yet kept: its temporary path, size and SHA-256."""

    path: Path
    size: int
    sha256: str

    def head(self, n: int = 8192) -> bytes:
        with open(self.path, "rb") as handle:
            return handle.read(n)


class Storage(Protocol):
    def stage(self, stream: BinaryIO, limit: int) -> StagedFile: ...
    def commit(self, staged: StagedFile) -> str: ...
    def discard(self, staged: StagedFile) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def delete(self, key: str) -> None: ...


def _fsync_directory(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


class LocalStorage:
    """Files under one directory: ``<root>/<first two hex digits>/<32-hex key>``.

    Temporary files live in ``<root>/.incoming`` (same filesystem, so the final move is an
    atomic rename). Anything left there by a crash is never served and may be deleted.
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.incoming = self.root / ".incoming"

    # --- writing ---
    def stage(self, stream: BinaryIO, limit: int) -> StagedFile:
        self.incoming.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, name = tempfile.mkstemp(dir=self.incoming, prefix="upload-")  # mode 0600
        path = Path(name)
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as handle:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StagedFile(path, size, digest.hexdigest())

    def commit(self, staged: StagedFile) -> str:
        key = secrets.token_hex(16)
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.replace(staged.path, final)
        _fsync_directory(final.parent)
        return key

    def discard(self, staged: StagedFile) -> None:
        staged.path.unlink(missing_ok=True)

    # --- reading and removing ---
    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        if not KEY_PATTERN.match(key or ""):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key

    # --- for tests and housekeeping ---
    def files(self) -> list[Path]:
        """Every file held, kept or staged."""
        if not self.root.exists():
            return []
        return sorted(p for p in self.root.rglob("*") if p.is_file())


def get_storage() -> Storage:
    """The storage of the running app (one per app, made on first use)."""
    storage = current_app.extensions.get("evidence_storage")
    if storage is None:
        storage = LocalStorage(current_app.config["UPLOAD_DIR"])
        current_app.extensions["evidence_storage"] = storage
    return storage
