"""The national team's side of a quarterly return: assessments per pillar, questions and answers,
and marking a version reviewed. Oversight writes only these, never a force's plan; every one is an
audit event (on the return's force, so the pages that show them are worked out again)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defaultload

from improvement_tracker.models import Pillar, QuarterlyReturn, ReturnAssessment, ReturnQuestion, User
from improvement_tracker.models._types import utcnow
from improvement_tracker.models.returns import ASSESSMENTS, ReturnVersion
from improvement_tracker.services import audit, reporting_periods, returns
from improvement_tracker.services.audit import ServiceError

COMMENT_LIMIT = 2000
QUESTION_LIMIT = 2000
ANSWER_LIMIT = 4000


def _label(quarterly_return: QuarterlyReturn, version: ReturnVersion) -> str:
    return f"{reporting_periods.label(quarterly_return.period)} return version {version.number}"


def assessments(session: Session, version: ReturnVersion) -> dict[str, ReturnAssessment]:
    """The national assessment of each pillar of a version, by pillar code."""
    return {a.pillar.code: a for a in session.scalars(
        select(ReturnAssessment).where(ReturnAssessment.version_id == version.id)
        .options(defaultload(ReturnAssessment.assessed_by).lazyload(User.force)))}


def questions(session: Session, version: ReturnVersion) -> list[ReturnQuestion]:
    # The people's names are shown, never their forces: no joins for those.
    return list(session.scalars(select(ReturnQuestion).where(ReturnQuestion.version_id == version.id)
                                .options(defaultload(ReturnQuestion.asked_by).lazyload(User.force),
                                         defaultload(ReturnQuestion.answered_by).lazyload(User.force))
                                .order_by(ReturnQuestion.asked_at, ReturnQuestion.id)))


def is_latest(quarterly_return: QuarterlyReturn, version: ReturnVersion) -> bool:
    return version.number == quarterly_return.latest_version


def assess_refusal(quarterly_return: QuarterlyReturn, version: ReturnVersion) -> str | None:
    if not is_latest(quarterly_return, version):
        return "The force has corrected this return since: assess its newest version"
    if version.reviewed_at is not None:
        return "This return has been marked reviewed, so its assessments cannot be changed"
    return None


def assess(session: Session, quarterly_return: QuarterlyReturn, version: ReturnVersion, pillar: Pillar,
           rating: str, comment: str, actor: User) -> ReturnAssessment:
    """Record (or change) the national assessment of one pillar of the newest version."""
    if (refusal := assess_refusal(quarterly_return, version)) is not None:
        raise ServiceError(refusal)
    if rating not in ASSESSMENTS:
        raise ServiceError("Select on track, at risk or off track", "rating")
    comment = comment.strip()
    if not comment:
        raise ServiceError("Enter a comment on this pillar", "comment")
    if len(comment) > COMMENT_LIMIT:
        raise ServiceError(f"The comment must be {COMMENT_LIMIT} characters or fewer", "comment")
    found = session.scalar(select(ReturnAssessment).where(ReturnAssessment.version_id == version.id,
                                                          ReturnAssessment.pillar_id == pillar.id))
    if found is None:
        found = ReturnAssessment(version_id=version.id, pillar_id=pillar.id, rating=rating, comment=comment,
                                 assessed_by_id=actor.id, assessed_at=utcnow())
        session.add(found)
        session.flush()  # two first assessments at once: the unique (version, pillar) keeps one
        changes = audit.snapshot(found, ("rating", "comment"))
    else:
        changes = audit.apply_changes(found, {"rating": rating, "comment": comment})
        if changes:
            found.assessed_by_id, found.assessed_at = actor.id, utcnow()
        session.flush()
    if changes:
        audit.record(session, actor, "return.assessed", "return_assessment", found.id,
                     force_id=quarterly_return.force_id, changes=changes,
                     summary=f"{_label(quarterly_return, version)}: {pillar.code} assessed")
    return found


def ask_refusal(quarterly_return: QuarterlyReturn, version: ReturnVersion) -> str | None:
    if not is_latest(quarterly_return, version):
        return "The force has corrected this return since: ask about its newest version"
    return None


def ask(session: Session, quarterly_return: QuarterlyReturn, version: ReturnVersion, pillar: Pillar | None,
        text: str, actor: User) -> ReturnQuestion:
    if (refusal := ask_refusal(quarterly_return, version)) is not None:
        raise ServiceError(refusal)
    text = text.strip()
    if not text:
        raise ServiceError("Enter your question", "question")
    if len(text) > QUESTION_LIMIT:
        raise ServiceError(f"The question must be {QUESTION_LIMIT} characters or fewer", "question")
    question = ReturnQuestion(version_id=version.id, pillar_id=pillar.id if pillar else None, question=text,
                              asked_by_id=actor.id, asked_at=utcnow())
    session.add(question)
    session.flush()
    audit.record(session, actor, "return.question_asked", "return_question", question.id,
                 force_id=quarterly_return.force_id, changes=audit.snapshot(question, ("pillar_id", "question")),
                 summary=f"{_label(quarterly_return, version)}: question asked")
    return question


def answer_refusal(question: ReturnQuestion) -> str | None:
    if question.answer is not None:
        return "This question has already been answered"
    return None


def answer(session: Session, quarterly_return: QuarterlyReturn, question: ReturnQuestion, text: str,
           actor: User) -> None:
    """The force's answer: once (two answers at once, the row version keeps the first)."""
    if (refusal := answer_refusal(question)) is not None:
        raise ServiceError(refusal)
    text = text.strip()
    if not text:
        raise ServiceError("Enter your answer", "answer")
    if len(text) > ANSWER_LIMIT:
        raise ServiceError(f"The answer must be {ANSWER_LIMIT} characters or fewer", "answer")
    question.answer, question.answered_by_id, question.answered_at = text, actor.id, utcnow()
    session.flush()
    audit.record(session, actor, "return.question_answered", "return_question", question.id,
                 force_id=quarterly_return.force_id, changes={"answer": [None, text]},
                 summary=f"{reporting_periods.label(quarterly_return.period)} return: question answered")


