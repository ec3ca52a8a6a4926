"""Quarterly returns in the demo data: each force's returns for the last four quarters that have ended.

Each return is planned first (``plan_return``): its words pillar by pillar (``return_words``), when
the draft was started and submitted, any correction and its reason, the national team's
assessments (at least one disagreeing with the force on a reviewed return), its questions and the
force's answers, and when it was marked reviewed. The plan is then written in one of two ways:

- ``schedule_pathfinder_returns`` (seed-demo) plays it through the services on the demo's
  simulated calendar, acted by each force's programme manager and the oversight user, so every
  version, assessment, question and audit event is what the pages would have written. A version is
  submitted at its simulated time (the service freezes that time into its content and SHA-256);
  after the other calls the row's own time columns (asked, answered, assessed, reviewed) are given
  the simulated time.
- ``write_national_returns`` (demo generate) writes the same kinds of rows for every generated
  force with SQL inserts, with the audit events the services would have recorded. Each version's
  content is the service's own (``returns.content_of``: the plan's figures as at the quarter's end),
  stored as ``returns.canonical`` text with its ``returns.digest``.

Scenarios: ``reviewed``; ``corrected`` (a question, a correction with a reason, the new version
reviewed); ``resubmitted`` (corrected, the new version not yet reviewed); ``questioned`` (a question
the force has not answered yet); ``submitted`` (not looked at yet); ``overdue`` (a draft started,
nothing submitted, past the due date) and ``draft`` (the same before the due date). Deterministic:
a seeded random stream of its own, so adding returns changes nothing else the demo draws.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from improvement_tracker.demo import return_words as words
from improvement_tracker.demo.accounts import OVERSIGHT, PATHFINDERS
from improvement_tracker.models import (
    Force,
    Pillar,
    ReportingPeriod,
    User,
)
from improvement_tracker.services import reporting_periods, return_reviews
from improvement_tracker.services import returns as return_service

SEED = 20260401
QUARTERS = 4
TEXT_FIELDS = ("reason", "progress", "risks", "help_needed")
# seed-demo: each pathfinder's returns, oldest quarter first (the newest "overdue" moves back a
# quarter, and becomes a "draft", while the newest quarter's returns are not yet due).
PATHFINDER_SCENARIOS = {
    "avon-and-somerset": ("reviewed", "reviewed", "reviewed", "reviewed"),
    "metropolitan-police-service": ("reviewed", "corrected", "reviewed", "questioned"),
    "durham": ("reviewed", "reviewed", "reviewed", "resubmitted"),
    "west-midlands": ("reviewed", "reviewed", "reviewed", "overdue"),
    "south-wales": ("reviewed", "reviewed", "corrected", "submitted"),
}
# demo generate: how each quarter's returns stand, oldest quarter first.
NATIONAL_WEIGHTS = (
    {"reviewed": 88, "corrected": 8, "overdue": 4},
    {"reviewed": 86, "corrected": 9, "overdue": 5},
    {"reviewed": 72, "corrected": 6, "questioned": 8, "resubmitted": 6, "overdue": 8},
    {"reviewed": 35, "submitted": 22, "questioned": 18, "resubmitted": 12, "overdue": 13},
)


@dataclass
class QuestionPlan:
    pillar: str | None
    text: str
    answer: str | None
    asked: date
    answered: date | None = None


@dataclass
class VersionPlan:
    sections: dict[str, dict[str, str]]  # pillar code → the words submitted
    submitted: date
    reason: str | None = None
    questions: list[QuestionPlan] = field(default_factory=list)
    assessments: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (rating, comment)
    assessed: date | None = None
    reviewed: date | None = None


@dataclass
class ReturnPlan:
    period: ReportingPeriod
    scenario: str
    started: date
    draft: dict[str, dict[str, Any]]  # the draft's sections as they stand (all of them once submitted)
    versions: list[VersionPlan] = field(default_factory=list)


def last_quarters(session: Session, today: date) -> list[ReportingPeriod]:
    """The last four quarters that have ended by ``today``, oldest first (and the periods the
    scheduler would have made by now)."""
    reporting_periods.ensure(session, today)
    quarter = reporting_periods.quarter_of(today).preceding
    quarters = []
    for _ in range(QUARTERS):
        quarters.append(quarter)
        quarter = quarter.preceding
    return [reporting_periods.make(session, q.financial_year, q.quarter) for q in reversed(quarters)]


def adjusted(scenario: str, period: ReportingPeriod, today: date) -> str:
    """An overdue return whose quarter is not yet due is a draft."""
    return "draft" if scenario == "overdue" and not reporting_periods.is_overdue(period, today) else scenario


def plan_return(rng: random.Random, period: ReportingPeriod, scenario: str, codes: list[str], today: date,
                early: bool) -> ReturnPlan:
    """Decide everything about one return: its words, what happened to it and on which days."""
    def day(start: date, low: int, high: int) -> date:
        return min(start + timedelta(days=rng.randint(low, high)), today)

    opens = reporting_periods.drafts_open_on(period)
    started = min(opens + timedelta(days=rng.randint(5, 25)), today)
    sections = {code: words.section(rng, code, words.self_assessment(rng, early), early) for code in codes}
    if scenario in ("overdue", "draft"):
        done = rng.sample(codes, rng.randint(1, len(codes) - 2))
        draft: dict[str, dict[str, Any]] = {code: sections[code] for code in codes if code in done}
        partial = next(code for code in codes if code not in done)
        draft[partial] = {**sections[partial], "reason": "", "risks": "", "help_needed": ""}
        return ReturnPlan(period, scenario, started, draft)

    due_in = max((period.returns_due_on - period.ends_on).days - 1, 2)
    first = VersionPlan(sections, max(day(period.ends_on, 2, due_in), started, period.ends_on + timedelta(days=1)))
    plan = ReturnPlan(period, scenario, started, sections, [first])
    if scenario in ("corrected", "resubmitted"):
        code = rng.choice(codes)
        changed, reason = words.corrected(rng, code, sections[code])
        asked = day(first.submitted, 3, 9)
        first.questions.append(QuestionPlan(code, words.question(rng, code)[0], words.CORRECTION_ANSWER, asked,
                                            day(asked, 1, 4)))
        plan.draft = {**sections, code: changed}
        plan.versions.append(VersionPlan(plan.draft, day(first.questions[0].answered, 0, 3), reason))
    latest = plan.versions[-1]
    assessed = day(latest.submitted, 4, 14)
    if scenario in ("reviewed", "corrected", "questioned"):
        disagree = set(rng.sample(codes, rng.choice((1, 1, 2))))
        assessed_codes = codes
    else:
        disagree, assessed_codes = set(), rng.sample(codes, rng.randint(0, 3))
    for code in assessed_codes:
        latest.assessments[code] = words.national_view(rng, latest.sections[code]["assessment"], code in disagree)
    latest.assessed = assessed if assessed_codes else None
    if scenario in ("reviewed", "corrected", "questioned"):
        asking = rng.sample([*codes, None], rng.randint(1, 2) if scenario != "corrected" else rng.randint(0, 1))
        if scenario == "questioned" and not asking:
            asking = [rng.choice(codes)]
        for number, code in enumerate(asking):
            text, answer = words.question(rng, code)
            unanswered = scenario == "questioned" and number == 0
            latest.questions.append(QuestionPlan(code, text, None if unanswered else answer, assessed,
                                                 None if unanswered else day(assessed, 1, 6)))
    if scenario in ("reviewed", "corrected"):
        last = max([assessed, *(q.answered for q in latest.questions if q.answered)])
        latest.reviewed = day(last, 1, 4)
    return plan


def pathfinder_scenarios(periods: list[ReportingPeriod], today: date) -> dict[str, list[str]]:
    result = {}
    for code in PATHFINDERS:
        chosen = list(PATHFINDER_SCENARIOS[code])
        if chosen[-1] == "overdue" and not reporting_periods.is_overdue(periods[-1], today):
            chosen[-2:] = ["overdue", "draft"]
        result[code] = chosen
    return result


def national_scenario(rng: random.Random, index: int) -> str:
    weights = NATIONAL_WEIGHTS[min(index, len(NATIONAL_WEIGHTS) - 1)]
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# --- seed-demo: through the services, on the demo's calendar ------------------------------------


class DemoCalendar(Protocol):
    """What seed-demo's builder offers: its session, its today, times in office hours and a
    schedule of work played in time order (audit events get the time of the work that wrote them)."""

    session: Session
    today: date
    now: datetime

    def moment(self, offset: int, minutes: int) -> datetime: ...

    def schedule(self, when: datetime, work: Callable[[datetime], None]) -> None: ...


def schedule_pathfinder_returns(builder: DemoCalendar, forces: dict[str, Force], pillars: dict[str, Pillar],
                                people: dict[str, User]) -> None:
    """Plan each pathfinder's returns and schedule the service calls that make them."""
    rng = random.Random(SEED)  # nosec B311  # seeded demo data, not a secret
    today = builder.today
    periods = last_quarters(builder.session, today)
    codes = sorted(pillars, key=lambda code: pillars[code].display_order)
    oversight = people[OVERSIGHT.email]
    for force_code, scenarios in pathfinder_scenarios(periods, today).items():
        manager = people[f"pm.{force_code}@demo.police.uk"]
        for index, (period, scenario) in enumerate(zip(periods, scenarios, strict=True)):
            plan = plan_return(rng, period, scenario, codes, today, early=index == 0)
            _schedule(builder, rng, forces[force_code], pillars, plan, manager, oversight)


