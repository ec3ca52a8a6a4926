"""Who was reminded about what, and whether they updated the action afterwards: the force's
"Reminders sent" page, its download, and the list on each action page.

Reminders about the force's quarterly returns (services.return_reminders) are on the force's
page too: they have no action, so they say what they were about in their label, and "updated
since" does not apply to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from improvement_tracker.models import Action, Force, Notification, ReminderClaim, User
from improvement_tracker.services import return_reminders
from improvement_tracker.services.reminders import KIND_LABELS
from improvement_tracker.services.tables import Table


def updated_since(action: Action | None, moment: datetime | None) -> bool:
    """Whether the action had a progress update after the reminder went."""
    return bool(action and moment and action.last_update_at and action.last_update_at > moment)


def _force_claims(force_id: int):
    """The force's sent reminders about actions and its quarterly returns, newest first: the page and
    its download (not the weekly summaries, which are about the whole plan)."""
    return (select(ReminderClaim)
            .where(ReminderClaim.force_id == force_id, ReminderClaim.notification_id.is_not(None),
                   or_(ReminderClaim.action_id.is_not(None), ReminderClaim.kind.in_(return_reminders.KINDS)))
            .options(joinedload(ReminderClaim.notification))
            .order_by(ReminderClaim.created_at.desc(), ReminderClaim.id.desc()))


def _with_actions(session: Session, query) -> tuple[list[ReminderClaim], dict[int, Action]]:
    """The claims, and their actions in one more query (not one per row)."""
    claims = list(session.scalars(query))
    ids = {c.action_id for c in claims if c.action_id is not None}
    actions = {a.id: a for a in session.scalars(select(Action).where(Action.id.in_(ids)))} if ids else {}
    return claims, actions


@dataclass
class LedgerPage:
    claims: list[ReminderClaim]
    actions: dict[int, Action]
    page: int
    pages: int
    total: int


def ledger_page(session: Session, force: Force, page: int, page_size: int) -> LedgerPage:
    base = _force_claims(force.id)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // page_size))
    claims, actions = _with_actions(session, base.limit(page_size).offset((page - 1) * page_size))
    return LedgerPage(claims, actions, page, pages, total)


def ledger_table(session: Session, force: Force) -> Table:
    claims, actions = _with_actions(session, _force_claims(force.id))
    table = Table("reminders", "Reminders sent", ["Queued at", "Recipient", "Recipient email", "Action",
                                                  "Why", "Threshold", "Email", "Updated since"])
    for claim in claims:
        action = actions.get(claim.action_id)
        sent = claim.notification.sent_at if claim.notification else None
        table.add([claim.created_at, claim.recipient.name, claim.recipient.email,
                   action.reference if action else claim.label, KIND_LABELS[claim.kind], claim.threshold,
                   claim.notification.status if claim.notification else "",
                   ("Yes" if updated_since(action, sent or claim.created_at) else "No") if action else ""])
    return table


@dataclass(frozen=True)
class SentReminder:
    created_at: datetime
    recipient_name: str
    label: str
    email_status: str


def action_reminders(session: Session, action_id: int, limit: int = 20) -> list[SentReminder]:
    """The reminders sent about one action, newest first, for its page. Read on every request:
    sending a reminder changes no plan, so it is not part of what the action page keeps."""
    return [SentReminder(*row) for row in session.execute(
        select(ReminderClaim.created_at, User.name, ReminderClaim.label, Notification.status)
        .join(User, User.id == ReminderClaim.recipient_id)
        .join(Notification, Notification.id == ReminderClaim.notification_id)
        .where(ReminderClaim.action_id == action_id)
        .order_by(ReminderClaim.created_at.desc(), ReminderClaim.id.desc()).limit(limit))]
