"""National commitments in the demo data (docs/commitments.md), played through the services.

- ``schedule_demo_commitments`` (seed-demo): NC-01, "No victim without a phone for more than 24
  hours", published to all 43 forces in October 2022 and due 31 March 2023 (the Operation Soteria
  year one report's date): most forces signed it off and the national team confirmed it, a few
  signed it off lately and wait for confirmation, a few are overdue (one had a later date refused),
  two had a later date agreed, and one has a proposed date waiting. NC-02, specialist learning for
  rape and serious sexual offence investigators, was published five months ago and is in progress.
  Each force outside the pathfinders gets a demo programme manager and an action owner (emails
  like the pathfinders', ``pm.<code>@demo.police.uk``; left out of the sign-in table), so every
  force can work its action with the four-eyes sign-off.
- ``write_generated_commitments`` (demo generate): two commitments for the seed's forces, one past
  its due date and one in progress, on the generator's calendar (references ``NC-101`` onwards, the
  first free ones, so seed-demo's ``NC-01`` and another seed's never clash).

Every step is a service call (publish, assign, milestones, updates, status moves, confirming,
proposing and deciding a date), so the audit events are the services' own; after each step the
rows it wrote get the step's simulated time. Deterministic: a random stream of its own, so the rest
of the demo draws what it drew before.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from improvement_tracker.demo.accounts import OVERSIGHT, OWNER_AREAS, TEAMS, DemoAccount
from improvement_tracker.demo.notes import DEMO_NO_EVIDENCE_REASON
from improvement_tracker.models import (
    Action,
    AuditEvent,
    Commitment,
    DueDateChange,
    Force,
    Milestone,
    Pillar,
    User,
)
from improvement_tracker.services import clock, commitment_reviews, commitments, milestones, plans, status

SEED = 20230331
GENERATED_FIRST = 101  # demo generate's references: NC-101 onwards


@dataclass(frozen=True)
class Text:
    reference: str
    title: str
    pillar: str
    description: str
    success_measure: str
    evidence_expected: str
    milestones: tuple[str, ...]
    updates: tuple[str, ...]
    later: str  # why a force proposes a later date


PHONES = Text(
    "NC-01", "No victim without a phone for more than 24 hours", "P6",
    "Give every victim of rape their phone back, or a loan handset, within 24 hours of it being taken: "
    "download only what the investigation needs, on the day, and offer a handset when the phone must be kept.",
    "At least 95% of victims' phones taken in a quarter are back with them, or replaced, within 24 hours "
    "(the outcome figure for phones returned within 24 hours).",
    "The force's phone-return procedure, a quarter's figures for phones taken and returned within 24 hours, "
    "and the loan handset arrangements.",
    ("Phone-return procedure agreed with digital forensics", "Loan handsets in every investigation hub"),
    ("Digital forensics now triage victims' phones on the day they are taken.",
     "Loan handsets bought and issued to the investigation hubs.",
     "Dip sample of last month's cases: most phones back within the day.",
     "Weekend cover for phone downloads agreed with the digital forensics unit.",
     "Officers briefed on the new procedure at every RASSO team meeting."),
    "The loan handsets arrive after the due date: we need until they are in every hub.")
LEARNING = Text(
    "NC-02", "Specialist learning for rape and serious sexual offence investigators", "P4",
    "Every investigator working on rape and serious sexual offences completes the national specialist "
    "learning programme, with protected time to do it, and new joiners complete it within six months.",
    "Nine in ten RASSO investigators have completed the programme; every new joiner within six months.",
    "Completion figures from the force's learning records and the plan for new joiners.",
    ("Every RASSO investigator named with a learning plan", "Half of investigators through the programme",
     "Every investigator through the programme"),
    ("Learning plans agreed with each investigator and their supervisor.",
     "First cohort through the programme; feedback is good.",
     "Protected study days booked for the next two cohorts.",
     "Abstractions slowed the second cohort: rescheduled for next month.",
     "Completion figures checked against the learning records."),
    "Two investigation teams are short-staffed until the spring: their investigators cannot be released sooner.")

# NC-01 force by force: the forces not listed signed it off and the national team confirmed it.
PHONES_PUBLISHED = date(2022, 10, 3)
PHONES_DUE = date(2023, 3, 31)
PHONES_SCENARIOS = {
    "west-midlands": "awaiting", "kent": "awaiting", "north-wales": "awaiting",
    "cleveland": "overdue", "lancashire": "overdue", "suffolk": "refused",
    "cumbria": "proposal", "humberside": "agreed", "gwent": "agreed",
}
# NC-02 and generated commitments: how forces stand, by weight.
IN_PROGRESS_WEIGHTS = {"not_started": 20, "in_progress": 52, "awaiting_sign_off": 10, "awaiting": 10,
                       "confirmed": 8}
PAST_DUE_WEIGHTS = {"confirmed": 78, "awaiting": 8, "overdue": 8, "refused": 2, "agreed": 4}
FIRST_NAMES = ("Alice", "Ben", "Carys", "David", "Eleanor", "Faisal", "Gemma", "Hassan", "Isla", "Jack", "Kiran",
               "Laura", "Mohammed", "Niamh", "Owen", "Priya", "Ruth", "Simon", "Tariq", "Una", "Victoria", "Will")
LAST_NAMES = ("Ahmed", "Baker", "Clarke", "Davies", "Edwards", "Fraser", "Green", "Hall", "Iqbal", "Jones",
              "Khan", "Lewis", "Morgan", "Nash", "O'Brien", "Parry", "Quinn", "Reid", "Shaw", "Turner", "Walsh")


class Calendar(Protocol):
    """seed-demo's builder, or the generator's ``_Calendar``: work played in time order, each step's
    audit events given its time."""

    session: Session
    today: date
    now: datetime

    def moment(self, offset: int, minutes: int) -> datetime: ...

    def schedule(self, when: datetime, work: Callable[[datetime], None]) -> None: ...


@dataclass
class Team:
    manager: User
    owner: User


@dataclass
class Step:
    day: int  # days from today
    kind: str
    payload: object = None


def plan_force(rng: random.Random, scenario: str, text: Text, published: int, due: int, today: int = 0) -> list[Step]:
    """One force's life on a commitment, in days from today (steps after yesterday are left out)."""
    count = len(text.milestones)
    assign = published + rng.randint(2, 20)
    start = assign + rng.randint(2, 14)
    steps = [Step(assign, "assign", start)]
    if scenario == "not_started":
        return steps
    steps.append(Step(start, "start", text.updates[0]))
    if scenario in ("confirmed", "agreed"):
        finish = min(due - rng.randint(5, 40), today - rng.randint(30, 60))
    elif scenario == "awaiting":
        finish = today - rng.randint(10, 40)
    elif scenario == "awaiting_sign_off":
        finish = today - rng.randint(3, 20)
    else:  # in progress: still working on it
        finish = today - rng.randint(2, 15)
    finish = max(finish, start + 3 * count + 6)
    if scenario == "agreed":
        asked = max(due - rng.randint(20, 45), start + 2)
        steps += [Step(asked, "propose", due + rng.randint(60, 100)), Step(asked + rng.randint(3, 10), "agree")]
        finish = due + rng.randint(20, 50)
    elif scenario == "refused":
        asked = max(due - rng.randint(10, 30), start + 2)
        steps += [Step(asked, "propose", due + rng.randint(90, 150)), Step(asked + rng.randint(3, 10), "refuse")]
    elif scenario == "proposal":
        steps.append(Step(today - rng.randint(3, 9), "propose", max(due, today) + rng.randint(60, 120)))
    done = count if scenario in ("confirmed", "agreed", "awaiting", "awaiting_sign_off") else rng.randint(0, count - 1)
    span = finish - start
    for index in range(done):
        steps.append(Step(start + round(span * (index + 1) / (count + 1)), "milestone", index))
    for number, day in enumerate(sorted(rng.sample(range(start + 1, finish), min(3, finish - start - 1)))):
        steps.append(Step(day, "update", text.updates[1 + (number + rng.randint(0, 1)) % (len(text.updates) - 1)]))
    if scenario in ("confirmed", "agreed", "awaiting", "awaiting_sign_off"):
        steps.append(Step(finish, "request", "Done: the evidence is with the programme manager."))
    if scenario in ("confirmed", "agreed", "awaiting"):
        steps.append(Step(finish + rng.randint(1, 5), "sign_off", "Checked against the evidence expected: signed off."))
    if scenario in ("confirmed", "agreed"):
        steps.append(Step(finish + rng.randint(7, 25), "confirm"))
    # Steps still to come have not happened yet (a demo loaded on an earlier day).
    return sorted((s for s in steps if s.day < today), key=lambda s: (s.day, ORDER[s.kind]))


