"""The outcome figures' rules, each written once (docs/outcomes.md): what a typed value may be, how a
rate is worked out from its parts, and how a figure compares with the 2019 baseline or the year before.

Rounding is stated once, here: a rate is a percentage to one decimal place, halves rounded up; a
change against a baseline or the year before is to one decimal place the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ONE_PLACE = Decimal("0.1")
MAX_COUNT = 1_000_000
MAX_DAYS = 3650
# Digits with an optional decimal part, thousands separated by commas or not: never an exponent, a
# sign, NaN or infinity (Decimal would take those).
NUMBER = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?|[0-9]+(\.[0-9]+)?")


def rounded(value: Decimal) -> Decimal:
    return value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def rate(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """numerator ÷ denominator as a percentage to one place; None when either is missing or the
    denominator is nought (nothing to count against)."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return rounded(Decimal(100) * numerator / denominator)


def parse(text: str) -> Decimal | None:
    """A typed figure: None when blank; ValueError when it is not a plain number."""
    text = (text or "").strip()
    if not text:
        return None
    if not NUMBER.fullmatch(text):
        raise ValueError("not a number")
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise ValueError("not a number") from None


def typed_problem(unit: str, derived: bool, value: Decimal) -> str | None:
    """Why a typed value cannot be stored for a measure of this unit, or None."""
    if derived:
        return "is worked out from its parts: enter the parts instead"
    if value < 0:
        return "must be 0 or more"
    if unit == "count":
        if value != value.to_integral_value():
            return "must be a whole number"
        if value > MAX_COUNT:
            return f"must be {MAX_COUNT:,} or fewer"
    elif unit == "days":
        if value > MAX_DAYS:
            return f"must be {MAX_DAYS:,} days or fewer"
        if rounded(value) != value:
            return "must have at most one decimal place"
    elif unit == "percentage":  # pragma: no cover - every percentage in the catalogue is derived
        return "is worked out from its parts: enter the parts instead"
    return None


def parts_problem(numerator: Decimal | None, denominator: Decimal | None) -> str | None:
    """A rate over 100 %: the part is bigger than the whole it is part of."""
    if numerator is not None and denominator is not None and numerator > denominator:
        return "cannot be more than"
    return None


@dataclass(frozen=True)
class Change:
    """A figure against a reference: "2.1 × the 2019 average", or "+0.9 percentage points"."""

    value: Decimal
    kind: str  # "times" (counts and days) or "points" (percentages)

    def short(self) -> str:
        """As a table cell under a heading that says what it is against: "2.1 ×", "+0.9 points"."""
        if self.kind == "times":
            return f"{self.value} ×"
        sign = "+" if self.value > 0 else ("−" if self.value < 0 else "")
        return f"{sign}{abs(self.value)} points"

    def words(self, against: str) -> str:
        if self.kind == "times":
            return f"{self.value} × {against}"
        sign = "+" if self.value > 0 else ("−" if self.value < 0 else "")
        return f"{sign}{abs(self.value)} percentage points on {against}"


def shown(value: Decimal | None, unit: str) -> int | Decimal | None:
    """A figure as pages and downloads show it: a count whole (stored as 200.0, shown 200), a median
    as stored (12 or 12.5), a rate to one place."""
    if value is None:
        return None
    if unit == "count":
        return int(value)
    if unit == "days":
        return value.to_integral_value() if value == value.to_integral_value() else rounded(value)
    return rounded(value)


def change(value: Decimal | None, reference: Decimal | None, unit: str) -> Change | None:
    """How a figure compares with its baseline or the same quarter a year before: a percentage by
    its difference in points, anything else as a multiple; None when there is nothing to compare."""
    if value is None or reference is None:
        return None
    if unit == "percentage":
        return Change(rounded(value - reference), "points")
    if reference == 0:
        return None
    return Change(rounded(value / reference), "times")
