"""Evidence file names: kept only to show and to offer back on download, so they are checked
for what would mislead or break a person's computer, never used to build a path."""

from __future__ import annotations

import unicodedata

from improvement_tracker.services import filetypes

MAX_NAME_LENGTH = 200
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$",
                    *(f"COM{n}" for n in "123456789¹²³"), *(f"LPT{n}" for n in "123456789¹²³")}
# Bidirectional controls make "invoice" + U+202E + "fdp.exe" look like "invoiceexe.pdf".
BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


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


