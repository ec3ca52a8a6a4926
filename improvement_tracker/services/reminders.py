"""Reminders (PRODUCT.md §4): what is due for whom on a given day, claimed once, sent as digests.

Each run recomputes from the plan. For every item the newest threshold already reached is
the one that counts; its key — recipient, kind, item, its due date and the threshold — is
claimed with an INSERT on a UNIQUE column before anything is sent. A rerun, a catch-up after
missed days or a second scheduler process finds the key taken and sends nothing. A new due
date or a new owner makes new keys, so reminders re-arm for them and never repeat the old.

Thresholds count calendar days; runs happen on working days only (England and Wales), so a
threshold that falls on a weekend or bank holiday is sent on the next working day, once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from improvement_tracker.models import Action, Force, Milestone, Notification, ReminderClaim, User
from improvement_tracker.models._types import utcnow
from improvement_tracker.models.plans import CLOSED_STATUSES
from improvement_tracker.services import plan_queries
from improvement_tracker.services.settings import ReminderSettings
from improvement_tracker.services.working_days import first_working_day_of_week, is_working_day

ASSIGNMENT_LOOKBACK_DAYS = 7
KIND_LABELS = {
    "assignment": "Assigned",
    "due_soon": "Due soon",
    "overdue": "Overdue",
    "escalation": "Escalation",
    "stale": "No recent update",
    "weekly_summary": "Weekly summary",
}


@dataclass
class Item:
    recipient: User
    kind: str
    key: str
    action: Action
    threshold: str
    label: str
    due_date: date | None = None
    milestone: Milestone | None = None

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "action_id": self.action.id,
            "reference": self.action.reference,
            "title": self.action.title,
            "milestone": self.milestone.title if self.milestone else None,
            "threshold": self.threshold,
            "label": self.label,
            "due_date": self.due_date.isoformat() if self.due_date else None,
        }


@dataclass(frozen=True)
class Queued:
    """An email put in the outbox by this run (plain values: they outlive the session)."""

    notification_id: int
    recipient_id: int
    kind: str
    items: int


@dataclass
class RunReport:
    day: date
    working_day: bool
    items: list[Item] = field(default_factory=list)
    notifications: list[Queued] = field(default_factory=list)

    @property
    def recipients(self) -> int:
        return len({n.recipient_id for n in self.notifications})


def _paused(user: User, today: date) -> bool:
    return not user.reminders_enabled or (
        user.reminders_paused_until is not None and user.reminders_paused_until >= today)


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _due_soon_label(due: date, today: date) -> str:
    left = (due - today).days
    when = "today" if left == 0 else ("tomorrow" if left == 1 else f"in {_days(left)}")
    return f"Due {when} ({due.day} {due:%B %Y})"


def _overdue_label(due: date, today: date) -> str:
    return f"{_days((today - due).days)} overdue (was due {due.day} {due:%B %Y})"


def _date_items(recipient: User, action: Action, milestone: Milestone | None, due: date, today: date,
                settings: ReminderSettings) -> list[Item]:
    """Due-soon or overdue for one dated thing: the newest threshold reached, if any."""
    what = f"milestone:{milestone.id}" if milestone else f"action:{action.id}"
    left = (due - today).days
    if left >= 0:
        reached = [k for k in settings.due_soon_days if left <= k]
        if not reached:
            return []
        k = min(reached)
        return [Item(recipient, "due_soon", f"due_soon:{what}:{due}:{recipient.id}:{k}", action, f"{k}d before",
                     _due_soon_label(due, today), due, milestone)]
    late = -left
    reached = [k for k in settings.overdue_days if late >= k]
    if not reached:
        return []
    k = max(reached)
    return [Item(recipient, "overdue", f"overdue:{what}:{due}:{recipient.id}:{k}", action, f"{k}d overdue",
                 _overdue_label(due, today), due, milestone)]


def collect(session: Session, today: date, settings: ReminderSettings, *, daily: bool = True) -> list[Item]:
    """Every reminder item due on `today`. `daily=False` gives assignments only (the frequent job)."""
    items: list[Item] = []
    actions = list(session.scalars(
        select(Action)
        .where(Action.status.not_in(CLOSED_STATUSES), Action.owner_id.is_not(None))
        .options(joinedload(Action.owner))
    ))
    managers: dict[int, list[User]] = defaultdict(list)
    for manager in session.scalars(select(User).where(User.role == "programme_manager", User.active.is_(True))):
        managers[manager.force_id].append(manager)

    since = datetime.combine(today - timedelta(days=ASSIGNMENT_LOOKBACK_DAYS), datetime.min.time())
    for action in actions:
        owner = action.owner
        if owner is None or not owner.active or owner.force_id != action.force_id:
            continue
        paused = _paused(owner, today)
        if action.assigned_at is not None and action.assigned_at >= since and not paused:
            items.append(Item(owner, "assignment",
                              f"assignment:action:{action.id}:{owner.id}:{action.assigned_at.isoformat()}",
                              action, "assigned", "You are now the owner of this action",
                              action.current_due_date))
        if not daily:
            continue
        due = action.current_due_date
        if due is not None and not paused:
            items += _date_items(owner, action, None, due, today, settings)
        if due is not None and (today - due).days >= settings.escalation_days:
            # Escalations go to the force's programme managers even when the owner is paused.
            for manager in managers.get(action.force_id, []):
                if manager.id == owner.id:
                    continue
                items.append(Item(manager, "escalation",
                                  f"escalation:action:{action.id}:{due}:{manager.id}", action,
                                  f"{settings.escalation_days}d overdue",
                                  f"{_overdue_label(due, today)}; owner {owner.name}", due))
        if action.status == "in_progress" and not paused and action.last_update_at is not None:
            last = action.last_update_at.date()
            silent = (today - last).days
            if silent >= settings.stale_days:
                items.append(Item(owner, "stale", f"stale:action:{action.id}:{last}:{owner.id}", action,
                                  f"{settings.stale_days}d silent",
                                  f"No progress update for {_days(silent)}", action.current_due_date))

    if daily:
        by_id = {a.id: a for a in actions}
        milestones = session.scalars(
            select(Milestone).join(Action, Action.id == Milestone.action_id).where(
                Action.status.not_in(CLOSED_STATUSES), Action.owner_id.is_not(None),
                Milestone.completed_date.is_(None), Milestone.due_date.is_not(None))
        )
        for milestone in milestones:
            action = by_id[milestone.action_id]
            owner = action.owner
            if owner is None or not owner.active or owner.force_id != action.force_id or _paused(owner, today):
                continue
            items += _date_items(owner, action, milestone, milestone.due_date, today, settings)
    return items


def _insert_ignoring_duplicates(session: Session, values: dict):
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(ReminderClaim).values(**values).on_conflict_do_nothing(
        index_elements=["dedupe_key"]).returning(ReminderClaim.id)


def _subject(items: list[dict]) -> str:
    actions = {i["action_id"] for i in items}
    kinds = {i["kind"] for i in items}
    if kinds == {"assignment"}:
        return ("An improvement action has been assigned to you" if len(actions) == 1
                else f"{len(actions)} improvement actions have been assigned to you")
    noun = "action needs" if len(actions) == 1 else "actions need"
    return f"{len(actions)} improvement {noun} your attention"


@dataclass
class _Claim:
    """One item to claim, as plain values read before any commit expires the plan rows."""

    row: dict
    content: dict


def _claim(item: Item) -> _Claim:
    return _Claim({"dedupe_key": item.key, "recipient_id": item.recipient.id, "kind": item.kind,
                   "action_id": item.action.id, "milestone_id": item.milestone.id if item.milestone else None,
                   "force_id": item.action.force_id, "threshold": item.threshold, "due_date": item.due_date,
                   "label": (f"{item.label} (milestone: {item.milestone.title})" if item.milestone
                             else item.label)[:255]},
                  item.as_json())


@contextmanager
def _writer(session: Session) -> Iterator[Session]:
    """A session of its own for the claims and emails.

    The caller's session holds every action and milestone read to collect the items; committing
    it once per recipient would expire (and then reload) all of them each time.
    """
    session.commit()  # end the caller's read transaction before taking write locks
    writer = Session(bind=session.get_bind(), expire_on_commit=False)
    try:
        yield writer
    finally:
        writer.close()


def _unclaimed(writer: Session, claims: list[_Claim]) -> list[_Claim]:
    """Drop the items claimed on an earlier day: most of them, on most days."""
    keys = [c.row["dedupe_key"] for c in claims]
    taken: set[str] = set()
    for start in range(0, len(keys), 500):
        taken |= set(writer.scalars(select(ReminderClaim.dedupe_key).where(
            ReminderClaim.dedupe_key.in_(keys[start:start + 500]))))
    writer.rollback()
    return [c for c in claims if c.row["dedupe_key"] not in taken]


def _claim_and_notify(writer: Session, recipient_id: int, claims: list[_Claim], today: date, *,
                      kind: str | None = None,
                      subject: str | None = None, dedupe_key: str | None = None) -> Queued | None:
    """Claim each item for one recipient and put the ones won in one email, in one transaction.

    The INSERT … ON CONFLICT DO NOTHING is what makes an item go once even when two runs race:
    the loser's insert returns nothing. A crash leaves nothing half-claimed.
    """
    won: list[tuple[int, _Claim]] = []
    for claim in claims:
        claim_id = writer.scalar(_insert_ignoring_duplicates(writer, {**claim.row, "created_at": utcnow()}))
        if claim_id is not None:
            won.append((claim_id, claim))
    if not won:
        writer.rollback()
        return None
    contents = [c.content for _, c in won]
    if kind is None:
        kind = "assignment" if {c["kind"] for c in contents} == {"assignment"} else "digest"
    notification = Notification(recipient_id=recipient_id, kind=kind,
                                dedupe_key=dedupe_key or f"digest:{recipient_id}:{today}:{min(i for i, _ in won)}",
                                subject=subject or _subject(contents), items=contents)
    writer.add(notification)
    writer.flush()
    writer.execute(ReminderClaim.__table__.update().where(ReminderClaim.id.in_([i for i, _ in won]))
                   .values(notification_id=notification.id))
    writer.commit()
    return Queued(notification.id, recipient_id, notification.kind, len(won))


def claim_and_queue(session: Session, items: list[Item], today: date) -> list[Queued]:
    """Claim each item; put the ones this run won into one digest per recipient."""
    claims = [_claim(i) for i in items]
    queued: list[Queued] = []
    with _writer(session) as writer:
        by_recipient: dict[int, list[_Claim]] = defaultdict(list)
        for claim in _unclaimed(writer, claims):
            by_recipient[claim.row["recipient_id"]].append(claim)
        for recipient_id, mine in by_recipient.items():
            result = _claim_and_notify(writer, recipient_id, mine, today)
            if result is not None:
                queued.append(result)
    return queued


def run_daily(session: Session, today: date, settings: ReminderSettings) -> RunReport:
    """The 07:00 job: every reminder due today, plus the weekly summaries when they are due."""
    report = RunReport(today, is_working_day(today))
    if not report.working_day:
        return report
    report.items = collect(session, today, settings)
    report.notifications = claim_and_queue(session, report.items, today)
    report.notifications += queue_weekly_summaries(session, today)
    return report


def run_assignments(session: Session, today: date) -> list[Queued]:
    """The frequent job: tell new owners now rather than tomorrow morning."""
    return claim_and_queue(session, collect(session, today, ReminderSettings(), daily=False), today)


def pending_preview(session: Session, items: list[Item]) -> list[Item]:
    """Items a real run would send: those whose keys are not claimed yet (for --dry-run)."""
    keys = [i.key for i in items]
    taken: set[str] = set()
    for start in range(0, len(keys), 500):
        taken |= set(session.scalars(select(ReminderClaim.dedupe_key).where(
            ReminderClaim.dedupe_key.in_(keys[start:start + 500]))))
    return [i for i in items if i.key not in taken]


# --- weekly summaries ------------------------------------------------------------------

def queue_weekly_summaries(session: Session, today: date) -> list[Queued]:
    """Programme managers get their force's summary, oversight the national one, once a week,
    on the first working day of the week (Monday unless it is a bank holiday)."""
    if today != first_working_day_of_week(today):
        return []
    year, week, _ = today.isocalendar()
    recipients = session.scalars(select(User).where(
        User.active.is_(True), User.weekly_summary.is_(True),
        User.role.in_(("programme_manager", "oversight"))))
    summaries = []
    for user in recipients:
        if _paused(user, today):
            continue
        summary = _force_summary(session, user.force, today) if user.role == "programme_manager" \
            else _national_summary(session, user, today)
        if summary is not None:
            summaries.append((user.id, user.force_id, summary))
    queued = []
    with _writer(session) as writer:
        for user_id, force_id, (subject, content) in summaries:
            key = f"weekly:{user_id}:{year}-W{week:02d}"
            claim = _Claim({"dedupe_key": key, "recipient_id": user_id, "kind": "weekly_summary",
                            "action_id": None, "milestone_id": None, "force_id": force_id,
                            "threshold": f"{year}-W{week:02d}", "due_date": None}, content)
            result = _claim_and_notify(writer, user_id, [claim], today, kind="weekly_summary", subject=subject,
                                       dedupe_key=key)
            if result is not None:
                queued.append(result)
    return queued


def _force_summary(session: Session, force: Force | None, today: date):
    if force is None:
        return None
    counts = plan_queries.force_counts(session, force, today)
    overdue = list(session.scalars(
        select(Action).where(Action.force_id == force.id, Action.status.not_in(CLOSED_STATUSES),
                             Action.current_due_date < today)
        .order_by(Action.current_due_date).limit(20)))
    due_soon = session.scalar(select(func.count()).select_from(Action).where(
        Action.force_id == force.id, Action.status.not_in(CLOSED_STATUSES),
        Action.current_due_date >= today, Action.current_due_date <= today + timedelta(days=14)))
    content = {
        "intro": f"This is the weekly summary of the {force.name} improvement plan, as at "
                 f"{today.day} {today:%B %Y}.",
        "figures": [("Actions", counts["actions"]), ("Complete", counts["complete"]),
                    ("Overdue", counts["overdue"]), ("Due in the next 14 days", due_soon),
                    ("Awaiting your sign-off", counts["awaiting_sign_off"])],
        "rows_title": "Overdue actions" if overdue else "",
        "rows": [{"text": f"{a.reference}: {a.title} – {_overdue_label(a.current_due_date, today)}",
                  "path": f"/actions/{a.id}"} for a in overdue],
        "path": f"/forces/{force.code}",
    }
    return f"Weekly summary: {force.name} improvement plan", content


def _national_summary(session: Session, user: User, today: date):
    forces = plan_queries.forces_overview(session, user, today)
    total = sum(f.actions for f in forces)
    complete = sum(f.complete for f in forces)
    overdue = sum(f.overdue for f in forces)
    worst = sorted((f for f in forces if f.overdue), key=lambda f: (-f.overdue, f.force.name))[:10]
    content = {
        "intro": f"This is the weekly national summary of the forces' improvement plans, as at "
                 f"{today.day} {today:%B %Y}.",
        "figures": [("Forces with a plan", sum(1 for f in forces if f.actions)), ("Actions", total),
                    ("Complete", complete), ("Overdue", overdue)],
        "rows_title": "Forces with the most overdue actions" if worst else "",
        "rows": [{"text": f"{f.force.name}: {f.overdue} overdue of {f.actions}",
                  "path": f"/forces/{f.force.code}"} for f in worst],
        "path": "/forces",
    }
    return "Weekly summary: national improvement plans", content
