"""A force's quarterly return: its draft, pillar by pillar, and submitting it as a frozen version.

Submitting writes a ``ReturnVersion``: the return's words and the plan's figures as at the
quarter's end (services.return_figures), who submitted it and when, as one canonical JSON text,
and that text's SHA-256. Nothing changes a version afterwards; a correction is the next version,
with a reason. Two submissions of one draft at once make one version: the (return, number) pair
is unique, and the return's row version moves with each submission.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker.models import Force, Pillar, QuarterlyReturn, ReportingPeriod, ReturnSection, User
from improvement_tracker.models._types import utcnow
from improvement_tracker.models.returns import ASSESSMENTS, ReturnVersion
from improvement_tracker.services import audit, outcomes, reporting_periods, return_figures
from improvement_tracker.services.audit import ServiceError

# 2: adds the quarter's outcome figures ("outcomes"); a version of format 1 has none.
FORMAT = 2
ASSESSMENT_LABELS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}
# The words of a pillar's section, with their limits (the form's character counts use the same).
TEXT_LIMITS = {"reason": 1000, "progress": 2000, "risks": 2000, "help_needed": 1000}
SECTION_LABELS = {
    "assessment": "Self-assessment",
    "reason": "Reason for the self-assessment",
    "progress": "Progress this quarter",
    "risks": "Risks and issues",
    "help_needed": "Help needed from the national team",
}
REASON_LIMIT = 1000


@dataclass(frozen=True)
class SectionFields:
    assessment: str | None
    reason: str
    progress: str
    risks: str
    help_needed: str


def find(session: Session, force: Force, period: ReportingPeriod) -> QuarterlyReturn | None:
    return session.scalar(select(QuarterlyReturn).where(QuarterlyReturn.force_id == force.id,
                                                        QuarterlyReturn.period_id == period.id))


def sections(session: Session, quarterly_return: QuarterlyReturn) -> list[ReturnSection]:
    """The draft's sections in pillar order (one per pillar; a pillar added since gets one)."""
    found = {s.pillar_id: s for s in session.scalars(
        select(ReturnSection).where(ReturnSection.return_id == quarterly_return.id))}
    result = []
    for pillar in session.scalars(select(Pillar).order_by(Pillar.display_order)):
        section = found.get(pillar.id)
        if section is None:
            section = ReturnSection(return_id=quarterly_return.id, pillar_id=pillar.id, pillar=pillar, reason="",
                                    progress="", risks="", help_needed="")
        result.append(section)
    return result


def missing(section: ReturnSection) -> list[str]:
    """The section's fields still to fill in (all of them are needed to submit)."""
    return [name for name in SECTION_LABELS if not (getattr(section, name) or "").strip()]


def start_refusal(period: ReportingPeriod, today: date) -> str | None:
    if not reporting_periods.may_start(period, today):
        opens = reporting_periods.drafts_open_on(period)
        return f"You can start this return from {reporting_periods.in_words(opens)}"
    return None


def start(session: Session, force: Force, period: ReportingPeriod, actor: User, today: date) -> QuarterlyReturn:
    """Open the draft of a force's return (once: a second start finds the first)."""
    existing = find(session, force, period)
    if existing is not None:
        return existing
    if (refusal := start_refusal(period, today)) is not None:
        raise ServiceError(refusal)
    quarterly_return = QuarterlyReturn(force_id=force.id, period_id=period.id, state="draft",
                                       started_by_id=actor.id)
    session.add(quarterly_return)
    session.flush()
    audit.record(session, actor, "return.started", "quarterly_return", quarterly_return.id, force_id=force.id,
                 summary=f"{reporting_periods.label(period)} return started")
    return quarterly_return


def edit_refusal(quarterly_return: QuarterlyReturn) -> str | None:
    if quarterly_return.state == "submitted":
        return ("This return has been submitted, so it cannot be changed. To correct it, start a correction "
                "and resubmit it with a reason")
    return None


