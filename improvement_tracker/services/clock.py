"""The service's idea of 'today': dates are Europe/London, whatever the server's zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def today() -> date:
    return datetime.now(LONDON).date()


def to_london(moment: datetime) -> datetime:
    """Timestamps are stored as naive UTC; show them in London time."""
    from datetime import UTC

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON)
