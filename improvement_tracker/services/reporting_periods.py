"""Reporting periods: the quarters of the financial year and when each one's returns are due.

Q1 is April to June, Q2 July to September, Q3 October to December, Q4 January to March of the
next calendar year. A period is named by the year its financial year starts in ("Q2 2026-27").
Returns are due 15 working days (England and Wales) after the quarter ends unless an
administrator sets another date. A draft may be started once the quarter's last month has begun
and submitted once the quarter has ended (services.returns asks ``submittable``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from improvement_tracker.models import ReportingPeriod, User
from improvement_tracker.services import audit
from improvement_tracker.services.working_days import working_days_after

DUE_WORKING_DAYS = 15
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
SLUG = re.compile(r"(\d{4})-\d{2}-q([1-4])")


@dataclass(frozen=True)
class Quarter:
    financial_year: int
    quarter: int

    @property
    def starts_on(self) -> date:
        month = 4 + 3 * (self.quarter - 1)
        return date(self.financial_year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def ends_on(self) -> date:
        return self.following.starts_on - timedelta(days=1)

    @property
    def following(self) -> Quarter:
        return Quarter(self.financial_year + (self.quarter == 4), self.quarter % 4 + 1)

    @property
    def preceding(self) -> Quarter:
        return Quarter(self.financial_year - (self.quarter == 1), (self.quarter - 2) % 4 + 1)


def quarter_of(day: date) -> Quarter:
    """The financial-year quarter a day falls in."""
    financial_year = day.year if day.month >= 4 else day.year - 1
    return Quarter(financial_year, (day.month - 4) % 12 // 3 + 1)


def in_words(day: date) -> str:
    """"30 September 2026", as GOV.UK writes dates."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def default_due_date(ends_on: date) -> date:
    return working_days_after(ends_on, DUE_WORKING_DAYS)


def label(period: ReportingPeriod | Quarter) -> str:
    """"Q2 2026-27"."""
    return f"Q{period.quarter} {period.financial_year}-{(period.financial_year + 1) % 100:02d}"


def months(period: ReportingPeriod) -> str:
    """"July to September 2026"."""
    first, last = period.starts_on, period.ends_on
    return f"{MONTH_NAMES[first.month - 1]} to {MONTH_NAMES[last.month - 1]} {last.year}"


def slug(period: ReportingPeriod) -> str:
    """The period in URLs: "2026-27-q2"."""
    return f"{period.financial_year}-{(period.financial_year + 1) % 100:02d}-q{period.quarter}"


def drafts_open_on(period: ReportingPeriod) -> date:
    """The first day of the quarter's last month: a force may start its draft from then."""
    return period.ends_on.replace(day=1)


def may_start(period: ReportingPeriod, today: date) -> bool:
    return today >= drafts_open_on(period)


def submittable(period: ReportingPeriod, today: date) -> bool:
    return today > period.ends_on


def is_overdue(period: ReportingPeriod, today: date) -> bool:
    return today > period.returns_due_on


def ensure(session: Session, today: date) -> list[ReportingPeriod]:
    """Create every quarter from a year before ``today``'s to the one after it, each with its default
    due date, skipping those that exist. Run by the scheduler every morning, so a quarter's period
    exists long before its drafts open. Two runs at once: the unique (year, quarter) keeps one."""
    current = quarter_of(today)
    wanted = [current.following]
    quarter = current
    for _ in range(5):
        wanted.append(quarter)
        quarter = quarter.preceding
    have = {(p.financial_year, p.quarter) for p in session.scalars(select(ReportingPeriod).where(
        tuple_(ReportingPeriod.financial_year, ReportingPeriod.quarter).in_(
            [(q.financial_year, q.quarter) for q in wanted])))}
    made = []
    for q in sorted(wanted, key=lambda q: (q.financial_year, q.quarter)):
        if (q.financial_year, q.quarter) in have:
            continue
        period = ReportingPeriod(financial_year=q.financial_year, quarter=q.quarter, starts_on=q.starts_on,
                                 ends_on=q.ends_on, returns_due_on=default_due_date(q.ends_on))
        session.add(period)
        made.append(period)
    session.flush()
    return made


def make(session: Session, financial_year: int, quarter: int) -> ReportingPeriod:
    """One period, created with its default due date if it does not exist (seeds and tests)."""
    found = session.scalar(select(ReportingPeriod).where(ReportingPeriod.financial_year == financial_year,
                                                        ReportingPeriod.quarter == quarter))
    if found is not None:
        return found
    q = Quarter(financial_year, quarter)
    period = ReportingPeriod(financial_year=financial_year, quarter=quarter, starts_on=q.starts_on,
                             ends_on=q.ends_on, returns_due_on=default_due_date(q.ends_on))
    session.add(period)
    session.flush()
    return period


def parse_slug(text: str) -> Quarter | None:
    """The quarter a URL's "2026-27-q2" names, or None ("2026-99-q1" names none)."""
    match = SLUG.fullmatch(text or "")
    if match is None:
        return None
    quarter = Quarter(int(match.group(1)), int(match.group(2)))
    return quarter if slug(quarter) == text else None


def by_slug(session: Session, text: str) -> ReportingPeriod | None:
    quarter = parse_slug(text)
    if quarter is None:
        return None
    return session.scalar(select(ReportingPeriod).where(ReportingPeriod.financial_year == quarter.financial_year,
                                                        ReportingPeriod.quarter == quarter.quarter))


def opened(session: Session, today: date, limit: int | None = None) -> list[ReportingPeriod]:
    """Periods whose drafts have opened by ``today``, newest first."""
    periods = session.scalars(select(ReportingPeriod).order_by(
        ReportingPeriod.financial_year.desc(), ReportingPeriod.quarter.desc())).all()
    shown = [p for p in periods if may_start(p, today)]
    return shown[:limit] if limit else shown


def every(session: Session) -> list[ReportingPeriod]:
    return list(session.scalars(select(ReportingPeriod).order_by(
        ReportingPeriod.financial_year.desc(), ReportingPeriod.quarter.desc())))


def change_due_date(session: Session, period: ReportingPeriod, due: date, actor: User) -> None:
    """An administrator moves a period's due date (it must fall after the quarter ends)."""
    if due <= period.ends_on:
        raise audit.ServiceError(f"The due date must be after the quarter ends ({in_words(period.ends_on)})",
                                 "returns_due_on")
    changes = audit.apply_changes(period, {"returns_due_on": due})
    if changes:
        session.flush()
        audit.record(session, actor, "reporting_period.due_date_changed", "reporting_period", period.id,
                     changes=changes, summary=f"{label(period)} returns due {due.isoformat()}")
