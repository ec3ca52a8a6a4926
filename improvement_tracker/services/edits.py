"""Edits that would undo someone else's: found from the audit trail, before anything is written.

An edit form carries the version it was loaded at: the id of the newest audit event about its
object then (``loaded_version``). On save, any later event that changed a field the form shows
is another person's change. Where the stored value now differs from what this user sent, saving
would silently put the old value back: the form is shown again with that field's error (who
changed it, when, and to what), and nothing is written. Saving again, having looked, keeps the
user's answer. Changes to fields the form does not show (a progress update, a status move)
never stop a save.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from improvement_tracker.models import AuditEvent


@dataclass(frozen=True)
class Conflict:
    field: str
    by: str
    by_id: int | None
    at: datetime


def _about(object_type: str, object_id: int, force_id: int | None) -> list:
    """An object's events; ``force_id`` narrows them where one id is shared by every force's objects
    (a force's figures for a quarter are recorded against the quarter)."""
    found = [AuditEvent.object_type == object_type, AuditEvent.object_id == object_id]
    if force_id is not None:
        found.append(AuditEvent.force_id == force_id)
    return found


def loaded_version(session: Session, object_type: str, object_id: int, force_id: int | None = None) -> int:
    return session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)).where(
        *_about(object_type, object_id, force_id)))


def conflicts(session: Session, object_type: str, object_id: int, since: int, current: dict[str, Any],
              submitted: dict[str, Any], force_id: int | None = None) -> list[Conflict]:
    """The fields changed by others since ``since`` whose stored value differs from the one sent.

    ``current`` and ``submitted`` map form field names, which are also the keys the audit events
    record their changes under, to comparable values."""
    differing = {field for field in current if current[field] != submitted.get(field)}
    if not differing:
        return []
    events = session.scalars(select(AuditEvent).where(
        *_about(object_type, object_id, force_id), AuditEvent.id > since).order_by(AuditEvent.id))
    found: dict[str, Conflict] = {}
    for event in events:
        for field in differing & set(event.changes or {}):
            found[field] = Conflict(field, event.actor.name if event.actor else "Someone", event.actor_id, event.at)
    return list(found.values())
