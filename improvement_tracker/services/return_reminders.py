"""Reminders about quarterly returns (docs/reminders.md#quarterly-returns): what is due for whom.

services.reminders asks ``collect`` for these items and treats them as it treats an action's: each
is claimed under its key before it is sent, goes in the recipient's one digest of the run, and
is held back while the recipient has paused reminders (``ignores_pause`` says which are not).

- **Due**: 10, 5 and 1 working days before a period's ``returns_due_on``, to the force's programme
  managers, while the force has submitted no version for the period. Thresholds count working
  days and runs happen on working days only, so each falls on a run of its own; a missed run
  catches up with the newest threshold reached (one item, never a flood).
- **Overdue**: the first working day after the due date, to the programme managers; from
  5 working days overdue, to every oversight user too (one item per force), even when the force's
  managers or the oversight user have paused reminders, as escalations about actions do.
  Nothing is sent about a return more than ``STOP_AFTER`` working days overdue: a first run, or a
  period added for a past quarter, does not email about quarters long gone.
- **Questions and answers**: a question asked goes to the force's programme managers while it
  is unanswered, an answer to whoever asked. The frequent job sends them within minutes and the
  daily run picks up any it missed; like assignments, one made while the recipient is paused is
  sent after the pause only if the pause ends within ``LOOKBACK_DAYS``.

Every key names the force and the period; the deadline ones name the due date too, so an
administrator moving the due date re-arms them for the new date only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker.models import Force, QuarterlyReturn, ReportingPeriod, ReturnQuestion, User
from improvement_tracker.models.returns import ReturnVersion
from improvement_tracker.services import clock, reporting_periods
from improvement_tracker.services.working_days import working_days_between

# Working days before the due date; the first working day after it; when oversight is told.
DUE_WORKING_DAYS = (10, 5, 1)
OVERDUE_WORKING_DAYS = 1
ESCALATION_WORKING_DAYS = 5
STOP_AFTER = 20  # working days overdue after which nothing more is sent
LOOKBACK_DAYS = 7  # as for assignments: questions and answers of the last week
# Calendar days that certainly hold the working days above (bank holidays included).
_AHEAD, _BEHIND = timedelta(days=31), timedelta(days=45)
QUESTION_EXCERPT = 300

KIND_LABELS = {
    "return_due": "Quarterly return due",
    "return_overdue": "Quarterly return overdue",
    "return_escalation": "Quarterly return overdue (national team)",
    "return_question": "Question about a return",
    "return_answer": "Answer to a question",
}
KINDS = tuple(KIND_LABELS)


@dataclass
class ReturnItem:
    """One reminder about a quarterly return (no action): its claim and what its email says."""

    recipient: User
    kind: str
    key: str
    force_id: int
    threshold: str
    label: str  # why, in words, naming the return: kept on the claim ("Reminders sent")
    content: dict[str, Any]  # the email's item (services.mail, templates/email/digest.*)
    due_date: date | None = None
    ignores_pause: bool = False

    def claim_row(self) -> dict[str, Any]:
        """The reminder_claims row: no action, the return's force."""
        return {"dedupe_key": self.key, "recipient_id": self.recipient.id, "kind": self.kind, "action_id": None,
                "milestone_id": None, "force_id": self.force_id, "threshold": self.threshold,
                "due_date": self.due_date, "label": self.label[:255]}


def _working_days(n: int) -> str:
    return f"{n} working day{'s' if n != 1 else ''}"


def _due_reason(due: date, today: date, left: int) -> str:
    """"Due in 5 working days (21 October 2026)"; a due date on a weekend with no working day
    before it left is "Due 24 October 2026"."""
    if today == due:
        return f"Due today ({reporting_periods.in_words(due)})"
    if not left:
        return f"Due {reporting_periods.in_words(due)}"
    return f"Due in {_working_days(left)} ({reporting_periods.in_words(due)})"


def _link(endpoint: str, anchor: str | None = None, **args: Any) -> dict[str, Any]:
    """A route and its arguments: services.mail makes the URL from BASE_URL when the email is built."""
    return {"endpoint": endpoint, "args": args, "anchor": anchor}


