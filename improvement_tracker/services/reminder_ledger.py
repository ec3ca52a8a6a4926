"""Who was reminded about what, and whether they updated the action afterwards: the force's
"Reminders sent" page, its download, and the list on each action page.

Reminders about the force's quarterly returns (services.return_reminders) are on the force's
page too: they have no action, so they say what they were about in their label, and "updated
since" does not apply to them.

The page and its download read the same rows (``LedgerRow``) with the same filters, so they say
the same thing in the same words: why each reminder went ("Due in 30 days", "2 days overdue",
"Escalated to programme managers"), about which action (its reference and title) or milestone,
and what became of the email.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from improvement_tracker.models import Action, Force, Milestone, Notification, ReminderClaim, User
from improvement_tracker.services import clock, return_reminders
from improvement_tracker.services.tables import Table

# Each kind of reminder as the ledger's filter names it.
KIND_NAMES = {
    "assignment": "Made the owner of an action",
    "due_soon": "Due soon",
    "overdue": "Overdue",
    "escalation": "Escalated to programme managers",
    "stale": "No progress update",
    **return_reminders.KIND_LABELS,
}
# What became of each email, as the ledger says it and filters by it.
EMAIL_LABELS = {"pending": "Waiting", "sending": "Sending", "sent": "Sent", "failed": "Failed"}
EMAIL_FILTERS = {"sent": ("Sent", ("sent",)), "waiting": ("Waiting to be sent", ("pending", "sending")),
                 "failed": ("Failed", ("failed",))}
FILTER_NAMES = ("kind", "person", "email", "sent_from", "sent_to")


# --- why each reminder went, in words -----------------------------------------------------------

def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _threshold_days(threshold: str) -> int | None:
    """The number in a claim's threshold ("30d before", "2d overdue", "28d silent")."""
    found = re.match(r"(\d+)d\b", threshold or "")
    return int(found.group(1)) if found else None


def _as_the_email_said(label: str) -> str:
    """The first clause of the reason the email gave: "Due in 9 days (3 March 2027) (milestone: …)"
    → "Due in 9 days"; "20 days overdue (was due …); owner …" → "20 days overdue"."""
    return (label or "").split(" (", 1)[0].split(";", 1)[0].strip()


def why(kind: str, threshold: str, label: str) -> str:
    """Why a reminder went, as a person would say it.

    Due-soon, overdue and stale reminders give the days the email gave (a reminder caught up after
    missed runs says the real number, not the threshold's); older claims with no label fall back
    to their threshold. Reminders about quarterly returns name their kind: their label, in "About",
    says the rest."""
    said = _as_the_email_said(label)
    days = _threshold_days(threshold)
    if kind == "assignment":
        return "Made the owner of the action"
    if kind == "due_soon":
        if said.startswith("Due "):
            return said
        return ("Due tomorrow" if days == 1 else f"Due in {_days(days)}") if days else "Due soon"
    if kind == "overdue":
        if said.endswith(" overdue"):
            return said
        return f"{_days(days)} overdue" if days else "Overdue"
    if kind == "escalation":
        late = said if said.endswith(" overdue") else (f"{_days(days)} overdue" if days else "")
        return f"Escalated to programme managers: {late}" if late else "Escalated to programme managers"
    if kind == "stale":
        if said.startswith("No progress update"):
            return said
        return f"No progress update for {_days(days)}" if days else "No progress update"
    return KIND_NAMES.get(kind, kind)


# --- filters ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LedgerFilters:
    kind: str | None = None
    recipient_id: int | None = None
    email: str | None = None
    sent_from: date | None = None
    sent_to: date | None = None

    @property
    def active(self) -> bool:
        return any((self.kind, self.recipient_id, self.email, self.sent_from, self.sent_to))


def filters_from(*, kind: str | None, recipient_id: int | None, email: str | None, sent_from: date | None,
                 sent_to: date | None) -> LedgerFilters:
    """The filters a person chose; a kind or email status the ledger does not know is no filter."""
    return LedgerFilters(kind=kind if kind in KIND_NAMES else None, recipient_id=recipient_id or None,
                         email=email if email in EMAIL_FILTERS else None, sent_from=sent_from, sent_to=sent_to)


def _force_claims(force_id: int) -> Select:
    """The force's sent reminders about actions and its quarterly returns (not the weekly summaries,
    which are about the whole plan), with their emails."""
    return (select(ReminderClaim.id)
            .join(Notification, Notification.id == ReminderClaim.notification_id)
            .where(ReminderClaim.force_id == force_id,
                   or_(ReminderClaim.action_id.is_not(None), ReminderClaim.kind.in_(return_reminders.KINDS))))


