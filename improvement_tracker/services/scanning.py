"""The virus-scanner hook: every upload passes through ``scanner().scan(path)`` before it is kept.

Off by default (``NoScanner``: nothing is scanned and the evidence records that). When
``CLAMD_SOCKET`` (a UNIX socket path) or ``CLAMD_HOST`` (with ``CLAMD_PORT``) is set, files are
streamed to ClamAV's clamd with its INSTREAM command, using only the standard library. A file
clamd reports as infected is refused; so is one it could not scan (clamd down, timed out, too
large for its StreamMaxLength, or any answer we do not understand): unscanned is not clean.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flask import current_app

CHUNK = 64 * 1024


@dataclass(frozen=True)
class ScanResult:
    verdict: str  # "clean", "not_scanned", "infected" or "error"
    detail: str = ""

    @property
    def acceptable(self) -> bool:
        return self.verdict in ("clean", "not_scanned")


class Scanner(Protocol):
    def scan(self, path: Path) -> ScanResult: ...


class NoScanner:
    """Scanning is turned off."""

    def scan(self, path: Path) -> ScanResult:
        return ScanResult("not_scanned")


class ClamdScanner:
    """clamd over its socket protocol: ``zINSTREAM``, length-prefixed chunks, a zero-length end."""

    def __init__(self, *, socket_path: str = "", host: str = "", port: int = 3310, timeout: float = 60):
        self.socket_path = socket_path
        self.host = host
        self.port = port
        self.timeout = timeout

    def _connect(self) -> socket.socket:
        if self.socket_path:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.settimeout(self.timeout)
            conn.connect(self.socket_path)
            return conn
        return socket.create_connection((self.host, self.port), timeout=self.timeout)

    def scan(self, path: Path) -> ScanResult:
        try:
            with self._connect() as conn, open(path, "rb") as handle:
                conn.sendall(b"zINSTREAM\0")
                while chunk := handle.read(CHUNK):
                    conn.sendall(struct.pack("!L", len(chunk)) + chunk)
                conn.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    part = conn.recv(4096)
                    if not part:
                        break
                    reply += part
        except OSError as error:
            return ScanResult("error", f"the virus scanner could not be reached ({error.__class__.__name__})")
        answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
        # "stream: OK", "stream: <signature> FOUND", "INSTREAM size limit exceeded. ERROR", ...
        if answer.endswith(" OK") or answer == "OK":
            return ScanResult("clean")
        if answer.endswith(" FOUND"):
            signature = answer.removeprefix("stream:").removesuffix("FOUND").strip()
            return ScanResult("infected", signature[:200] or "unknown")
        return ScanResult("error", (answer or "no answer from the virus scanner")[:200])


def scanner() -> Scanner:
    config = current_app.config
    if config.get("CLAMD_SOCKET") or config.get("CLAMD_HOST"):
        return ClamdScanner(socket_path=config.get("CLAMD_SOCKET", ""), host=config.get("CLAMD_HOST", ""),
                            port=config.get("CLAMD_PORT", 3310), timeout=config.get("CLAMD_TIMEOUT", 60))
    return NoScanner()
