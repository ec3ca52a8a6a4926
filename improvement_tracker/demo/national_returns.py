"""Generated quarterly returns: every generated force's returns for the last four quarters that
have ended, planned as seed-demo plans them (``demo.returns``) and written with SQL inserts.

Drafts and their sections, the frozen versions, the national team's assessments, questions and
answers, and the audit events the services would have recorded. Each version's content is the
service's own (``returns.content_of``: the plan's figures as at the quarter's end, from the daily
snapshots this run has just built), with the version's number, reason and submission time, stored
as ``returns.canonical`` text beside its ``returns.digest``. A force that already has a return for
a quarter (another seed's, in the same force) keeps it.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from improvement_tracker.demo.national_people import DOMAIN
from improvement_tracker.demo.national_rows import Generation, insert_rows
from improvement_tracker.demo.returns import (
    SEED,
    TEXT_FIELDS,
    ReturnPlan,
    adjusted,
    last_quarters,
    national_scenario,
    plan_return,
)
from improvement_tracker.models import (
    Force,
    Pillar,
    QuarterlyReturn,
    ReturnAssessment,
    ReturnQuestion,
    ReturnSection,
    User,
)
from improvement_tracker.models.returns import ReturnVersion
from improvement_tracker.services import reporting_periods
from improvement_tracker.services import returns as return_service

FIELDS = ("assessment", *TEXT_FIELDS)


class _Times:
    """Increasing times in office hours for one return's steps (never later than yesterday)."""

    def __init__(self, gen: Generation, rng: random.Random):
        self.gen, self.rng, self.last = gen, rng, datetime.min

    def at(self, day: date) -> datetime:
        self.last = max(self.gen.moment((day - self.gen.today).days, self.rng.randint(0, 420)),
                        self.last + timedelta(minutes=7))
        return self.last


def write_national_returns(gen: Generation, *, only_if_none: bool = False) -> int:
    """Write the returns of the seed's forces; with ``only_if_none``, only if none of them has any
    (a dataset generated before returns existed). Returns how many returns were written."""
    session, today = gen.session, gen.today
    pm_of = {force_id: user_id for user_id, force_id in session.execute(select(User.id, User.force_id).where(
        User.role == "programme_manager", User.email.like(f"pm.%.s{gen.seed}@{DOMAIN}")))}
    oversight = list(session.scalars(select(User.id).where(
        User.role == "oversight", User.email.like(f"oversight%.s{gen.seed}@{DOMAIN}")).order_by(User.email)))
    if not pm_of or not oversight:
        return 0
    if only_if_none and session.scalar(select(QuarterlyReturn.id).where(
            QuarterlyReturn.force_id.in_(pm_of)).limit(1)) is not None:
        return 0
    forces = list(session.scalars(select(Force).where(Force.id.in_(pm_of)).order_by(Force.name)))
    pillars = list(session.scalars(select(Pillar).order_by(Pillar.display_order)))
    codes, pillar_ids = [p.code for p in pillars], {p.code: p.id for p in pillars}
    periods = last_quarters(session, today)
    existing = set(session.execute(select(QuarterlyReturn.force_id, QuarterlyReturn.period_id).where(
        QuarterlyReturn.force_id.in_(pm_of), QuarterlyReturn.period_id.in_([p.id for p in periods]))).all())
    rng = random.Random(SEED + gen.seed)  # nosec B311  # seeded generated data, not a secret
    planned: list[_Return] = []
    for force in forces:
        for index, period in enumerate(periods):
            scenario = adjusted(national_scenario(rng, index), period, today)
            plan = plan_return(rng, period, scenario, codes, today, early=index == 0)
            if (force.id, period.id) not in existing:
                planned.append(_Return(force, plan, pm_of[force.id], rng.choice(oversight), _Times(gen, rng)))
    if planned:
        _write(gen, planned, pillar_ids)
    return len(planned)