ORDER = {"assign": 0, "start": 1, "propose": 2, "agree": 3, "refuse": 3, "milestone": 4, "update": 5, "request": 6,
         "sign_off": 7, "confirm": 8}


def schedule(calendar: Calendar, text: Text, pillar: Pillar, published: int, due: int, applies_to: str,
             teams: dict[int, Team], scenarios: dict[int, str], oversight: User, rng: random.Random,
             chosen: list[int] | None = None, reference: str | None = None) -> None:
    """Schedule the draft and its publishing, then each force's steps. ``teams`` and ``scenarios`` by force id;
    a force without a team keeps its action, owned by no one, not started."""
    session, state = calendar.session, {}
    draft_at = calendar.moment(published - rng.randint(7, 21), rng.randint(0, 420))

    def draft(at: datetime) -> None:
        state["commitment"] = commitments.save_draft(session, None, commitments.CommitmentFields(
            reference=reference or text.reference, title=text.title, pillar_id=pillar.id,
            due_date=calendar.today + timedelta(days=due), applies_to=applies_to, force_ids=chosen or [],
            description=text.description, success_measure=text.success_measure,
            evidence_expected=text.evidence_expected), oversight)
        state["commitment"].created_at = at

    def publish(at: datetime) -> None:
        commitment = state["commitment"]
        for member in commitments.publish(session, commitment, oversight, calendar.today + timedelta(days=published)):
            member.joined_at = at
            action = session.get(Action, member.action_id)
            action.created_at = action.updated_at = action.last_update_at = action.assigned_at = at
            state[member.force_id] = (member, action)
        commitment.published_at = at

    calendar.schedule(draft_at, draft)
    published_at = calendar.moment(published, rng.randint(0, 420))
    calendar.schedule(published_at, publish)
    for force_id in sorted(teams):
        previous = published_at
        for step in plan_force(rng, scenarios[force_id], text, published, due):
            at = max(calendar.moment(step.day, rng.randint(0, 480)), previous + timedelta(minutes=rng.randint(5, 40)))
            previous = at = min(at, calendar.now)
            calendar.schedule(at, _work(calendar, state, force_id, teams[force_id], oversight, step, text))


