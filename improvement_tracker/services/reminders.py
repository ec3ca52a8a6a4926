"""Reminders (docs/reminders.md): what is due for whom on a given day, claimed once, sent as digests.

Each run recomputes from the plan. For every item the newest threshold already reached is
the one that counts; its key — recipient, kind, item, its due date and the threshold — is
claimed with an INSERT on a UNIQUE column before anything is sent. A rerun, a catch-up after
missed days or a second scheduler process finds the key taken and sends nothing. A new due
date or a new owner makes new keys, so reminders re-arm for them and never repeat the old.

Thresholds count calendar days; runs happen on working days only (England and Wales), and
``threshold_day`` is the one rule for a threshold that falls on a weekend or bank holiday: a
due-soon reminder goes on the working day before it (so it always comes before the due date),
an overdue one on the working day after it. Due-soon thresholds that land on the same working
day make one item, the nearest threshold's. The weekly summary goes with the first run of the
ISO week that happens on a working day, whichever day that is.

One function, ``plan``, decides what a run would send: each email with its recipient, kind
and items. The real run claims and queues that plan (``queue``, one email at a time); the
dry run prints the same plan less what is already claimed (``unclaimed``). Nothing here
commits: the caller (improvement_tracker.jobs) owns the transactions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from improvement_tracker.models import Action, Force, Milestone, Notification, ReminderClaim, User
from improvement_tracker.models._types import utcnow
from improvement_tracker.services import clock, commitment_status, plan_queries, plan_rules, return_reminders
from improvement_tracker.services.lookups import which_exist
from improvement_tracker.services.settings import ReminderSettings
from improvement_tracker.services.working_days import (
    is_working_day,
    working_day_on_or_after,
    working_day_on_or_before,
)

ASSIGNMENT_LOOKBACK_DAYS = 7
# The weekly summary's "Due in the next 14 days" figure.
WEEKLY_DUE_SOON_DAYS = 14
KIND_LABELS = {
    "assignment": "Assigned",
    "due_soon": "Due soon",
    "overdue": "Overdue",
    "escalation": "Escalation",
    "stale": "No recent update",
    "weekly_summary": "Weekly summary",
    **return_reminders.KIND_LABELS,
}


@dataclass
class Item:
    """One reminder found in the plan (with the rows it came from: read it in one session)."""

    recipient: User
    kind: str
    key: str
    action: Action
    threshold: str
    label: str
    due_date: date | None = None
    milestone: Milestone | None = None
    # Escalations: the number of days overdue that made it one, as it was when it was claimed.
    escalation_days: int | None = None

    def as_json(self) -> dict:
        content = {
            "kind": self.kind,
            "action_id": self.action.id,
            "reference": self.action.reference,
            "title": self.action.title,
            "milestone": self.milestone.title if self.milestone else None,
            "threshold": self.threshold,
            "label": self.label,
            "due_date": self.due_date.isoformat() if self.due_date else None,
        }
        if self.escalation_days is not None:
            content["escalation_days"] = self.escalation_days
        return content


@dataclass(frozen=True)
class Claim:
    """One item of a planned email, as plain values: a plan outlives the session that made it."""

    row: dict[str, Any]  # the reminder_claims row to insert
    content: dict[str, Any]  # what the email says about it
    line: str  # one line for the dry run

    @property
    def key(self) -> str:
        return self.row["dedupe_key"]

    @property
    def kind(self) -> str:
        return self.row["kind"]


@dataclass(frozen=True)
class PlannedEmail:
    """One email a run would send: a digest of one person's items, or a weekly summary."""

    recipient_id: int
    recipient_email: str
    kind: str  # "digest", "assignment" (only assignments in it) or "weekly_summary"
    subject: str
    claims: tuple[Claim, ...]
    dedupe_key: str | None = None  # weekly summaries have theirs; a digest's is made when queued


@dataclass
class Plan:
    day: date
    working_day: bool
    emails: list[PlannedEmail] = field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(len(e.claims) for e in self.emails)

    @property
    def recipients(self) -> int:
        return len({e.recipient_id for e in self.emails})


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
    items: list[Claim] = field(default_factory=list)  # every item due that day, sent before or not
    notifications: list[Queued] = field(default_factory=list)

    @property
    def recipients(self) -> int:
        return len({n.recipient_id for n in self.notifications})

    @property
    def items_queued(self) -> int:
        return sum(n.items for n in self.notifications)


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
    return f"{_days(plan_rules.days_overdue(due, today))} overdue (was due {due.day} {due:%B %Y})"


