"""The plan's rules, each written once: closed and open, overdue, due soon, the computed RAG
and its reason, and % complete (docs/rules.md says them in words).

Every page, export, email, snapshot and job asks here. Where a query has to count or filter
by a rule, the SQL form sits beside the Python form and is built from the same constants;
tests/services/test_plan_rules.py checks the two agree on random plans.

- **Closed**: complete, or closed as not needed. Everything else is **open**.
- **Overdue**: open, with a current due date before today.
- **Due within N days**: open, due today or in the next N days.
- **Milestone overdue**: not done, with a due date before today.
- **Computed RAG** (open actions only; closed ones have none):
  red when the action is blocked or overdue; amber when a milestone is overdue, or when the
  action is due within 14 days and has had no progress update for 30 days or more (counted
  in London days); green otherwise.
- **% complete**: complete ÷ (actions − closed as not needed), in whole per cent with halves
  rounded up; no figure at all when nothing is left to complete (shown as "–", never "0%").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, exists, or_

from improvement_tracker.models import Action, Milestone
from improvement_tracker.models.plans import CLOSED_STATUSES
from improvement_tracker.services import clock

# The amber rule: due within this many days, and no update for this many days or more.
RAG_DUE_SOON_DAYS = 14
RAG_NO_UPDATE_DAYS = 30
# "Due soon" on an owner's list: the window of the first due-soon reminder.
DUE_SOON_DAYS = 30
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green"}


# --- open and closed ----------------------------------------------------------------------

def is_closed(status: str) -> bool:
    return status in CLOSED_STATUSES


def is_open(status: str) -> bool:
    return status not in CLOSED_STATUSES


def open_sql(status=Action.status):
    return status.not_in(CLOSED_STATUSES)


def closed_sql(status=Action.status):
    return status.in_(CLOSED_STATUSES)


# --- overdue and due soon -----------------------------------------------------------------

def is_overdue(status: str, due: date | None, today: date) -> bool:
    return is_open(status) and due is not None and due < today


def overdue_sql(today: date, status=Action.status, due=Action.current_due_date):
    return and_(open_sql(status), due < today)


def days_overdue(due: date, today: date) -> int:
    return (today - due).days


def is_due_within(status: str, due: date | None, today: date, days: int) -> bool:
    return is_open(status) and due is not None and today <= due <= today + timedelta(days=days)


def due_within_sql(today: date, days: int, status=Action.status, due=Action.current_due_date):
    return and_(open_sql(status), due >= today, due <= today + timedelta(days=days))


def milestone_is_overdue(due: date | None, completed: date | None, today: date) -> bool:
    return completed is None and due is not None and due < today


def milestone_overdue_sql(today: date):
    return and_(Milestone.completed_date.is_(None), Milestone.due_date.is_not(None), Milestone.due_date < today)


# --- computed RAG -------------------------------------------------------------------------

def days_without_update(last_update_at: datetime | None, today: date) -> int | None:
    """Whole London days since the newest progress update (None: never updated)."""
    if last_update_at is None:
        return None
    return (today - clock.london_date(last_update_at)).days


@dataclass(frozen=True)
class Rag:
    """A computed RAG, why, and what would make it green, in words a programme manager would use."""

    rag: str | None
    reason: str
    to_green: str = ""  # empty when it is green, or has no RAG

    @property
    def label(self) -> str:
        return RAG_LABELS.get(self.rag or "", "Not applicable")

    @property
    def sentence(self) -> str:
        """"Amber: due in 12 days and no update for 34 days": the words every page and export uses."""
        if self.rag is None:
            return self.reason
        return f"{self.label}: {self.reason[0].lower()}{self.reason[1:]}"


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def explain_rag(*, status: str, due_date: date | None, last_update_at: datetime | None,
                has_overdue_milestone: bool, today: date) -> Rag:
    """The computed RAG of one action and the rule that decided it."""
    if is_closed(status):
        return Rag(None, "Finished actions have no RAG")
    if status == "blocked":
        return Rag("red", "Blocked", "resolve what is blocking it and resume work")
    if due_date is not None and due_date < today:
        return Rag("red", f"{_days(days_overdue(due_date, today))} overdue",
                   "finish it, or move its due date with the reason (a re-plan)")
    if has_overdue_milestone:
        return Rag("amber", "A milestone is overdue", "complete the overdue milestone, or move its date")
    if due_date is not None and (due_date - today).days <= RAG_DUE_SOON_DAYS:
        quiet = days_without_update(last_update_at, today)
        if quiet is None or quiet >= RAG_NO_UPDATE_DAYS:
            left = (due_date - today).days
            when = "today" if left == 0 else f"in {_days(left)}"
            since = "no progress update yet" if quiet is None else f"no update for {_days(quiet)}"
            return Rag("amber", f"Due {when} and {since}", "add a progress update")
    return Rag("green", "On track")


def compute_rag(*, status: str, due_date: date | None, last_update_at: datetime | None,
                has_overdue_milestone: bool, today: date) -> str | None:
    return explain_rag(status=status, due_date=due_date, last_update_at=last_update_at,
                       has_overdue_milestone=has_overdue_milestone, today=today).rag


def rag_sql(today: date):
    """The computed RAG as an SQL expression over actions (NULL for closed ones)."""
    overdue_milestone = exists().where(Milestone.action_id == Action.id, milestone_overdue_sql(today))
    # No update for RAG_NO_UPDATE_DAYS London days: the newest update came before the start of
    # the London day RAG_NO_UPDATE_DAYS - 1 days ago.
    quiet_since = clock.start_of_london_day(today - timedelta(days=RAG_NO_UPDATE_DAYS - 1))
    return case(
        (closed_sql(), None),
        (or_(Action.status == "blocked", Action.current_due_date < today), "red"),
        (or_(overdue_milestone,
             and_(Action.current_due_date <= today + timedelta(days=RAG_DUE_SOON_DAYS),
                  Action.last_update_at < quiet_since)), "amber"),
        else_="green",
    )


# --- % complete ---------------------------------------------------------------------------

def percent(done: int, base: int) -> int | None:
    """Whole per cent, halves rounded up; None when there is nothing to count against."""
    if not base:
        return None
    return (200 * done + base) // (2 * base)


def percent_complete(*, complete: int, actions: int, closed_not_needed: int) -> int | None:
    """An action closed because it was not needed is neither done nor outstanding."""
    return percent(complete, actions - closed_not_needed)


def completion_base(*, actions: int, closed_not_needed: int) -> int:
    """What % complete divides by (summed across pillars or forces before dividing)."""
    return actions - closed_not_needed