def _work(calendar: Calendar, state: dict, force_id: int, team: Team, oversight: User, step: Step,
          text: Text) -> Callable[[datetime], None]:
    session = calendar.session

    def day(offset: int) -> date:
        return calendar.today + timedelta(days=offset)

    def work(at: datetime) -> None:
        member, action = state[force_id]
        commitment = state["commitment"]
        kind, payload = step.kind, step.payload
        if kind == "assign":
            plans.update_action(session, action, plans.ActionFields(
                reference=action.reference, title=action.title, pillar_id=action.pillar_id, owner_id=team.owner.id,
                priority=action.priority, description=action.description, success_measure=action.success_measure,
                start_date=day(int(payload))), actor=team.manager)
            action.assigned_at = at
            count = len(text.milestones)
            for index, title in enumerate(text.milestones):
                due = day(int(payload)) + (action.current_due_date - day(int(payload))) * (index + 1) // count
                milestones.add(session, action, title, due, actor=team.manager).created_at = at
        elif kind in ("start", "request"):
            slug = "start" if kind == "start" else "request-sign-off"
            _touched(action, at, status.apply(session, action, slug, str(payload), actor=team.owner))
        elif kind == "sign_off":
            _touched(action, at, status.apply(session, action, "sign-off", str(payload), actor=team.manager,
                                              no_evidence_reason=DEMO_NO_EVIDENCE_REASON))
            action.completed_date = day(step.day)
        elif kind == "update":
            _touched(action, at, status.add_progress_update(session, action, str(payload), actor=team.owner))
        elif kind == "milestone":
            milestone = session.scalars(select(Milestone).where(Milestone.action_id == action.id)
                                        .order_by(Milestone.position)).all()[int(payload)]
            milestones.set_complete(session, milestone, True, actor=team.owner)
            milestone.completed_date = day(step.day)
            for event in session.new:
                if isinstance(event, AuditEvent) and event.event == "milestone.completed" and event.at is None:
                    event.changes = {"completed_date": [None, milestone.completed_date.isoformat()]}
        elif kind == "propose":
            commitment_reviews.propose(session, commitment, member, action, day(int(payload)),
                                       text.later, team.manager).proposed_at = at
        elif kind in ("agree", "refuse"):
            proposal = commitment_reviews.pending_proposal(session, member)
            reason = "" if kind == "agree" else "Other forces of this size met the date: keep to it, and tell us now."
            commitment_reviews.decide(session, commitment, proposal, action, kind == "agree", reason, oversight)
            proposal.decided_at = at
            if kind == "agree":
                session.flush()
                change = session.scalars(select(DueDateChange).where(DueDateChange.action_id == action.id)
                                         .order_by(DueDateChange.id.desc())).first()
                change.changed_at = at
            action.updated_at = at
        elif kind == "confirm":
            commitment_reviews.confirm(session, commitment, member, action, oversight)
            member.confirmed_at = at
    return work