def threshold_day(kind: str, due: date, days: int) -> date:
    """The working day a due-soon or overdue threshold is sent on (docs/reminders.md#working-days-and-times).

    Thresholds count calendar days. One that falls on a weekend or bank holiday goes on the
    working day before it when it is due-soon (a warning is no use after the deadline), and on
    the working day after it when it is overdue (nothing is overdue before it is).
    """
    if kind == "due_soon":
        return working_day_on_or_before(due - timedelta(days=days))
    return working_day_on_or_after(due + timedelta(days=days))


def _date_items(recipient: User, action: Action, milestone: Milestone | None, due: date, today: date,
                settings: ReminderSettings) -> list[Item]:
    """Due-soon or overdue for one dated thing: the newest threshold reached, if any.

    A threshold is reached once its ``threshold_day`` has come. Of those reached the newest is
    the nearest to the due date, so a catch-up sends one item, and due-soon thresholds that
    share a working day (2 and 1 days before a Monday both fall on the Friday) make one item,
    the smallest threshold's; the others are never sent for that date.
    """
    what = f"milestone:{milestone.id}" if milestone else f"action:{action.id}"
    if today <= due:
        reached = [k for k in settings.due_soon_days if threshold_day("due_soon", due, k) <= today]
        if not reached:
            return []
        k = min(reached)
        return [Item(recipient, "due_soon", f"due_soon:{what}:{due}:{recipient.id}:{k}", action, f"{k}d before",
                     _due_soon_label(due, today), due, milestone)]
    reached = [k for k in settings.overdue_days if threshold_day("overdue", due, k) <= today]
    if not reached:
        return []
    k = max(reached)
    return [Item(recipient, "overdue", f"overdue:{what}:{due}:{recipient.id}:{k}", action, f"{k}d overdue",
                 _overdue_label(due, today), due, milestone)]


def collect(session: Session, today: date, settings: ReminderSettings, *,
            daily: bool = True) -> list[Item | return_reminders.ReturnItem]:
    """Every reminder item due on `today`, quarterly returns' too (services.return_reminders).
    `daily=False` gives assignments and returns' questions and answers only (the frequent job)."""
    items: list[Item] = []
    actions = list(session.scalars(
        select(Action)
        .where(plan_rules.open_sql(), Action.owner_id.is_not(None))
        .options(joinedload(Action.owner)).order_by(Action.id)  # the same email, whatever the database
    ))
    managers: dict[int, list[User]] = defaultdict(list)
    for manager in session.scalars(select(User).where(User.role == "programme_manager", User.active.is_(True))):
        managers[manager.force_id].append(manager)

    # Assignments of the last few London days (assigned_at is stored as naive UTC).
    since = clock.start_of_london_day(today - timedelta(days=ASSIGNMENT_LOOKBACK_DAYS))
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
        if due is not None and plan_rules.days_overdue(due, today) >= settings.escalation_days:
            # Escalations go to the force's programme managers even when the owner is paused.
            for manager in managers.get(action.force_id, []):
                if manager.id == owner.id:
                    continue
                items.append(Item(manager, "escalation",
                                  f"escalation:action:{action.id}:{due}:{manager.id}", action,
                                  f"{settings.escalation_days}d overdue",
                                  f"{_overdue_label(due, today)}; owner {owner.name}", due,
                                  escalation_days=settings.escalation_days))
        silent = plan_rules.days_without_update(action.last_update_at, today)
        if action.status == "in_progress" and not paused and silent is not None and silent >= settings.stale_days:
            last = clock.london_date(action.last_update_at)
            items.append(Item(owner, "stale", f"stale:action:{action.id}:{last}:{owner.id}", action,
                              f"{settings.stale_days}d silent",
                              f"No progress update for {_days(silent)}", action.current_due_date))

    if daily:
        by_id = {a.id: a for a in actions}
        milestones = session.scalars(
            select(Milestone).join(Action, Action.id == Milestone.action_id).where(
                plan_rules.open_sql(), Action.owner_id.is_not(None),
                Milestone.completed_date.is_(None), Milestone.due_date.is_not(None))
            .order_by(Milestone.id)
        )
        for milestone in milestones:
            action = by_id[milestone.action_id]
            owner = action.owner
            if owner is None or not owner.active or owner.force_id != action.force_id or _paused(owner, today):
                continue
            items += _date_items(owner, action, milestone, milestone.due_date, today, settings)
    # Items about returns have no action (return_reminders.ReturnItem); pauses apply to them as here.
    return items + [i for i in return_reminders.collect(session, today, managers, daily=daily)
                    if i.ignores_pause or not _paused(i.recipient, today)]


# --- planning ----------------------------------------------------------------------------

