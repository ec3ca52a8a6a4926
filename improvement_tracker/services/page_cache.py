"""What a page worked out from one force's plan, kept in the worker until the plan changes.

Every write to a plan records an audit event carrying the force's id (services.audit), and a
write to reference data (pillars, accounts without a force) one with no force. The newest
audit event id for the force and the newest with no force (sign-ins and email preferences
left out: no page shows them) are therefore the plan's version:
one indexed query tells whether anything a force's page shows may have changed. Pages key what
they keep by (database, force, version, today, their own arguments); a write anywhere in the
force makes a new key, and the old entries age out of a small per-worker LRU.

A change made without an audit event (a hand-edit in the database) is not seen until the
entry's time-to-live runs out, so entries are kept for minutes, not days.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from improvement_tracker.models import AuditEvent

T = TypeVar("T")
# Audit events of things no kept page shows: a sign-in (every user, every day) must not throw
# away every page the force's other users are reading.
UNSHOWN_EVENTS = ("user.signed_in", "user.notifications_changed")
TTL_SECONDS = 300
MAX_ENTRIES = 256


class Kept:
    """A small least-recently-used map whose entries also expire (one per worker process)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, ttl: float = TTL_SECONDS):
        self.max_entries = max_entries
        self.ttl = ttl
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] < self.ttl:
                self._entries.move_to_end(key)
                return entry[1]
        value = make()
        with self._lock:
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


kept = Kept()


def plan_version(session: Session, force_id: int) -> tuple[str, int, int]:
    """(database, newest audit event of the force, newest audit event with no force)."""
    newest = select(func.max(AuditEvent.id)).where(AuditEvent.event.not_in(UNSHOWN_EVENTS))
    force_event, global_event = session.execute(select(
        newest.where(AuditEvent.force_id == force_id).scalar_subquery(),
        newest.where(AuditEvent.force_id.is_(None)).scalar_subquery())).one()
    return str(session.get_bind().url), force_event or 0, global_event or 0


def national_version(session: Session) -> tuple[str, int]:
    """(database, newest audit event anywhere): any write to any plan makes a new version."""
    return str(session.get_bind().url), session.scalar(
        select(func.max(AuditEvent.id)).where(AuditEvent.event.not_in(UNSHOWN_EVENTS))) or 0


def clear() -> None:
    """Forget everything kept (tests empty the database between them; ids start again)."""
    kept.clear()