def _touched(action: Action, at: datetime, update) -> None:
    update.created_at = action.last_update_at = action.updated_at = at


# --- seed-demo ----------------------------------------------------------------------------------


def national_accounts(session: Session, skip: tuple[str, ...]) -> list[DemoAccount]:
    """A programme manager and an action owner for each force outside ``skip`` (the pathfinders), named
    like the pathfinders' teams and left out of the sign-in table."""
    rng = random.Random(SEED)  # nosec B311  # seeded demo data, not a secret
    names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    result = []
    for force in session.scalars(select(Force).where(Force.code.not_in(skip)).order_by(Force.name)):
        result.append(DemoAccount("programme_manager", f"pm.{force.code}@demo.police.uk", names.pop(), force.code))
        result.append(DemoAccount("action_owner", f"owner1.{force.code}@demo.police.uk", names.pop(), force.code))
    return result


def accounts_made_by(today: date) -> int:
    """The demo's accounts were made a year ago, or five weeks before NC-01 was published if that is earlier."""
    return min(-365, (PHONES_PUBLISHED - today).days - 35)


def _teams(session: Session, people: dict[str, User], pillar: str) -> dict[int, Team]:
    """Each force's programme manager and the owner who holds the pillar's actions (a pathfinder's,
    as its own plan shares them out; any other force's one owner)."""
    teams = {}
    for force in session.scalars(select(Force)):
        manager = people[f"pm.{force.code}@demo.police.uk"]
        owners = len(TEAMS[force.code][1]) if force.code in TEAMS else 1
        number = OWNER_AREAS[owners][pillar] + 1 if owners in OWNER_AREAS else 1
        teams[force.id] = Team(manager, people[f"owner{number}.{force.code}@demo.police.uk"])
    return teams