def review_refusal(session: Session, quarterly_return: QuarterlyReturn, version: ReturnVersion) -> str | None:
    codes = [p["code"] for p in returns.content(version)["pillars"]]
    return _review_refusal(quarterly_return, version, codes, assessments(session, version),
                           questions(session, version))


def _review_refusal(quarterly_return: QuarterlyReturn, version: ReturnVersion, codes: list[str],
                    assessed: Mapping[str, Any], asked: Sequence[Any]) -> str | None:
    """``codes``: the pillars the version reports on, each of which must be assessed."""
    if version.reviewed_at is not None:
        return "This return has already been marked reviewed"
    if not is_latest(quarterly_return, version):
        return "The force has corrected this return since: review its newest version"
    if quarterly_return.state == "correcting":
        return "The force is correcting this return: review it when they resubmit"
    missing = [code for code in codes if code not in assessed]
    if missing:
        return f"Assess every pillar before marking the return reviewed (not yet assessed: {', '.join(missing)})"
    if any(q.answer is None for q in asked):
        return "Wait for the force to answer every question before marking the return reviewed"
    return None


def mark_reviewed(session: Session, quarterly_return: QuarterlyReturn, version: ReturnVersion, actor: User) -> None:
    if (refusal := review_refusal(session, quarterly_return, version)) is not None:
        raise ServiceError(refusal)
    version.reviewed_by_id, version.reviewed_at = actor.id, utcnow()
    session.flush()
    audit.record(session, actor, "return.reviewed", "return_version", version.id,
                 force_id=quarterly_return.force_id, changes={"reviewed_at": [None, version.reviewed_at.isoformat()]},
                 summary=f"{_label(quarterly_return, version)} marked reviewed")


@dataclass(frozen=True)
class AssessmentView:
    """The national assessment of a pillar as a page shows it: plain values, kept between requests."""

    rating: str
    comment: str
    assessed_by: str


@dataclass(frozen=True)
class QuestionView:
    id: int
    about: str  # "P2 Identifying and disrupting repeat suspects", or "" for the whole return
    question: str
    asked_by: str
    asked_at: datetime
    answer: str | None
    answered_by: str
    answered_at: datetime | None


@dataclass(frozen=True)
class ReviewState:
    """Where the national team's review of a version stands: its assessments and its questions."""

    assessments: dict[str, AssessmentView]
    questions: tuple[QuestionView, ...]


def review_state(session: Session, version: ReturnVersion) -> ReviewState:
    """In two queries, as plain values (services.kept keeps it until the force's returns change)."""
    assessed = {code: AssessmentView(a.rating, a.comment, a.assessed_by.name if a.assessed_by else "the national team")
                for code, a in assessments(session, version).items()}
    asked = tuple(QuestionView(
        q.id, f"{q.pillar.code} {q.pillar.name}" if q.pillar else "", q.question,
        q.asked_by.name if q.asked_by else "the national team", q.asked_at, q.answer,
        q.answered_by.name if q.answered_by else "the force", q.answered_at) for q in questions(session, version))
    return ReviewState(assessed, asked)


@dataclass(frozen=True)
class PillarView:
    """One pillar of a version beside the national assessment: what the return page shows."""

    code: str
    name: str
    words: dict[str, Any]
    assessment: AssessmentView | ReturnAssessment | None

    @property
    def disagrees(self) -> bool:
        return self.assessment is not None and self.assessment.rating != self.words.get("assessment")


def pillar_views(content: dict[str, Any], assessed: dict[str, Any]) -> list[PillarView]:
    return [PillarView(p["code"], p["name"], p, assessed.get(p["code"])) for p in content["pillars"]]


@dataclass(frozen=True)
class Frozen:
    """What a version's page shows that never changes: its content, and what changed since the version
    before it. Kept between requests with its markup (services.kept), read here in one query."""

    content: dict[str, Any]
    previous: int | None
    changes: tuple[returns.Change, ...]
    markup: dict[str, str] = field(default_factory=dict)


def frozen(session: Session, quarterly_return: QuarterlyReturn, version: ReturnVersion) -> Frozen:
    content = returns.content(version)
    previous = returns.version(session, quarterly_return, version.number - 1) if version.number > 1 else None
    changes = tuple(returns.changes_between(returns.content(previous), content)) if previous else ()
    return Frozen(content, previous.number if previous else None, changes)


@dataclass
class VersionPage:
    """Everything a submitted version's page shows: the frozen part, and the review as it stands."""

    frozen: Frozen
    pillars: list[PillarView]
    questions: tuple[QuestionView, ...]
    intact: bool
    review_refusal: str | None

    @property
    def content(self) -> dict[str, Any]:
        return self.frozen.content

    @property
    def disagreements(self) -> int:
        return sum(1 for p in self.pillars if p.disagrees)


def version_page(quarterly_return: QuarterlyReturn, version: ReturnVersion, kept_frozen: Frozen,
                 state: ReviewState) -> VersionPage:
    """The page from what is kept: the version's frozen part and the review's state."""
    codes = [p["code"] for p in kept_frozen.content["pillars"]]
    return VersionPage(kept_frozen, pillar_views(kept_frozen.content, state.assessments), state.questions,
                       returns.intact(version),
                       _review_refusal(quarterly_return, version, codes, state.assessments, state.questions))
