"""Audit events: one per write, with each changed field's old and new value.

Recording an event also marks its force's plan as changed (services.plan_version), so the
version every kept page is keyed by moves with every write a page can show. An event with no
force (a pillar renamed, an account without a force) marks every force's plan.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from improvement_tracker.models import AuditEvent, User
from improvement_tracker.services import plan_version

# Events no page shows: a sign-in (every user, every day) must not make every page the force's
# other users are reading be worked out again.
UNSHOWN_EVENTS = frozenset({"user.signed_in", "user.notifications_changed"})


class ServiceError(ValueError):
    """A rule was broken. ``field`` names the form field the message belongs next to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def enforce(refusal: Any, field: str | None = None) -> None:
    """Refuse what improvement_tracker.security refused: a 403 for who the user is, else the message."""
    if refusal is None:
        return
    if refusal.forbidden:
        raise PermissionError(refusal.message)
    raise ServiceError(refusal.message, field)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set attributes on obj and return {field: [old, new]} for those that really changed."""
    changes: dict[str, list[Any]] = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [_jsonable(old), _jsonable(new)]
            setattr(obj, field, new)
    return changes


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, list[Any]]:
    """Changes for a newly created object: every field from nothing to its value."""
    return {field: [None, _jsonable(getattr(obj, field))] for field in fields}


def record(
    session: Session,
    actor: User | None,
    event: str,
    object_type: str,
    object_id: int | None,
    *,
    changes: dict[str, list[Any]] | None = None,
    force_id: int | None = None,
    action_id: int | None = None,
    summary: str = "",
) -> AuditEvent:
    entry = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        event=event,
        object_type=object_type,
        object_id=object_id,
        force_id=force_id,
        action_id=action_id,
        summary=summary[:255],
        changes=changes or {},
    )
    session.add(entry)
    if event not in UNSHOWN_EVENTS:
        plan_version.changed(session, force_id)
    return entry