def schedule_demo_commitments(calendar: Calendar, pillars: dict[str, Pillar], people: dict[str, User]) -> None:
    """seed-demo's hook: NC-01 and NC-02 on the demo's calendar, drafted and published by the oversight user."""
    session, today = calendar.session, calendar.today
    rng = random.Random(SEED + 1)  # nosec B311  # seeded demo data, not a secret
    oversight = people[OVERSIGHT.email]
    codes = {f.id: f.code for f in session.scalars(select(Force))}
    published = (PHONES_PUBLISHED - today).days
    if published < -1:
        scenarios = {force_id: PHONES_SCENARIOS.get(code, "confirmed") for force_id, code in codes.items()}
        schedule(calendar, PHONES, pillars[PHONES.pillar], published, (PHONES_DUE - today).days, "all",
                 _teams(session, people, PHONES.pillar), scenarios, oversight, rng)
    scenarios = {force_id: _weighted(rng, IN_PROGRESS_WEIGHTS) for force_id in sorted(codes)}
    schedule(calendar, LEARNING, pillars[LEARNING.pillar], -150, 120, "all", _teams(session, people, LEARNING.pillar),
             scenarios, oversight, rng)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# --- demo generate ------------------------------------------------------------------------------


class _Calendar:
    """The generator's calendar: seed-demo's way of playing service calls at simulated times."""

    def __init__(self, session: Session, today: date):
        self.session, self.today = session, today
        self.now = datetime.now(UTC).replace(tzinfo=None)
        self.current = self.now
        self.events: list[tuple[datetime, int, Callable[[datetime], None]]] = []

    def moment(self, offset: int, minutes: int) -> datetime:
        local = datetime.combine(self.today + timedelta(days=offset), time(9, 0), tzinfo=clock.LONDON)
        return min((local + timedelta(minutes=minutes)).astimezone(UTC).replace(tzinfo=None), self.now)

    def schedule(self, when: datetime, work: Callable[[datetime], None]) -> None:
        self.events.append((when, len(self.events), work))

    def _before_flush(self, session: Session, *_) -> None:
        for obj in session.new:
            if isinstance(obj, AuditEvent) and obj.at is None:
                obj.at = self.current

    def run(self) -> None:
        target = self.session() if isinstance(self.session, scoped_session) else self.session
        sa_event.listen(target, "before_flush", self._before_flush)
        try:
            for when, _, work in sorted(self.events, key=lambda e: (e[0], e[1])):
                self.current = when
                work(when)
            self.session.flush()
        finally:
            sa_event.remove(target, "before_flush", self._before_flush)


def _free_references(session: Session, count: int) -> list[str]:
    used = set(session.scalars(select(Commitment.reference)))
    free = (f"NC-{n}" for n in range(GENERATED_FIRST, 1000) if f"NC-{n}" not in used)
    return [next(free) for _ in range(count)]


def write_generated_commitments(session: Session, seed: int, today: date, domain: str, *,
                                only_if_none: bool = False) -> int:
    """Two commitments for the forces with this seed's programme managers, each force's action worked
    by its programme manager and first owner. With ``only_if_none``, only if this seed's national team
    has none yet (a dataset generated before commitments). Returns how many commitments were written."""
    oversight = session.scalar(select(User).where(User.email == f"oversight1.s{seed}@{domain}"))
    if oversight is None or (only_if_none and session.scalar(
            select(Commitment.id).where(Commitment.created_by_id == oversight.id).limit(1)) is not None):
        return 0
    managers = session.scalars(select(User).where(User.role == "programme_manager",
                                                  User.email.like(f"pm.%.s{seed}@{domain}"))).all()
    owners = {u.email: u for u in session.scalars(select(User).where(User.email.like(f"owner1.%.s{seed}@{domain}")))}
    teams = {m.force_id: Team(m, owners[m.email.replace("pm.", "owner1.", 1)]) for m in managers}
    if not teams:
        return 0
    rng = random.Random(f"{seed}:commitments")  # nosec B311  # seeded generated data, not a secret
    pillars = {p.code: p for p in session.scalars(select(Pillar))}
    calendar = _Calendar(session, today)
    chosen = sorted(teams)
    for text, published, due, weights, reference in zip(
            (PHONES, LEARNING), (-300, -150), (-120, 120), (PAST_DUE_WEIGHTS, IN_PROGRESS_WEIGHTS),
            _free_references(session, 2), strict=True):
        scenarios = {force_id: _weighted(rng, weights) for force_id in chosen}
        schedule(calendar, text, pillars[text.pillar], published, due, "chosen", teams, scenarios, oversight, rng,
                 chosen=chosen, reference=reference)
    calendar.run()
    return 2
