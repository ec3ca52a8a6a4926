"""Column helpers shared by the models."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL, so comparisons never mix kinds."""
    return datetime.now(UTC).replace(tzinfo=None)