def _item(recipient: User, kind: str, key: str, force: Force, period: ReportingPeriod, threshold: str,
          reason: str, link: dict[str, Any], *, title: str, text: str | None = None, due: date | None = None,
          ignores_pause: bool = False, **extra: Any) -> ReturnItem:
    quarter = reporting_periods.label(period)
    content = {"kind": kind, "return": f"{force.id}:{period.id}", "force": force.name, "period": quarter,
               "title": title, "text": text, "label": reason, "threshold": threshold,
               "due_date": due.isoformat() if due else None, "link": link, **extra}
    return ReturnItem(recipient, kind, key, force.id, threshold, f"{force.name} {quarter} return: {reason}",
                      content, due, ignores_pause)


def collect(session: Session, today: date, managers: Mapping[int, Sequence[User]], *,
            daily: bool = True) -> list[ReturnItem]:
    """Every return item due on ``today`` (pauses not yet applied: services.reminders does that).

    ``managers`` are the active programme managers by force. ``daily=False`` (the frequent job)
    gives questions and answers only.
    """
    items = _deadline_items(session, today, managers) if daily else []
    return items + _question_items(session, today, managers) + _answer_items(session, today)


def _deadline_items(session: Session, today: date, managers: Mapping[int, Sequence[User]]) -> list[ReturnItem]:
    periods = list(session.scalars(select(ReportingPeriod).where(
        ReportingPeriod.returns_due_on.between(today - _BEHIND, today + _AHEAD))
        .order_by(ReportingPeriod.returns_due_on, ReportingPeriod.id)))
    if not periods:
        return []
    submitted = {(force_id, period_id) for force_id, period_id in session.execute(
        select(QuarterlyReturn.force_id, QuarterlyReturn.period_id).where(
            QuarterlyReturn.period_id.in_([p.id for p in periods]), QuarterlyReturn.latest_version > 0))}
    forces = list(session.scalars(select(Force).order_by(Force.name)))
    oversight: list[User] | None = None
    items: list[ReturnItem] = []
    for period in periods:
        due = period.returns_due_on
        slug = reporting_periods.slug(period)
        waiting = [f for f in forces if (f.id, period.id) not in submitted]
        if today <= due:
            left = working_days_between(today, due)
            reached = [k for k in DUE_WORKING_DAYS if left <= k]
            if not reached:
                continue
            k = min(reached)
            reason = _due_reason(due, today, left)
            for force in waiting:
                link = _link("returns.view", code=force.code, period=slug)
                for manager in managers.get(force.id, ()):
                    key = f"return_due:{force.id}:{period.id}:{due}:{manager.id}:{k}"
                    items.append(_item(manager, "return_due", key, force, period, f"{_working_days(k)} before",
                                       reason, link, title=f"{reporting_periods.label(period)} quarterly return",
                                       due=due))
            continue
        late = working_days_between(due, today)
        if not OVERDUE_WORKING_DAYS <= late <= STOP_AFTER:
            continue
        reason = f"{_working_days(late)} overdue (was due {reporting_periods.in_words(due)})"
        if late >= ESCALATION_WORKING_DAYS and oversight is None:
            oversight = list(session.scalars(select(User).where(User.role == "oversight", User.active.is_(True))
                                             .order_by(User.id)))
        for force in waiting:
            link = _link("returns.view", code=force.code, period=slug)
            for manager in managers.get(force.id, ()):
                key = f"return_overdue:{force.id}:{period.id}:{due}:{manager.id}:{OVERDUE_WORKING_DAYS}"
                items.append(_item(manager, "return_overdue", key, force, period,
                                   f"{_working_days(OVERDUE_WORKING_DAYS)} overdue", reason, link,
                                   title=f"{reporting_periods.label(period)} quarterly return", due=due))
            if late < ESCALATION_WORKING_DAYS:
                continue
            for user in oversight or ():
                key = f"return_escalation:{force.id}:{period.id}:{due}:{user.id}:{ESCALATION_WORKING_DAYS}"
                items.append(_item(user, "return_escalation", key, force, period,
                                   f"{_working_days(ESCALATION_WORKING_DAYS)} overdue", reason, link,
                                   title=f"{force.name}: {reporting_periods.label(period)} quarterly return",
                                   due=due, ignores_pause=True, working_days=ESCALATION_WORKING_DAYS))
    return items


