"""Values as a person reads them: dates in words, London times, file sizes, "no figure"."""

from __future__ import annotations

from datetime import date, datetime

from improvement_tracker.services import clock

NO_FIGURE = "–"  # a figure that cannot be worked out (nothing to count), never "0%"


def govuk_date(value: date | None, empty: str = "Not set") -> str:
    if value is None:
        return empty
    return f"{value.day} {value:%B %Y}"


def govuk_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = clock.to_london(value)
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{local:%p}".replace("AM", "am").replace("PM", "pm")


def file_size(size: int | None) -> str:
    if not size:
        return "0 bytes"
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def percent_text(value: int | None) -> str:
    """A whole per cent as shown: "33%", or "–" when there is nothing to count."""
    return NO_FIGURE if value is None else f"{value}%"