def _claim(item: Item | return_reminders.ReturnItem) -> Claim:
    if isinstance(item, return_reminders.ReturnItem):  # about a quarterly return, not an action
        return Claim(item.claim_row(), item.content, f"{KIND_LABELS[item.kind]}: {item.label}")
    label = f"{item.label} (milestone: {item.milestone.title})" if item.milestone else item.label
    return Claim({"dedupe_key": item.key, "recipient_id": item.recipient.id, "kind": item.kind,
                  "action_id": item.action.id, "milestone_id": item.milestone.id if item.milestone else None,
                  "force_id": item.action.force_id, "threshold": item.threshold, "due_date": item.due_date,
                  "label": label[:255]},
                 item.as_json(), f"{KIND_LABELS[item.kind]}: {item.action.reference} – {label}")


def _subject(claims: tuple[Claim, ...]) -> str:
    actions = {c.row["action_id"] for c in claims if c.row["action_id"] is not None}
    if returns := [c.content for c in claims if c.row["action_id"] is None]:
        return return_reminders.subject(len(actions), returns)
    if {c.kind for c in claims} == {"assignment"}:
        return ("An improvement action has been assigned to you" if len(actions) == 1
                else f"{len(actions)} improvement actions have been assigned to you")
    noun = "action needs" if len(actions) == 1 else "actions need"
    return f"{len(actions)} improvement {noun} your attention"


def _digest(recipient_id: int, recipient_email: str, claims: tuple[Claim, ...]) -> PlannedEmail:
    kind = "assignment" if {c.kind for c in claims} == {"assignment"} else "digest"
    return PlannedEmail(recipient_id, recipient_email, kind, _subject(claims), claims)


def _digests(items: list[Item | return_reminders.ReturnItem]) -> list[PlannedEmail]:
    """One digest per recipient, whatever their items' kinds (returns' included)."""
    by_recipient: dict[int, list[Item | return_reminders.ReturnItem]] = defaultdict(list)
    for item in items:
        by_recipient[item.recipient.id].append(item)
    return [_digest(recipient_id, mine[0].recipient.email, tuple(_claim(i) for i in mine))
            for recipient_id, mine in by_recipient.items()]


def plan(session: Session, today: date, settings: ReminderSettings) -> Plan:
    """Every email the 07:00 run sends on `today`: each person's digest, and the weekly
    summaries not yet sent this week. Nothing on other than working days."""
    result = Plan(today, is_working_day(today))
    if result.working_day:
        result.emails = _digests(collect(session, today, settings)) + weekly_summaries(session, today)
    return result


def plan_assignments(session: Session, today: date) -> Plan:
    """The frequent job's plan: tell new owners, and returns' questions and answers, now rather than tomorrow."""
    return Plan(today, True, _digests(collect(session, today, ReminderSettings(), daily=False)))


def _narrowed(email: PlannedEmail, keys: set[str]) -> PlannedEmail | None:
    """The email with only the items whose keys are given (None when none are left)."""
    claims = tuple(c for c in email.claims if c.key in keys)
    if not claims:
        return None
    if len(claims) == len(email.claims):
        return email
    if email.kind == "weekly_summary":
        return replace(email, claims=claims)
    return _digest(email.recipient_id, email.recipient_email, claims)


def unclaimed(session: Session, planned: Plan) -> Plan:
    """The plan less the items claimed already (on an earlier day, mostly): what a run would send."""
    keys = [c.key for e in planned.emails for c in e.claims]
    free = set(keys) - which_exist(session, ReminderClaim.dedupe_key, keys)
    emails = [_narrowed(e, free) for e in planned.emails]
    return replace(planned, emails=[e for e in emails if e is not None])


# --- claiming and queueing ---------------------------------------------------------------

def _insert_ignoring_duplicates(session: Session, values: dict):
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(ReminderClaim).values(**values).on_conflict_do_nothing(
        index_elements=["dedupe_key"]).returning(ReminderClaim.id)


def queue(session: Session, email: PlannedEmail, today: date) -> Queued | None:
    """Claim each item of one planned email and put the ones won in the outbox as one email.

    The INSERT … ON CONFLICT DO NOTHING is what makes an item go once even when two runs race:
    the loser's insert returns nothing. Call it in a transaction of its own (one per email), so
    a crash leaves nothing half-claimed and a claim is never left without its email.
    """
    won: list[tuple[int, Claim]] = []
    for claim in email.claims:
        claim_id = session.scalar(_insert_ignoring_duplicates(session, {**claim.row, "created_at": utcnow()}))
        if claim_id is not None:
            won.append((claim_id, claim))
    if not won:
        return None
    sending = _narrowed(email, {c.key for _, c in won})
    notification = Notification(
        recipient_id=sending.recipient_id, kind=sending.kind, subject=sending.subject,
        dedupe_key=sending.dedupe_key or f"digest:{sending.recipient_id}:{today}:{min(i for i, _ in won)}",
        items=[c.content for c in sending.claims])
    session.add(notification)
    session.flush()
    session.execute(ReminderClaim.__table__.update().where(ReminderClaim.id.in_([i for i, _ in won]))
                    .values(notification_id=notification.id))
    return Queued(notification.id, sending.recipient_id, notification.kind, len(won))


