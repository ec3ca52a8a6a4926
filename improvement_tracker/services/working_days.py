"""Working days in England and Wales: Monday to Friday, bank holidays skipped (offline data)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _bank_holidays(year: int) -> frozenset[date]:
    # England and Wales share one list of bank holidays ("ENG" covers both).
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def first_working_day_of_week(day: date) -> date:
    monday = day - timedelta(days=day.weekday())
    first = monday
    while not is_working_day(first):
        first += timedelta(days=1)
    return first
