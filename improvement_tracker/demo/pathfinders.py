"""seed-demo: the five pathfinder forces' improvement plans, for trying the service out.

Everything is built through the same services the pages use, acted by demo users (the
programme manager records the plan, owners post updates and ask for sign-off, the
programme manager signs off; each force's last four quarterly returns are drafted, submitted,
corrected and reviewed, ``demo.returns``), so the audit trail, the re-plan history, the progress
narrative and the returns are all real rows, and every write marks its force's plan as changed
as any other write does. The plans are played out over the past year on a simulated calendar:
after each step the rows it wrote (progress updates, audit events, completion dates...) are
given the simulated time of that step, so dashboards show a plan with a history rather than one
typed in a minute ago.

Deterministic: a fixed random seed, and dates relative to the ``today`` given. Idempotent:
if any demo account exists the seed adds nothing. Never run in production (the command
refuses): every demo account shares one published password. The caller commits.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session, scoped_session

from improvement_tracker.demo.accounts import (
    ADMIN,
    DEMO_PASSWORD,
    OVERSIGHT,
    OWNER_AREAS,
    PATHFINDERS,
    TEAMS,
    DemoAccount,
    accounts,
)
from improvement_tracker.demo.commitments import accounts_made_by, national_accounts, schedule_demo_commitments
from improvement_tracker.demo.content import (
    DEEP_DIVE_LEAD,
    DEEP_DIVE_PERIOD,
    DEEP_DIVE_SUMMARY,
    DEEP_DIVE_TITLE,
    FINDINGS,
    STANDALONE,
    ActionTemplate,
    FindingTemplate,
)
from improvement_tracker.demo.counts import commitment_rows, plan_rows
from improvement_tracker.demo.notes import CORE_SCENARIOS, DEMO_NO_EVIDENCE_REASON, PROFILES
from improvement_tracker.demo.outcomes import schedule_pathfinder_outcomes
from improvement_tracker.demo.returns import schedule_pathfinder_returns
from improvement_tracker.demo.timeline import STEP_ORDER, Script, Step, script_for
from improvement_tracker.models import (
    Action,
    AuditEvent,
    DeepDive,
    DueDateChange,
    Finding,
    Force,
    Milestone,
    OutcomeFigure,
    Pillar,
    ProgressUpdate,
    QuarterlyReturn,
    ReturnVersion,
    User,
)
from improvement_tracker.services import clock, milestones, plans, status, users

SEED = 20210101


@dataclass
class SeedResult:
    created: bool
    accounts: list[DemoAccount]
    password: str
    counts: dict[str, int]


class _Builder:
    def __init__(self, session: Session, today: date):
        self.session = session
        self.today = today
        self.rng = random.Random(SEED)  # nosec B311  # seeded demo data, not a secret
        self.password_hash: str | None = None
        self.events: list[tuple[datetime, int, Callable[[datetime], None]]] = []
        self.sequence = 0
        self.current = datetime.now(UTC).replace(tzinfo=None)
        self.now = datetime.now(UTC).replace(tzinfo=None)

    # Time ------------------------------------------------------------------------------
    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def moment(self, offset: int, minutes: int) -> datetime:
        """A time in office hours, London time, stored as naive UTC like every timestamp (never later than now)."""
        local = datetime.combine(self.day(offset), time(9, 0), tzinfo=clock.LONDON) + timedelta(minutes=minutes)
        return min(local.astimezone(UTC).replace(tzinfo=None), self.now)

    def schedule(self, when: datetime, work: Callable[[datetime], None]) -> None:
        self.sequence += 1
        self.events.append((when, self.sequence, work))

    def run(self) -> None:
        for when, _, work in sorted(self.events, key=lambda event: (event[0], event[1])):
            self.current = when
            work(when)
            self.stamp(when)

    def stamp(self, when: datetime, fix: Callable[[AuditEvent], None] | None = None) -> None:
        """Give the audit events the step just wrote, still unsaved, the step's simulated time."""
        for event in [obj for obj in self.session.new if isinstance(obj, AuditEvent) and obj.at is None]:
            event.at = when
            if fix is not None:
                fix(event)

    def _before_flush(self, session: Session, *_) -> None:
        """A service that saves its own audit event mid-step gets the step's time too."""
        for obj in session.new:
            if isinstance(obj, AuditEvent) and obj.at is None:
                obj.at = self.current

    # Building --------------------------------------------------------------------------
    def build(self) -> None:
        target = self.session() if isinstance(self.session, scoped_session) else self.session
        sa_event.listen(target, "before_flush", self._before_flush)
        try:
            self._build()
            self.session.flush()
        finally:
            sa_event.remove(target, "before_flush", self._before_flush)

    def _build(self) -> None:
        session = self.session
        pillars = {p.code: p for p in session.scalars(select(Pillar))}
        forces = {f.code: f for f in session.scalars(select(Force).where(Force.code.in_(PATHFINDERS)))}
        missing = [code for code in PATHFINDERS if code not in forces]
        if missing or len(pillars) < 6:
            raise ValueError(f"Reference data is missing ({', '.join(missing) or 'pillars'}): run the migrations")

        people: dict[str, User] = {}
        admin_at = self.moment(accounts_made_by(self.today), 30)
        people[ADMIN.email] = self._user(ADMIN, None, admin_at)
        # The other forces' teams (left out of the sign-in table) work their national commitments.
        for offset, account in enumerate(accounts()[1:] + national_accounts(session, PATHFINDERS), start=1):
            people[account.email] = self._user(account, people[ADMIN.email], admin_at + timedelta(minutes=offset))

        for index, code in enumerate(PATHFINDERS):
            manager = people[f"pm.{code}@demo.police.uk"]
            owners = [people[f"owner{n}.{code}@demo.police.uk"] for n in range(1, len(TEAMS[code][1]) + 1)]
            self._force(forces[code], pillars, manager, owners, -335 + 5 * index)
        # The last four quarters' returns, drafted, submitted and reviewed on the same calendar.
        schedule_pathfinder_returns(self, forces, pillars, people)
        # Their outcome figures from April 2019: the history loaded a year ago, each quarter since on time.
        schedule_pathfinder_outcomes(self, forces, people)
        # NC-01 across all 43 forces (due 31 March 2023) and NC-02 in progress (demo.commitments).
        schedule_demo_commitments(self, pillars, people)
        self.run()

    def _user(self, account: DemoAccount, actor: User | None, when: datetime) -> User:
        self.current = when
        if self.password_hash is None:
            # Every demo account shares one published password: hash it once, not twenty times.
            self.password_hash = users.hash_password(DEMO_PASSWORD)
        user = users.create_user(self.session, email=account.email, name=account.name, role=account.role,
                                 force_code=account.force_code, password=DEMO_PASSWORD, actor=actor,
                                 password_hash=self.password_hash)
        user.created_at = when
        self.stamp(when)
        return user

    def _force(self, force: Force, pillars: dict[str, Pillar], manager: User, owners: list[User],
               recorded: int) -> None:
        rng = self.rng
        # One finding for each pillar, two for two of them; two or three actions for each finding.
        chosen: list[FindingTemplate] = []
        doubled = set(rng.sample(sorted(pillars), 2))
        for code in sorted(pillars):
            options = [f for f in FINDINGS if f.pillar == code]
            chosen += sorted(rng.sample(options, 2 if code in doubled else 1), key=FINDINGS.index)
        plan: list[tuple[FindingTemplate | None, ActionTemplate, str]] = []
        for template in chosen:
            picked = sorted(rng.sample(range(len(template.actions)), rng.randint(2, len(template.actions))))
            plan += [(template, template.actions[i], template.pillar) for i in picked]
        pillar_code, standalone = rng.choice(STANDALONE)
        plan.append((None, standalone, pillar_code))

        extras = [scenario for scenario, weight in PROFILES[force.code].items() for _ in range(weight)]
        rng.shuffle(extras)
        scenarios = list(CORE_SCENARIOS) + (extras * 3)[: len(plan) - len(CORE_SCENARIOS)]
        rng.shuffle(scenarios)

        state: dict = {"findings": {}}
        when = self.moment(recorded, rng.randint(0, 420))

        def record_deep_dive(at: datetime) -> None:
            deep_dive = plans.save_deep_dive(self.session, force, plans.DeepDiveFields(
                title=DEEP_DIVE_TITLE, period=DEEP_DIVE_PERIOD, lead=DEEP_DIVE_LEAD,
                summary=DEEP_DIVE_SUMMARY.format(force=force.name)), actor=manager)
            deep_dive.created_at = deep_dive.updated_at = at
            state["deep_dive"] = deep_dive

        self.schedule(when, record_deep_dive)
        for number, template in enumerate(chosen):
            at = self.moment(recorded + 1 + number // 3, rng.randint(0, 420))
            self.schedule(at, self._finding_step(force, pillars[template.pillar], template, manager, state))

        areas = OWNER_AREAS[len(owners)]
        for (finding, template, code), scenario in zip(plan, scenarios, strict=True):
            owner = owners[areas[code]] if rng.random() < 0.8 else rng.choice(owners)
            created = recorded + rng.randint(7, 30)
            priority = finding.priority if finding else "medium"
            if rng.random() < 0.2:
                priority = {"high": "medium", "medium": "low", "low": "low"}[priority]
            script = script_for(rng, scenario, created, template)
            self._action(force, pillars[code], finding, template, priority, owner, manager, created, script,
                         state)

    def _finding_step(self, force: Force, pillar: Pillar, template: FindingTemplate, manager: User,
                      state: dict) -> Callable[[datetime], None]:
        def work(at: datetime) -> None:
            reference = plans.suggest_reference(self.session, force, pillar)
            finding = plans.save_finding(self.session, state["deep_dive"], plans.FindingFields(
                pillar_id=pillar.id, reference=reference, type=template.type, title=template.title,
                detail=template.detail.format(force=force.name), priority=template.priority), actor=manager)
            finding.created_at = finding.updated_at = at
            state["findings"][template] = finding
        return work

    def _action(self, force: Force, pillar: Pillar, finding_template: FindingTemplate | None,
                template: ActionTemplate, priority: str, owner: User, manager: User, created: int,
                script: Script, state: dict) -> None:
        rng = self.rng
        session = self.session
        holder: dict = {}

        def create(at: datetime) -> None:
            finding = state["findings"][finding_template] if finding_template else None
            if finding is not None:
                reference = f"{finding.reference}-{chr(ord('A') + len(taken_references(finding)))}"
            else:
                reference = plans.suggest_reference(session, force, pillar).rsplit("-", 1)[0] + "-SA-01"
            action = plans.create_action(session, force, plans.ActionFields(
                reference=reference, title=template.title, pillar_id=pillar.id, owner_id=owner.id,
                priority=priority, description=template.description,
                success_measure=template.success_measure, start_date=self.day(script.start)),
                due_date=self.day(script.due), actor=manager, finding=finding)
            action.created_at = action.updated_at = action.last_update_at = action.assigned_at = at
            holder["action"] = action
            holder["milestones"] = []
            for title, due in zip(template.milestones, script.milestone_dues, strict=True):
                milestone = milestones.add(session, action, title, self.day(due), actor=manager)
                milestone.created_at = at
                holder["milestones"].append(milestone)

        def taken_references(finding: Finding) -> list[str]:
            return list(session.scalars(select(Action.reference).where(Action.finding_id == finding.id)))

        def touched(action: Action, at: datetime, update: ProgressUpdate | None = None) -> None:
            action.updated_at = at
            if update is not None:
                update.created_at = at
                action.last_update_at = at

        def step_work(step: Step) -> Callable[[datetime], None]:
            def work(at: datetime) -> None:
                action: Action = holder["action"]
                kind, payload = step.kind, step.payload
                if kind in ("start", "request", "block"):
                    slug = {"start": "start", "request": "request-sign-off", "block": "block"}[kind]
                    touched(action, at, status.apply(session, action, slug, str(payload), actor=owner))
                elif kind in ("sign_off", "close"):
                    slug = "sign-off" if kind == "sign_off" else "close"
                    touched(action, at, status.apply(
                        session, action, slug, str(payload), actor=manager,
                        no_evidence_reason=DEMO_NO_EVIDENCE_REASON if kind == "sign_off" else None))
                    if kind == "sign_off":
                        action.completed_date = self.day(step.day)
                elif kind in ("update", "pm_update"):
                    author = owner if kind == "update" else manager
                    touched(action, at, status.add_progress_update(session, action, str(payload), actor=author))
                elif kind == "replan":
                    new_due, reason = payload
                    plans.change_due_date(session, action, self.day(new_due), reason, actor=manager)
                    session.flush()
                    change = session.scalar(select(DueDateChange).where(DueDateChange.action_id == action.id)
                                            .order_by(DueDateChange.id.desc()).limit(1))
                    change.changed_at = at
                    touched(action, at)
                elif kind == "declare":
                    rag, reason = payload
                    plans.declare_rag(session, action, rag, reason, actor=manager)
                    action.declared_rag_at = at
                    touched(action, at)
                elif kind == "milestone":
                    milestone: Milestone = holder["milestones"][payload]
                    milestones.set_complete(session, milestone, True, actor=owner)
                    completed = self.day(step.day)
                    milestone.completed_date = completed

                    def fix(event: AuditEvent) -> None:
                        if event.event == "milestone.completed":
                            event.changes = {"completed_date": [None, completed.isoformat()]}

                    self.stamp(at, fix)
            return work

        created_at = self.moment(created, rng.randint(0, 420))
        self.schedule(created_at, create)
        steps = sorted(script.steps, key=lambda s: (s.day, STEP_ORDER[s.kind]))
        previous = created_at
        for step in steps:
            step.day = min(step.day, -1)
            at = max(self.moment(step.day, rng.randint(0, 480)), previous + timedelta(minutes=rng.randint(5, 40)))
            at = min(at, self.now)
            previous = at
            self.schedule(at, step_work(step))


def demo_present(session: Session) -> bool:
    emails = [account.email for account in accounts()]
    return session.scalar(select(User.id).where(func.lower(User.email).in_(emails)).limit(1)) is not None


def _counts(session: Session) -> dict[str, int]:
    force_ids = select(Force.id).where(Force.code.in_(PATHFINDERS))
    return {
        "forces": session.scalar(select(func.count(func.distinct(DeepDive.force_id)))
                                 .where(DeepDive.force_id.in_(force_ids))) or 0,
        "users": session.scalar(select(func.count()).select_from(User).where(
            func.lower(User.email).in_([a.email for a in accounts()]))) or 0,
        **plan_rows(session, force_ids),
        "returns": session.scalar(select(func.count()).select_from(QuarterlyReturn)
                                  .where(QuarterlyReturn.force_id.in_(force_ids))) or 0,
        "return_versions": session.scalar(select(func.count()).select_from(ReturnVersion).join(QuarterlyReturn)
                                          .where(QuarterlyReturn.force_id.in_(force_ids))) or 0,
        "outcome_figures": session.scalar(select(func.count()).select_from(OutcomeFigure)
                                          .where(OutcomeFigure.force_id.in_(force_ids))) or 0,
        **commitment_rows(session, [OVERSIGHT.email]),
    }


def seed(session: Session, *, today: date | None = None) -> SeedResult:
    """Load the demo plans unless a demo account already exists. The caller commits."""
    if demo_present(session):
        return SeedResult(False, accounts(), DEMO_PASSWORD, _counts(session))
    _Builder(session, today or clock.today()).build()
    session.flush()
    return SeedResult(True, accounts(), DEMO_PASSWORD, _counts(session))