def _schedule(builder: DemoCalendar, rng: random.Random, force: Force, pillars: dict[str, Pillar],
              plan: ReturnPlan, manager: User, oversight: User) -> None:
    session, state = builder.session, {}
    last = [datetime.min]

    def at(day: date, work: Callable[[datetime], None]) -> None:
        when = max(builder.moment((day - builder.today).days, rng.randint(0, 480)), last[0] + timedelta(minutes=7))
        last[0] = when
        when = min(when, builder.now)  # never in the future: ties keep the order they were scheduled in
        builder.schedule(when, work)

    def save(sections: dict[str, dict[str, Any]]) -> Callable[[datetime], None]:
        def work(when: datetime) -> None:
            for code, values in sections.items():
                saved = return_service.save_section(session, state["return"], pillars[code],
                                                    return_service.SectionFields(**values), manager)
                saved.updated_at = when
        return work

    def start(when: datetime) -> None:
        state["return"] = return_service.start(session, force, plan.period, manager, plan.started)
        state["return"].created_at = when

    at(plan.started, start)
    first = plan.versions[0].sections if plan.versions else plan.draft
    at(plan.started, save(first))
    previous = first
    for version in plan.versions:
        if version.reason:
            at(version.submitted, lambda _when: return_service.start_correction(session, state["return"], manager))
            at(version.submitted, save({c: v for c, v in version.sections.items() if v != previous[c]}))
        at(version.submitted, _submit(session, state, version, manager))
        previous = version.sections
        for question in version.questions:
            at(question.asked, _ask(session, state, pillars, question, oversight))
            if question.answer is not None:
                at(question.answered, _answer(session, state, question, manager))
        if version.assessments:
            at(version.assessed, _assess(session, state, pillars, version, oversight))
        if version.reviewed:
            at(version.reviewed, _review(session, state, oversight))