def _questions(session: Session, since: datetime, *, answered: bool):
    """(question, version number, return) for the questions asked (or answered) since ``since``."""
    if answered:
        when = (ReturnQuestion.answered_at >= since, ReturnQuestion.answer.is_not(None))
    else:
        when = (ReturnQuestion.asked_at >= since, ReturnQuestion.answer.is_(None))
    query = (select(ReturnQuestion, ReturnVersion.number, QuarterlyReturn)
             .join(ReturnVersion, ReturnVersion.id == ReturnQuestion.version_id)
             .join(QuarterlyReturn, QuarterlyReturn.id == ReturnVersion.return_id)
             .where(*when).order_by(ReturnQuestion.id))
    return session.execute(query).all()


def _version_link(quarterly_return: QuarterlyReturn, number: int, question: ReturnQuestion) -> dict[str, Any]:
    return _link("return_reviews.version", anchor=f"question-{question.id}", code=quarterly_return.force.code,
                 period=reporting_periods.slug(quarterly_return.period), number=number)


def _excerpt(text: str) -> str:
    return text if len(text) <= QUESTION_EXCERPT else text[:QUESTION_EXCERPT - 1].rstrip() + "…"


def _question_items(session: Session, today: date, managers: Mapping[int, Sequence[User]]) -> list[ReturnItem]:
    since = clock.start_of_london_day(today - timedelta(days=LOOKBACK_DAYS))
    items = []
    for question, number, quarterly_return in _questions(session, since, answered=False):
        force, period = quarterly_return.force, quarterly_return.period
        asker = question.asked_by.name if question.asked_by else "The national team"
        about = f" about {question.pillar.code} {question.pillar.name}" if question.pillar else ""
        for manager in managers.get(force.id, ()):
            if manager.id == question.asked_by_id:
                continue
            items.append(_item(
                manager, "return_question", f"return_question:{force.id}:{period.id}:{question.id}:{manager.id}",
                force, period, "asked", f"{asker} asked a question{about} (version {number})",
                _version_link(quarterly_return, number, question),
                title=f"{reporting_periods.label(period)} quarterly return", text=_excerpt(question.question)))
    return items


def _answer_items(session: Session, today: date) -> list[ReturnItem]:
    since = clock.start_of_london_day(today - timedelta(days=LOOKBACK_DAYS))
    items = []
    for question, number, quarterly_return in _questions(session, since, answered=True):
        asker = question.asked_by
        if asker is None or not asker.active or asker.id == question.answered_by_id:
            continue
        force, period = quarterly_return.force, quarterly_return.period
        who = question.answered_by.name if question.answered_by else force.name
        items.append(_item(
            asker, "return_answer", f"return_answer:{force.id}:{period.id}:{question.id}:{asker.id}",
            force, period, "answered", f"{who} answered your question (version {number})",
            _version_link(quarterly_return, number, question),
            title=f"{force.name}: {reporting_periods.label(period)} quarterly return",
            text=_excerpt(question.answer or "")))
    return items


def subject(actions: int, contents: Sequence[Mapping[str, Any]]) -> str:
    """The subject of a digest with return items in it (``actions``: how many actions it is about
    too; a digest about actions only keeps services.reminders' subject)."""
    kinds = {c["kind"] for c in contents}
    n = len(contents)
    if not actions and kinds == {"return_question"}:
        return ("A question about your force's quarterly return" if n == 1
                else f"{n} questions about your force's quarterly returns")
    if not actions and kinds == {"return_answer"}:
        return "An answer to your question about a quarterly return" if n == 1 else \
            f"{n} answers to your questions about quarterly returns"
    returns = len({c["return"] for c in contents})
    noun = "quarterly return" if returns == 1 else "quarterly returns"
    if not actions:
        return f"{'A' if returns == 1 else returns} {noun} {'needs' if returns == 1 else 'need'} your attention"
    things = "improvement action" if actions == 1 else "improvement actions"
    return f"{actions} {things} and {returns} {noun} need your attention"
