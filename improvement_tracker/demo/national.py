"""demo generate: every force's plan at once, for load tests and benchmarks.

`seed-demo` plays five hand-written plans through the services, which is right for trying the
service out and far too slow for 43 forces. This writes the same kinds of rows in bulk instead:
users, one deep dive per force, findings, actions with a year of history (status changes in
progress updates, re-plans, milestones completed, evidence uploaded and reviewed, declared RAGs),
the audit events those writes would have left, real evidence files in the configured storage,
the reminders the scheduler would have sent over the last weeks (run by the real reminders
service day by day), a year of daily snapshots (rebuilt by the snapshots service), each
force's quarterly returns for the last four quarters (``national_returns``) and its outcome
figures: its 2019 baseline and every quarter from April 2019 (``demo.outcomes``).

Deterministic for a seed (the same plans, people and dates relative to `today`), and
idempotent per seed: a seed whose accounts exist adds nothing. References and emails carry the
seed, so two seeds can sit side by side. Refused in production (the accounts share a published
password).

It never commits on its own: a national dataset is too big for one transaction, so the caller
passes ``commit``, a checkpoint called between the phases (the command passes
``db.session.commit``). The plans are written with SQL inserts, which do not mark any force's
plan as changed as a service's audit event does: the generator bumps every force's plan version
itself (services.plan_version), with the plans and again in the last transaction, so no page
kept before or during the run outlives it.
"""

from __future__ import annotations

import time as timer
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from improvement_tracker.demo.commitments import write_generated_commitments
from improvement_tracker.demo.counts import plan_rows
from improvement_tracker.demo.national_evidence import write_evidence
from improvement_tracker.demo.national_people import DOMAIN, PASSWORD, admin_email, sign_ins, write_people
from improvement_tracker.demo.national_plans import write_plans
from improvement_tracker.demo.national_reminders import replay_reminders
from improvement_tracker.demo.national_returns import write_national_returns
from improvement_tracker.demo.national_rows import Generation
from improvement_tracker.demo.national_snapshots import build_snapshots
from improvement_tracker.demo.outcomes import write_national_outcomes
from improvement_tracker.models import (
    Action,
    AuditEvent,
    Commitment,
    Evidence,
    Force,
    Notification,
    OutcomeFigure,
    Pillar,
    ProgressSnapshot,
    QuarterlyReturn,
    ReminderClaim,
    ReturnVersion,
    User,
)
from improvement_tracker.services import plan_version
from improvement_tracker.services.storage import Storage


@dataclass
class GenerateResult:
    created: bool
    seed: int
    password: str
    sign_ins: list[tuple[str, str]]
    counts: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)


def present(session: Session, seed: int) -> bool:
    return session.scalar(select(User.id).where(User.email == admin_email(seed))) is not None


def counts(session: Session) -> dict[str, int]:
    def count(model) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    plan = plan_rows(session)
    return {"forces with plans": session.scalar(select(func.count(func.distinct(Action.force_id)))) or 0,
            "users": count(User), "findings": plan["findings"], "actions": plan["actions"],
            "milestones": plan["milestones"], "progress updates": plan["progress_updates"],
            "re-plans": plan["due_date_changes"], "evidence files": count(Evidence), "audit events": count(AuditEvent),
            "emails": count(Notification), "reminder items": count(ReminderClaim),
            "snapshot rows": count(ProgressSnapshot), "quarterly returns": count(QuarterlyReturn),
            "return versions": count(ReturnVersion), "outcome figures": count(OutcomeFigure),
            "national commitments": count(Commitment)}


def generate(session: Session, *, forces: int, actions_per_force: int, seed: int, today: date,
             storage: Storage, max_upload: int, commit: Callable[[], None], snapshot_days: int = 365,
             reminder_days: int = 21, progress: Callable[[str], None] | None = None) -> GenerateResult:
    """Generate a national dataset unless this seed's is already there, committing at ``commit`` between phases."""
    say = progress or (lambda _message: None)
    if present(session, seed):
        # A dataset generated before outcome figures or quarterly returns existed gets them (the
        # figures first: a return carries its quarter's figures); otherwise nothing.
        if write_national_outcomes(Generation(session, seed, today), only_if_none=True):
            say("outcome figures added to the dataset generated before them")
            plan_version.bump_every_force(session)
            commit()
        if write_national_returns(Generation(session, seed, today), only_if_none=True):
            say("quarterly returns added to the dataset generated before them")
            plan_version.bump_every_force(session)
            commit()
        if write_generated_commitments(session, seed, today, DOMAIN, only_if_none=True):
            say("national commitments added to the dataset generated before them")
            commit()
        return GenerateResult(False, seed, PASSWORD, sign_ins(session, seed), counts(session))
    chosen = list(session.scalars(select(Force).order_by(Force.name).limit(forces)))
    pillars = list(session.scalars(select(Pillar).order_by(Pillar.display_order)))
    if len(chosen) < forces or not pillars:
        raise ValueError(f"Only {len(chosen)} forces and {len(pillars)} pillars: run the migrations first")
    seconds: dict[str, float] = {}
    gen = Generation(session, seed, today)

    def timed(label: str, work: Callable[[], Any]) -> Any:
        say(f"{label}…")
        started = timer.perf_counter()
        result = work()
        seconds[label] = round(timer.perf_counter() - started, 1)
        return result

    def plans_history_and_evidence() -> None:
        evidence = write_plans(gen, chosen, pillars, people, actions_per_force)
        write_evidence(gen, evidence, storage, max_upload)
        gen.write_audit()

    people = timed("people", lambda: write_people(gen, chosen, max(3, actions_per_force // 20)))
    timed("plans, history and evidence", plans_history_and_evidence)
    # Through the services, which mark each force's plan as changed: before the snapshots, so the
    # trend carries them.
    timed("national commitments", lambda: write_generated_commitments(session, seed, today, DOMAIN))
    plan_version.bump_every_force(session)  # the plans were inserted without the services
    commit()
    # Fresh planner statistics after a bulk load (autovacuum would get there, later).
    session.execute(text("ANALYZE"))
    commit()
    timed("reminders sent over the last weeks", lambda: replay_reminders(session, today, reminder_days, commit))
    timed("daily snapshots", lambda: build_snapshots(session, today, snapshot_days, commit))
    # Every force's outcome figures and 2019 baseline, from April 2019 to the latest ended quarter:
    # before the returns, which carry their quarter's figures.
    timed("outcome figures", lambda: write_national_outcomes(gen))
    # After the snapshots: a return's figures are the plan as at its quarter's end, read from them.
    timed("quarterly returns", lambda: write_national_returns(gen))
    # Again in the last transaction: a page kept while the reminders and snapshots were written is
    # worked out again too.
    plan_version.bump_every_force(session)
    commit()
    return GenerateResult(True, seed, PASSWORD, sign_ins(session, seed), counts(session), seconds)