def save_section(session: Session, quarterly_return: QuarterlyReturn, pillar: Pillar, fields: SectionFields,
                 actor: User) -> ReturnSection:
    if (refusal := edit_refusal(quarterly_return)) is not None:
        raise ServiceError(refusal)
    if fields.assessment is not None and fields.assessment not in ASSESSMENTS:
        raise ServiceError("Select on track, at risk or off track", "assessment")
    section = session.scalar(select(ReturnSection).where(ReturnSection.return_id == quarterly_return.id,
                                                         ReturnSection.pillar_id == pillar.id))
    values = {"assessment": fields.assessment, "reason": fields.reason.strip(), "progress": fields.progress.strip(),
              "risks": fields.risks.strip(), "help_needed": fields.help_needed.strip()}
    for name, limit in TEXT_LIMITS.items():
        if len(values[name]) > limit:
            raise ServiceError(f"{SECTION_LABELS[name]} must be {limit} characters or fewer", name)
    if section is None:
        section = ReturnSection(return_id=quarterly_return.id, pillar_id=pillar.id, updated_by_id=actor.id,
                                **values)
        session.add(section)
        session.flush()
        changes = audit.snapshot(section, tuple(values))
    else:
        changes = audit.apply_changes(section, values)
        section.updated_by_id = actor.id
        session.flush()
    if changes:
        # The return's row version moves too, so a save that raced a submission of the same draft
        # is refused by the database rather than changing words that were just frozen.
        quarterly_return.updated_at = utcnow()
        session.flush()
        audit.record(session, actor, "return.section_saved", "return_section", section.id,
                     force_id=quarterly_return.force_id, changes=changes,
                     summary=f"{reporting_periods.label(quarterly_return.period)} return: {pillar.code}")
    return section


def submit_problems(session: Session, quarterly_return: QuarterlyReturn) -> list[tuple[Pillar, list[str]]]:
    """Each pillar whose section is not finished, with what it lacks."""
    return [(s.pillar, gaps) for s in sections(session, quarterly_return) if (gaps := missing(s))]


def unfinished_message(pillar: Pillar, gaps: list[str]) -> str:
    """What the error summary says of a pillar that stops the submission."""
    if len(gaps) == len(SECTION_LABELS):
        return f"{pillar.code} {pillar.name} has not been filled in"
    needed = [SECTION_LABELS[g].lower() for g in gaps]
    listed = needed[0] if len(needed) == 1 else f"{', '.join(needed[:-1])} and {needed[-1]}"
    return f"{pillar.code} {pillar.name}: enter the {listed}"


def submit_refusal(quarterly_return: QuarterlyReturn, today: date) -> str | None:
    period = quarterly_return.period
    if quarterly_return.state == "submitted":
        return "This return has already been submitted. To correct it, start a correction"
    if not reporting_periods.submittable(period, today):
        return (f"You cannot submit this return until {reporting_periods.label(period)} has ended: it ends on "
                f"{reporting_periods.in_words(period.ends_on)}")
    return None


