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


@lru_cache(maxsize=4096)
def working_day_on_or_before(day: date) -> date:
    """`day` if it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


@lru_cache(maxsize=4096)
def working_day_on_or_after(day: date) -> date:
    """`day` if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def first_working_day_of_week(day: date) -> date:
    return working_day_on_or_after(day - timedelta(days=day.weekday()))


def working_days_after(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself not counted)."""
    for _ in range(count):
        day = working_day_on_or_after(day + timedelta(days=1))
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is before)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n)))
