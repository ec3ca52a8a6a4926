"""What every phase of ``demo generate`` shares: one seeded random stream, a simulated clock,
the audit events the writes would have left, and inserts in batches.

The generator writes with SQL inserts rather than through the services (far too slow for 43
forces), so it also writes the audit events the services would have recorded. The phases draw
from one random stream in a fixed order: the same seed gives the same plans.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from improvement_tracker.models import AuditEvent

BATCH = 2000


def insert_rows(session: Session, model, rows: list[dict], *, ids: bool = False) -> list[int]:
    """Insert in batches; with ids=True return the new ids in the rows' order."""
    new_ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        if ids:
            result = session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), chunk)
            new_ids += [row[0] for row in result]
        else:
            session.execute(insert(model), chunk)
    return new_ids


class Generation:
    """One run of the generator: its session, seed, day, random stream and pending audit events."""

    def __init__(self, session: Session, seed: int, today: date):
        self.session = session
        self.seed = seed
        self.today = today
        self.rng = random.Random(seed)  # nosec B311  # seeded generated data, not a secret
        self.audit: list[dict] = []

    # Time: naive UTC like every stored timestamp, in office hours, never after yesterday.
    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def moment(self, offset: int, minutes: int | None = None) -> datetime:
        minutes = self.rng.randint(0, 480) if minutes is None else minutes
        return datetime.combine(self.day(min(offset, -1)), time(8, 0)) + timedelta(minutes=minutes)

    def event(self, actor_id: int | None, name: str, object_type: str, object_id: int | None, at: datetime,
              *, force_id: int | None = None, action_id: int | None = None, summary: str = "",
              changes: dict[str, list[Any]] | None = None) -> None:
        """An audit event as the service doing this write would have recorded it (written by write_audit)."""
        self.audit.append({"actor_id": actor_id, "event": name, "object_type": object_type, "object_id": object_id,
                           "force_id": force_id, "action_id": action_id, "summary": summary[:255],
                           "changes": changes or {}, "at": at})

    def write_audit(self) -> None:
        insert_rows(self.session, AuditEvent, self.audit)
        self.audit = []
