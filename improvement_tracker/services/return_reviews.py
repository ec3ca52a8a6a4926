"""The national team's side of a quarterly return: assessments per pillar, questions and answers,
and marking a version reviewed. Oversight writes only these, never a force's plan; every one is an
audit event (on the return's force, so the pages that show them are worked out again)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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
        select(ReturnAssessment).where(ReturnAssessment.version_id == version.id))}


def questions(session: Session, version: ReturnVersion) -> list[ReturnQuestion]:
    return list(session.scalars(select(ReturnQuestion).where(ReturnQuestion.version_id == version.id)
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
    if version.reviewed_at is not None:
        return "This return has already been marked reviewed"
    if not is_latest(quarterly_return, version):
        return "The force has corrected this return since: review its newest version"
    if quarterly_return.state == "correcting":
        return "The force is correcting this return: review it when they resubmit"
    assessed = assessments(session, version)
    missing = [p.code for p in session.scalars(select(Pillar).order_by(Pillar.display_order))
               if p.code not in assessed]
    if missing:
        return f"Assess every pillar before marking the return reviewed (not yet assessed: {', '.join(missing)})"
    if any(q.answer is None for q in questions(session, version)):
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
class PillarView:
    """One pillar of a version beside the national assessment: what the return page shows."""

    code: str
    name: str
    words: dict[str, Any]
    assessment: ReturnAssessment | None

    @property
    def disagrees(self) -> bool:
        return self.assessment is not None and self.assessment.rating != self.words.get("assessment")


def pillar_views(content: dict[str, Any], assessed: dict[str, ReturnAssessment]) -> list[PillarView]:
    return [PillarView(p["code"], p["name"], p, assessed.get(p["code"])) for p in content["pillars"]]


@dataclass
class VersionPage:
    """Everything a submitted version's page shows, read in a few queries."""

    content: dict[str, Any]
    pillars: list[PillarView]
    questions: list[ReturnQuestion]
    versions: list[ReturnVersion]
    previous: ReturnVersion | None
    changes: list[returns.Change]
    intact: bool

    @property
    def disagreements(self) -> int:
        return sum(1 for p in self.pillars if p.disagrees)

    @property
    def unanswered(self) -> int:
        return sum(1 for q in self.questions if q.answer is None)


def version_page(session: Session, quarterly_return: QuarterlyReturn, version: ReturnVersion) -> VersionPage:
    content = returns.content(version)
    versions = list(session.scalars(select(ReturnVersion).where(ReturnVersion.return_id == quarterly_return.id)
                                    .order_by(ReturnVersion.number)))
    previous = next((v for v in versions if v.number == version.number - 1), None)
    changes = returns.changes_between(returns.content(previous), content) if previous else []
    return VersionPage(content, pillar_views(content, assessments(session, version)), questions(session, version),
                       versions, previous, changes, returns.intact(version))
