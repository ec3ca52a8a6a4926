"""One cell's value as the import understands it: text, a date, or one of a list of choices.

Cells arrive as whatever the spreadsheet holds: text, numbers, real dates, Excel serial
numbers, formulas. Dates are read day first, as the UK writes them, and must fall in the
years a plan can mean: a date that only makes sense month first is refused, never swapped.
Choices (type, priority, status) match their code or their label, whatever the case,
spacing or dashes. Text that a spreadsheet would run as a formula if it were exported
again is spotted here, so the checks can refuse it (CSV injection).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from improvement_tracker.models.plans import FINDING_TYPES, PRIORITIES, STATUSES
from improvement_tracker.services.inputs import FIRST_YEAR, LAST_YEAR
from improvement_tracker.services.plans import FINDING_TYPE_LABELS, PRIORITY_LABELS
from improvement_tracker.services.status import STATUS_LABELS

ERROR_VALUES = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                "#GETTING_DATA"}
MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None) | {0xA0: " ", 0x202F: " "}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
_WORDS = re.compile(r"(?:[a-z]+day,?\s+)?(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([a-z]+)\.?,?[\s\-]+(\d{4}|\d{2})")
_SERIAL = re.compile(r"\d{5}(?:\.0+)?")


class CellError(ValueError):
    """The cell cannot be read as its column needs; the message says why."""


def is_formula_object(value: Any) -> bool:
    """openpyxl's array and data-table formulas, which arrive as objects rather than text."""
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def cell_text(value: Any) -> str | None:
    """A cell's value as trimmed text, or None when it is empty."""
    if value is None:
        return None
    if is_formula_object(value):
        return "=" + str(getattr(value, "text", "") or "").lstrip("=")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date | datetime):
        return value.strftime("%d/%m/%Y %H:%M" if isinstance(value, datetime) else "%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def looks_like_formula(text: str) -> bool:
    """Text that a spreadsheet would run as a formula if it were exported again (CSV injection).

    A leading + or - followed by a space is a bullet point, not a formula.
    """
    if text[0] in "=@":
        return True
    return text[0] in "+-" and len(text) > 1 and not text[1].isspace()


def parse_date(value: Any, epoch: Any = None) -> date:
    """Real dates, Excel serial numbers and UK text dates; anything else raises CellError."""
    if isinstance(value, datetime):
        return _in_range(value.date())
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, bool):
        raise CellError("must be a date, like 31/03/2027")
    if isinstance(value, int | float):
        return _serial(value, epoch)
    text = cell_text(value)
    if text is None:
        raise CellError("must be a date, like 31/03/2027")
    lowered = " ".join(text.lower().split())
    if _SERIAL.fullmatch(lowered):
        return _serial(float(lowered), epoch)
    if match := _ISO.fullmatch(lowered):
        year, month, day = (int(part) for part in match.groups())
        return _real(year, month, day, text)
    if match := _NUMERIC.fullmatch(lowered):
        day, month, year = (int(part) for part in match.groups())
        if month > 12 and day <= 12:
            raise CellError(f"'{text}' is not a real date: write dates day first, like 31/03/2027")
        return _real(year, month, day, text)
    if match := _WORDS.fullmatch(lowered):
        day, month_name, year = match.groups()
        month = MONTHS.get(month_name)
        if month is None:
            raise CellError(f"'{text}' is not a date: use day/month/year, like 31/03/2027")
        return _real(int(year), month, int(day), text)
    raise CellError(f"'{text}' is not a date: use day/month/year, like 31/03/2027")


def _real(year: int, month: int, day: int, text: str) -> date:
    if year < 100:
        year += 2000
    try:
        return _in_range(date(year, month, day))
    except ValueError as error:
        if isinstance(error, CellError):
            raise
        raise CellError(f"'{text}' is not a real date") from None


def _serial(number: float, epoch: Any) -> date:
    from openpyxl.utils.datetime import WINDOWS_EPOCH, from_excel

    if number < 1 or number > 2958465:
        raise CellError(f"{number:g} is not a date: use day/month/year, like 31/03/2027")
    moment = from_excel(number, epoch or WINDOWS_EPOCH)
    return _in_range(moment.date() if isinstance(moment, datetime) else moment)


def _in_range(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise CellError(f"{value.day}/{value.month:02d}/{value.year} is not in the years "
                        f"{FIRST_YEAR} to {LAST_YEAR}: check the year")
    return value


def fold(text: str) -> str:
    """The matching key for references and titles: case and spacing do not matter."""
    return " ".join(text.split()).casefold()


def label_key(text: str) -> str:
    """The matching key for a choice: case, spaces, underscores and dashes do not matter."""
    return re.sub(r"[\s_\-–—]+", " ", text.casefold()).strip()


def _choices(labels: dict[str, str], codes: Iterable[str]) -> dict[str, str]:
    mapping = {}
    for code in codes:
        mapping[label_key(code)] = code
        mapping[label_key(labels[code])] = code
    return mapping


TYPE_CHOICES = _choices(FINDING_TYPE_LABELS, FINDING_TYPES)
PRIORITY_CHOICES = _choices(PRIORITY_LABELS, PRIORITIES)
STATUS_CHOICES = _choices(STATUS_LABELS, STATUSES)


def show(value: Any) -> str:
    """A value as the preview shows it."""
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return str(value)