def _submit(session: Session, state: dict, version: VersionPlan, manager: User) -> Callable[[datetime], None]:
    def work(when: datetime) -> None:
        state["version"] = return_service.submit(session, state["return"], manager, version.submitted, version.reason,
                                                 submitted_at=when)
    return work


def _ask(session: Session, state: dict, pillars: dict[str, Pillar], question: QuestionPlan,
         oversight: User) -> Callable[[datetime], None]:
    def work(when: datetime) -> None:
        pillar = pillars[question.pillar] if question.pillar else None
        asked = return_reviews.ask(session, state["return"], state["version"], pillar, question.text, oversight)
        asked.asked_at = when
        state[id(question)] = asked
    return work


def _answer(session: Session, state: dict, question: QuestionPlan, manager: User) -> Callable[[datetime], None]:
    def work(when: datetime) -> None:
        asked = state[id(question)]
        return_reviews.answer(session, state["return"], asked, question.answer or "", manager)
        asked.answered_at = when
    return work


def _assess(session: Session, state: dict, pillars: dict[str, Pillar], version: VersionPlan,
            oversight: User) -> Callable[[datetime], None]:
    def work(when: datetime) -> None:
        for code, (rating, comment) in version.assessments.items():
            assessed = return_reviews.assess(session, state["return"], state["version"], pillars[code], rating,
                                             comment, oversight)
            assessed.assessed_at = when
    return work


def _review(session: Session, state: dict, oversight: User) -> Callable[[datetime], None]:
    def work(when: datetime) -> None:
        return_reviews.mark_reviewed(session, state["return"], state["version"], oversight)
        state["version"].reviewed_at = when
    return work