class _Return:
    """One return to write: its force, plan, people, the times of its steps and its new ids."""

    def __init__(self, force: Force, plan: ReturnPlan, pm: int, oversight: int, times: _Times):
        self.force, self.plan, self.pm, self.oversight = force, plan, pm, oversight
        self.started = times.at(plan.started)
        # Each version: when it was corrected (from the second), submitted, asked and answered,
        # assessed and reviewed, in the order they happened.
        self.steps: list[dict[str, Any]] = []
        for version in plan.versions:
            step: dict[str, Any] = {"corrected": times.at(version.submitted) if version.reason else None}
            step["submitted"] = times.at(version.submitted)
            step["questions"] = [(times.at(q.asked), times.at(q.answered) if q.answered else None)
                                 for q in version.questions]
            step["assessed"] = times.at(version.assessed) if version.assessments else None
            step["reviewed"] = times.at(version.reviewed) if version.reviewed else None
            self.steps.append(step)
        self.id = 0
        self.label = reporting_periods.label(plan.period)


def _write(gen: Generation, planned: list[_Return], pillar_ids: dict[str, int]) -> None:
    session = gen.session
    ids = insert_rows(session, QuarterlyReturn, [{
        "force_id": r.force.id, "period_id": r.plan.period.id, "state": "submitted" if r.plan.versions else "draft",
        "latest_version": len(r.plan.versions), "started_by_id": r.pm, "created_at": r.started,
        "updated_at": r.steps[-1]["submitted"] if r.steps else r.started} for r in planned], ids=True)
    for r, return_id in zip(planned, ids, strict=True):
        r.id = return_id
        gen.event(r.pm, "return.started", "quarterly_return", return_id, r.started, force_id=r.force.id,
                  summary=f"{r.label} return started")
    _write_sections(gen, planned, pillar_ids)

    returns_by_id = {q.id: q for q in session.scalars(select(QuarterlyReturn).where(
        QuarterlyReturn.id.in_([r.id for r in planned if r.plan.versions])))}
    version_rows, owners = [], []
    for r in planned:
        if not r.plan.versions:
            continue
        latest = r.plan.versions[-1]
        # The service's own content for the newest version; the earlier one differs only in its words.
        content = return_service.content_of(session, returns_by_id[r.id], session.get(User, r.pm), latest.submitted,
                                            len(r.plan.versions), latest.reason)
        for number, (version, step) in enumerate(zip(r.plan.versions, r.steps, strict=True), start=1):
            text = return_service.canonical(_content(content, version.sections, number, version.reason,
                                                     step["submitted"]))
            version_rows.append({
                "return_id": r.id, "number": number, "content": text, "sha256": return_service.digest(text),
                "reason": version.reason, "submitted_by_id": r.pm, "submitted_at": step["submitted"],
                "reviewed_by_id": r.oversight if version.reviewed else None, "reviewed_at": step["reviewed"]})
            owners.append((r, version, step))
    version_ids = insert_rows(session, ReturnVersion, version_rows, ids=True)
    assessment_rows, question_rows = [], []
    for row, (r, version, step), version_id in zip(version_rows, owners, version_ids, strict=True):
        number = row["number"]
        if step["corrected"]:
            gen.event(r.pm, "return.correction_started", "quarterly_return", r.id, step["corrected"],
                      force_id=r.force.id, changes={"state": ["submitted", "correcting"]},
                      summary=f"{r.label} return correction started")
        gen.event(r.pm, "return.submitted" if number == 1 else "return.resubmitted", "return_version", version_id,
                  step["submitted"], force_id=r.force.id,
                  changes={"version": [number - 1 or None, number], "sha256": [None, row["sha256"]]},
                  summary=f"{r.label} return version {number} submitted")
        for code, (rating, comment) in version.assessments.items():
            assessment_rows.append({"version_id": version_id, "pillar_id": pillar_ids[code], "rating": rating,
                                    "comment": comment, "assessed_by_id": r.oversight,
                                    "assessed_at": step["assessed"], "_r": r, "_number": number, "_code": code})
        for question, (asked, answered) in zip(version.questions, step["questions"], strict=True):
            question_rows.append({
                "version_id": version_id, "pillar_id": pillar_ids[question.pillar] if question.pillar else None,
                "question": question.text, "asked_by_id": r.oversight, "asked_at": asked, "answer": question.answer,
                "answered_by_id": r.pm if question.answer else None, "answered_at": answered, "_r": r,
                "_number": number})
        if row["reviewed_at"]:
            gen.event(r.oversight, "return.reviewed", "return_version", version_id, row["reviewed_at"],
                      force_id=r.force.id, changes={"reviewed_at": [None, row["reviewed_at"].isoformat()]},
                      summary=f"{r.label} return version {number} marked reviewed")
    for row, assessment_id in zip(assessment_rows, insert_rows(session, ReturnAssessment, _public(assessment_rows),
                                                               ids=True), strict=True):
        gen.event(row["assessed_by_id"], "return.assessed", "return_assessment", assessment_id, row["assessed_at"],
                  force_id=row["_r"].force.id,
                  changes={"rating": [None, row["rating"]], "comment": [None, row["comment"]]},
                  summary=f"{row['_r'].label} return version {row['_number']}: {row['_code']} assessed")
    for row, question_id in zip(question_rows, insert_rows(session, ReturnQuestion, _public(question_rows), ids=True),
                                strict=True):
        r = row["_r"]
        gen.event(row["asked_by_id"], "return.question_asked", "return_question", question_id, row["asked_at"],
                  force_id=r.force.id,
                  changes={"pillar_id": [None, row["pillar_id"]], "question": [None, row["question"]]},
                  summary=f"{r.label} return version {row['_number']}: question asked")
        if row["answer"]:
            gen.event(row["answered_by_id"], "return.question_answered", "return_question", question_id,
                      row["answered_at"], force_id=r.force.id, changes={"answer": [None, row["answer"]]},
                      summary=f"{r.label} return: question answered")
    gen.write_audit()


