"""What the service accepts from outside, decided once for every form, query string, import and CLI.

- Ids and numbers: ASCII digits only, at most ten of them, within the database's integer range.
  ``"٣".isdigit()`` is true and ``int("٣")`` is 3; ``int("9" * 5000)`` raises (Python refuses to
  read more than 4,300 digits); both must be "names nothing", never an object or a 500.
- Text: no control characters other than tab, line feed and carriage return. A NUL byte cannot be
  stored by PostgreSQL at all, and the others cannot be written to an XLSX file; none of them
  means anything in a plan, so they are refused where they arrive, next to their field.
- Dates: the years a plan can mean, 2000 to 2099, for typed dates and imported ones alike.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

# Ids are INTEGER columns: a number past this names nothing (and would overflow the driver).
MAX_ID = 2**31 - 1
MAX_DIGITS = len(str(MAX_ID))
ID_PATTERN = rf"[0-9]{{1,{MAX_DIGITS}}}"

# C0 controls except tab (09), line feed (0A) and carriage return (0D); DEL; the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_CHARACTER_MESSAGE = ("Remove the hidden control characters from this answer: they can come from text "
                             "copied from another system")

FIRST_YEAR, LAST_YEAR = 2000, 2099


def whole_number(value: Any) -> int | None:
    """An id or page number from a URL, form or query string: ASCII digits within the database's
    range, else None (the caller's 404, or its field's error)."""
    text = str(value if value is not None else "")
    if not (0 < len(text) <= MAX_DIGITS and text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def without_control_characters(text: str) -> str:
    """Text safe for any export: each control character already stored shows as U+FFFD."""
    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", text)


def date_problem(value: date, label: str) -> str | None:
    """Why a date cannot be part of a plan, or None."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        return f"{label} must be between {FIRST_YEAR} and {LAST_YEAR}"
    return None