def canonical(content: dict[str, Any]) -> str:
    """One text per content, whatever the database or the dict's order: what the SHA-256 is of."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_of(session: Session, quarterly_return: QuarterlyReturn, actor: User, today: date, number: int,
               reason: str | None, submitted_at: datetime | None = None) -> dict[str, Any]:
    force, period = quarterly_return.force, quarterly_return.period
    figures = return_figures.quarter_figures(session, force, period, today)
    pillars = []
    for section in sections(session, quarterly_return):
        pillar = section.pillar
        pillars.append({
            "code": pillar.code, "name": pillar.name,
            **{name: (getattr(section, name) or "") for name in SECTION_LABELS},
            "figures": figures["pillars"].get(pillar.code, {}),
        })
    return {
        "format": FORMAT,
        "force": {"code": force.code, "name": force.name, "country": force.country, "cohort": force.cohort},
        "period": {"label": reporting_periods.label(period), "months": reporting_periods.months(period),
                   "starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat(),
                   "returns_due_on": period.returns_due_on.isoformat()},
        "version": number,
        "reason": reason,
        "submitted_by": {"name": actor.name, "email": actor.email},
        "submitted_at": (submitted_at or utcnow()).replace(microsecond=0).isoformat(),
        "as_at": figures["as_at"],
        "figures_from": figures["source"],
        "pillars": pillars,
        "totals": figures["totals"],
        "completed": figures["completed"],
        "replanned": figures["replanned"],
        "newly_overdue": figures["newly_overdue"],
        "outcomes": outcomes.for_return(session, force, period),
    }


def submit(session: Session, quarterly_return: QuarterlyReturn, actor: User, today: date,
           reason: str | None = None, submitted_at: datetime | None = None) -> ReturnVersion:
    """Freeze the draft as the next version. The first needs no reason; a correction must give one.
    ``submitted_at`` (naive UTC) is now unless given (the demo's calendar)."""
    if (refusal := submit_refusal(quarterly_return, today)) is not None:
        raise ServiceError(refusal)
    number = quarterly_return.latest_version + 1
    reason = (reason or "").strip() or None
    if number > 1 and reason is None:
        raise ServiceError("Enter why you are correcting this return", "reason")
    if reason is not None and len(reason) > REASON_LIMIT:
        raise ServiceError(f"The reason must be {REASON_LIMIT} characters or fewer", "reason")
    problems = submit_problems(session, quarterly_return)
    if problems:
        raise ServiceError("Finish every pillar before you submit the return")
    submitted_at = (submitted_at or utcnow()).replace(microsecond=0)
    content = content_of(session, quarterly_return, actor, today, number, reason if number > 1 else None,
                         submitted_at)
    text = canonical(content)
    version = ReturnVersion(return_id=quarterly_return.id, number=number, content=text, sha256=digest(text),
                            reason=content["reason"], submitted_by_id=actor.id, submitted_at=submitted_at)
    session.add(version)
    quarterly_return.latest_version = number
    quarterly_return.state = "submitted"
    session.flush()  # the unique (return, number) and the return's row version refuse a second at once
    audit.record(session, actor, "return.submitted" if number == 1 else "return.resubmitted", "return_version",
                 version.id, force_id=quarterly_return.force_id,
                 changes={"version": [number - 1 or None, number], "sha256": [None, version.sha256]},
                 summary=f"{reporting_periods.label(quarterly_return.period)} return version {number} submitted")
    return version


def correction_refusal(quarterly_return: QuarterlyReturn) -> str | None:
    if quarterly_return.state != "submitted":
        return "This return is not submitted: change its draft instead"
    return None


def start_correction(session: Session, quarterly_return: QuarterlyReturn, actor: User) -> None:
    """Open the submitted return's words for a correction (its versions stay as they were)."""
    if (refusal := correction_refusal(quarterly_return)) is not None:
        raise ServiceError(refusal)
    quarterly_return.state = "correcting"
    session.flush()
    audit.record(session, actor, "return.correction_started", "quarterly_return", quarterly_return.id,
                 force_id=quarterly_return.force_id, changes={"state": ["submitted", "correcting"]},
                 summary=f"{reporting_periods.label(quarterly_return.period)} return correction started")


def version(session: Session, quarterly_return: QuarterlyReturn, number: int) -> ReturnVersion | None:
    return session.scalar(select(ReturnVersion).where(ReturnVersion.return_id == quarterly_return.id,
                                                      ReturnVersion.number == number))


def content(version: ReturnVersion) -> dict[str, Any]:
    return json.loads(version.content)


def figures_by_pillar(content: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {pillar["code"]: pillar["figures"] for pillar in content["pillars"]}


def intact(version: ReturnVersion) -> bool:
    """Whether the stored content still hashes to the SHA-256 recorded when it was submitted."""
    return digest(version.content) == version.sha256


@dataclass(frozen=True)
class Change:
    where: str  # "P1 Suspect-focused investigations" or "Plan figures"
    what: str
    before: str
    after: str


def _text(value: Any) -> str:
    if value is None or value == "":
        return "nothing"
    return ASSESSMENT_LABELS.get(value, str(value)) if isinstance(value, str) else str(value)


def changes_between(older: dict[str, Any], newer: dict[str, Any]) -> list[Change]:
    """What a correction changed: each pillar's words and figures, and the plan's totals."""
    found: list[Change] = []
    old_pillars = {p["code"]: p for p in older["pillars"]}
    for pillar in newer["pillars"]:
        before = old_pillars.get(pillar["code"], {})
        where = f"{pillar['code']} {pillar['name']}"
        for name, label in SECTION_LABELS.items():
            if before.get(name) != pillar.get(name):
                found.append(Change(where, label, _text(before.get(name)), _text(pillar.get(name))))
        for name, label in return_figures.FIGURE_LABELS.items():
            old_figure, new_figure = before.get("figures", {}).get(name), pillar["figures"].get(name)
            if old_figure != new_figure:
                found.append(Change(where, label, _text(old_figure), _text(new_figure)))
    old_outcomes = {o["code"]: o["value"] for o in older.get("outcomes", [])}
    for outcome in newer.get("outcomes", []):
        if old_outcomes.get(outcome["code"]) != outcome["value"]:
            found.append(Change("Outcome figures", outcome["name"], _text(old_outcomes.get(outcome["code"])),
                                _text(outcome["value"])))
    return found