def _write_sections(gen: Generation, planned: list[_Return], pillar_ids: dict[str, int]) -> None:
    """Each draft's sections as they stand, saved when the draft was started (a corrected pillar saved
    again when the correction was made)."""
    rows, saves = [], []
    for r in planned:
        first = r.plan.versions[0].sections if r.plan.versions else r.plan.draft
        corrected = next((s["corrected"] for s in r.steps if s["corrected"]), None)
        for code, values in r.plan.draft.items():
            again = corrected if first[code] != values else None
            rows.append({"return_id": r.id, "pillar_id": pillar_ids[code], **{f: values[f] for f in FIELDS},
                         "updated_by_id": r.pm, "updated_at": again or r.started})
            saves.append((r, code, first[code], values, again))
    section_ids = insert_rows(gen.session, ReturnSection, rows, ids=True)
    for (r, code, before, after, again), section_id in zip(saves, section_ids, strict=True):
        gen.event(r.pm, "return.section_saved", "return_section", section_id, r.started, force_id=r.force.id,
                  changes={f: [None, before[f]] for f in FIELDS}, summary=f"{r.label} return: {code}")
        if again:
            gen.event(r.pm, "return.section_saved", "return_section", section_id, again, force_id=r.force.id,
                      changes={f: [before[f], after[f]] for f in FIELDS if before[f] != after[f]},
                      summary=f"{r.label} return: {code}")


def _content(content: dict[str, Any], sections: dict[str, dict[str, Any]], number: int, reason: str | None,
             submitted: datetime) -> dict[str, Any]:
    """One version's content: the newest version's, with this version's words, number, reason and time."""
    pillars = [{**p, **{f: sections[p["code"]][f] for f in FIELDS}} for p in content["pillars"]]
    return {**content, "pillars": pillars, "version": number, "reason": reason,
            "submitted_at": submitted.replace(microsecond=0).isoformat()}


def _public(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]