def run_daily(session: Session, today: date, settings: ReminderSettings) -> RunReport:
    """The 07:00 run in one transaction of the caller's (for bulk loads and benchmarks; the
    scheduler uses jobs.reminders, which commits each email on its own)."""
    planned = plan(session, today, settings)
    report = RunReport(today, planned.working_day, [c for e in planned.emails for c in e.claims])
    for email in unclaimed(session, planned).emails:
        queued = queue(session, email, today)
        if queued is not None:
            report.notifications.append(queued)
    return report


def run_assignments(session: Session, today: date) -> list[Queued]:
    """The frequent job's work in one transaction of the caller's."""
    queued = (queue(session, e, today) for e in unclaimed(session, plan_assignments(session, today)).emails)
    return [q for q in queued if q is not None]


# --- weekly summaries ------------------------------------------------------------------

def weekly_summaries(session: Session, today: date) -> list[PlannedEmail]:
    """Programme managers get their force's summary, oversight the national one, once a week.

    The claim key is the recipient and the ISO week, so the first run of the week that happens
    on a working day sends it, whichever day that is (Monday normally; Tuesday after a bank
    holiday or a missed Monday run). A summary already claimed this week is left out rather
    than worked out again only to be found claimed: later runs that week plan nothing for it.
    """
    if not is_working_day(today):
        return []
    year, week, _ = today.isocalendar()
    recipients = list(session.scalars(select(User).where(
        User.active.is_(True), User.weekly_summary.is_(True),
        User.role.in_(("programme_manager", "oversight"))).order_by(User.id)))
    keys = {user.id: f"weekly:{user.id}:{year}-W{week:02d}" for user in recipients}
    sent = which_exist(session, ReminderClaim.dedupe_key, keys.values())
    emails = []
    for user in recipients:
        if keys[user.id] in sent or _paused(user, today):
            continue
        summary = _force_summary(session, user.force, today) if user.role == "programme_manager" \
            else _national_summary(session, user, today)
        if summary is None:
            continue
        subject, content = summary
        key = keys[user.id]
        claim = Claim({"dedupe_key": key, "recipient_id": user.id, "kind": "weekly_summary",
                       "action_id": None, "milestone_id": None, "force_id": user.force_id,
                       "threshold": f"{year}-W{week:02d}", "due_date": None}, content,
                      subject)  # "Weekly summary: …" says it all
        emails.append(PlannedEmail(user.id, user.email, "weekly_summary", subject, (claim,), key))
    return emails


def _link(endpoint: str, **args: Any) -> dict[str, Any]:
    """Where a line of the summary leads, as a route and its arguments: the URL is made when the
    email is built (services.mail), from BASE_URL as it is then."""
    return {"endpoint": endpoint, "args": args}


def _force_summary(session: Session, force: Force | None, today: date):
    if force is None:
        return None
    counts = plan_queries.force_counts(session, force, today)
    overdue = list(session.scalars(
        select(Action).where(Action.force_id == force.id, plan_rules.overdue_sql(today))
        .order_by(Action.current_due_date, Action.id).limit(20)))
    due_soon = session.scalar(select(func.count()).select_from(Action).where(
        Action.force_id == force.id, plan_rules.due_within_sql(today, WEEKLY_DUE_SOON_DAYS)))
    content = {
        "intro": f"This is the weekly summary of the {force.name} improvement plan, as at "
                 f"{today.day} {today:%B %Y}.",
        "figures": [("Actions", counts["actions"]), ("Complete", counts["complete"]),
                    ("Overdue", counts["overdue"]), (f"Due in the next {WEEKLY_DUE_SOON_DAYS} days", due_soon),
                    ("Awaiting your sign-off", counts["awaiting_sign_off"])],
        "rows_title": "Overdue actions" if overdue else "",
        "rows": [{"text": f"{a.reference}: {a.title} – {_overdue_label(a.current_due_date, today)}",
                  **_link("actions.show", action_id=a.id)} for a in overdue],
        "link": _link("plans.force_plan", code=force.code),
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
                  **_link("plans.force_plan", code=f.force.code)} for f in worst],
        "link": _link("plans.forces"),
    }
    if late := commitment_status.newly_overdue(session, today):
        content["sections"] = [{"title": "National commitments with forces newly overdue this week", "rows": [
            {"text": f"{c.reference} {c.title}: {', '.join(c.forces)} newly overdue ({c.overdue} "
                     f"force{'s' if c.overdue != 1 else ''} overdue in all)",
             **_link("commitments.view", reference=c.reference)} for c in late]}]
    return "Weekly summary: national improvement plans", content