def _filtered(query: Select, filters: LedgerFilters) -> Select:
    if filters.kind:
        query = query.where(ReminderClaim.kind == filters.kind)
    if filters.recipient_id:
        query = query.where(ReminderClaim.recipient_id == filters.recipient_id)
    if filters.email:
        query = query.where(Notification.status.in_(EMAIL_FILTERS[filters.email][1]))
    if filters.sent_from:
        query = query.where(ReminderClaim.created_at >= clock.start_of_london_day(filters.sent_from))
    if filters.sent_to:
        query = query.where(ReminderClaim.created_at < clock.start_of_london_day(filters.sent_to + timedelta(days=1)))
    return query


def recipients(session: Session, force: Force) -> list[tuple[int, str]]:
    """Everyone the force's ledger names, for the "Who was reminded" filter: (id, name), by name."""
    ids = _force_claims(force.id).with_only_columns(ReminderClaim.recipient_id).distinct()
    return [(i, name) for i, name in session.execute(
        select(User.id, User.name).where(User.id.in_(ids)).order_by(User.name, User.id))]


# --- the rows -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LedgerRow:
    created_at: datetime
    recipient_name: str
    recipient_email: str
    kind: str
    why: str
    action_id: int | None
    reference: str | None  # the action's; None for a reminder about a quarterly return
    action_title: str | None
    milestone_title: str | None  # a reminder about one of the action's milestones
    about: str  # the return's reminder says what it was about in its label
    email_status: str
    sent_at: datetime | None
    updated_since: bool | None  # None: not about an action

    @property
    def email(self) -> str:
        return EMAIL_LABELS.get(self.email_status, self.email_status)


def _rows(session: Session, force: Force, filters: LedgerFilters, limit: int | None = None,
          offset: int = 0) -> list[LedgerRow]:
    """Newest first, in one query: the action, milestone, recipient and email joined in."""
    query = _filtered(
        _force_claims(force.id).with_only_columns(
            ReminderClaim.created_at, User.name, User.email, ReminderClaim.kind, ReminderClaim.threshold,
            ReminderClaim.label, ReminderClaim.action_id, Action.reference, Action.title, Action.last_update_at,
            Milestone.title, Notification.status, Notification.sent_at, maintain_column_froms=True)
        .join(User, User.id == ReminderClaim.recipient_id)
        .outerjoin(Action, Action.id == ReminderClaim.action_id)
        .outerjoin(Milestone, Milestone.id == ReminderClaim.milestone_id), filters)
    query = query.order_by(ReminderClaim.created_at.desc(), ReminderClaim.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    rows = []
    for (created_at, name, email, kind, threshold, label, action_id, reference, title, last_update, milestone,
         status, sent_at) in session.execute(query):
        moment = sent_at or created_at
        rows.append(LedgerRow(
            created_at=created_at, recipient_name=name, recipient_email=email, kind=kind,
            why=why(kind, threshold, label), action_id=action_id, reference=reference, action_title=title,
            milestone_title=milestone, about=label if action_id is None else "", email_status=status,
            sent_at=sent_at,
            # Whether the action had a progress update after the email went.
            updated_since=None if action_id is None else bool(last_update and last_update > moment)))
    return rows


@dataclass
class LedgerPage:
    rows: list[LedgerRow]
    page: int
    pages: int
    total: int


def ledger_page(session: Session, force: Force, page: int, page_size: int,
                filters: LedgerFilters | None = None) -> LedgerPage:
    filters = filters or LedgerFilters()
    matching = _filtered(_force_claims(force.id), filters).subquery()
    total = session.scalar(select(func.count()).select_from(matching)) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    return LedgerPage(_rows(session, force, filters, page_size, (page - 1) * page_size), page, pages, total)


LEDGER_HEADERS = ["Queued at", "Recipient", "Recipient email", "About", "Action title", "Milestone", "Why",
                  "Email", "Sent at", "Updated since"]


def ledger_table(session: Session, force: Force, filters: LedgerFilters | None = None) -> Table:
    """The page's rows, every page of them, in the page's words."""
    table = Table("reminders", "Reminders sent", list(LEDGER_HEADERS))
    for row in _rows(session, force, filters or LedgerFilters()):
        table.add([row.created_at, row.recipient_name, row.recipient_email, row.reference or row.about,
                   row.action_title or "", row.milestone_title or "", row.why, row.email, row.sent_at,
                   "" if row.updated_since is None else ("Yes" if row.updated_since else "No")])
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
