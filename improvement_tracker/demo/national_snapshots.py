"""The daily snapshots and national figures the scheduler would have built over the generated year."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from improvement_tracker.services import dashboards, snapshots


def build_snapshots(session: Session, today: date, days: int, commit: Callable[[], None]) -> None:
    """Rebuild `days` past days from the history and record today; the national figures are left to commit."""
    snapshots.backfill(session, today, days)
    snapshots.build_live(session, today)
    commit()
    # What the scheduler precomputes at 06:15 for the national dashboard.
    dashboards.refresh_national_cache(session, today)
