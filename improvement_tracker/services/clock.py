"""The service's idea of 'today': dates are Europe/London, whatever the server's zone.

Timestamps are stored as naive UTC (models._types.utcnow). A timestamp's *day* is always its
London day: between midnight and 01:00 in summer time the UTC date is still yesterday's, so
``moment.date()`` would put an update made "today" on the day before. Use ``london_date``
for one timestamp in Python, and ``start_of_london_day`` to compare a stored column with a
London day in SQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def today() -> date:
    return datetime.now(LONDON).date()


def to_london(moment: datetime) -> datetime:
    """Timestamps are stored as naive UTC; show them in London time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON)


def london_date(moment: datetime) -> date:
    """The London day of a stored (naive UTC) timestamp."""
    return to_london(moment).date()


def start_of_london_day(day: date) -> datetime:
    """London midnight at the start of ``day``, as the naive UTC timestamp the database stores.

    ``column < start_of_london_day(d)`` is true exactly when the column's London day is before d.
    """
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)
