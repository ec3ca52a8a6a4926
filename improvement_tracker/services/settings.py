"""Reminder thresholds an admin can change without a deploy, with the defaults of docs/reminders.md."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from improvement_tracker.models import Setting, User
from improvement_tracker.services import audit
from improvement_tracker.services.audit import ServiceError

KEY = "reminders"


@dataclass(frozen=True)
class ReminderSettings:
    due_soon_days: tuple[int, ...] = (30, 7, 1)
    overdue_days: tuple[int, ...] = (1, 2, 4, 8, 16, 32)
    escalation_days: int = 14
    stale_days: int = 28


def load(session: Session) -> ReminderSettings:
    row = session.get(Setting, KEY)
    if row is None or not isinstance(row.value, dict):
        return ReminderSettings()
    value = row.value
    return ReminderSettings(
        due_soon_days=tuple(value.get("due_soon_days", ReminderSettings.due_soon_days)),
        overdue_days=tuple(value.get("overdue_days", ReminderSettings.overdue_days)),
        escalation_days=int(value.get("escalation_days", ReminderSettings.escalation_days)),
        stale_days=int(value.get("stale_days", ReminderSettings.stale_days)),
    )


def parse_days(text: str, field: str, *, low: int = 1, high: int = 365) -> tuple[int, ...]:
    """'30, 7, 1' → (30, 7, 1): whole numbers of days, each used once."""
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise ServiceError("Enter at least one number of days", field)
    if not all(p.isdigit() for p in parts):
        raise ServiceError("Enter whole numbers of days separated by commas, like 30, 7, 1", field)
    days = tuple(int(p) for p in parts)
    if any(d < low or d > high for d in days):
        raise ServiceError(f"Each number of days must be between {low} and {high}", field)
    if len(set(days)) != len(days):
        raise ServiceError("Each number of days can only appear once", field)
    if len(days) > 10:
        raise ServiceError("Enter 10 thresholds or fewer", field)
    return days


def save(session: Session, new: ReminderSettings, *, actor: User) -> dict:
    if not 1 <= new.escalation_days <= 365:
        raise ServiceError("Escalation must be between 1 and 365 days overdue", "escalation_days")
    if not 7 <= new.stale_days <= 365:
        raise ServiceError("Stale must be between 7 and 365 days without an update", "stale_days")
    old = load(session)
    value = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(new).items()}
    old_value = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(old).items()}
    changes = {k: [old_value[k], value[k]] for k in value if value[k] != old_value[k]}
    if not changes:
        return {}
    row = session.get(Setting, KEY)
    if row is None:
        session.add(Setting(key=KEY, value=value, updated_by_id=actor.id))
    else:
        row.value = value
        row.updated_by_id = actor.id
    audit.record(session, actor, "settings.reminders_updated", "setting", None, changes=changes,
                 summary="Changed the reminder thresholds")
    return changes
