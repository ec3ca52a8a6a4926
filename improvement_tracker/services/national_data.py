"""Generated national-scale data: every force's plan at once, for load tests and benchmarks.

`seed-demo` plays five hand-written plans through the services, which is right for trying the
service out and far too slow for 43 forces. This writes the same kinds of rows in bulk instead:
users, one deep dive per force, findings, actions with a year of history (status changes in
progress updates, re-plans, milestones completed, evidence uploaded and reviewed, declared RAGs),
the audit events those writes would have left, real evidence files in the configured storage,
the reminders the scheduler would have sent over the last weeks (run by the real reminders
service day by day) and a year of daily snapshots (rebuilt by the snapshots service).

Deterministic for a seed (the same plans, people and dates relative to `today`), and
idempotent per seed: a seed whose accounts exist adds nothing. References and emails carry the
seed, so two seeds can sit side by side. Refused in production (the accounts share a published
password).
"""

from __future__ import annotations

import io
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from improvement_tracker.models import (
    Action,
    AuditEvent,
    DeepDive,
    DueDateChange,
    Finding,
    Force,
    Milestone,
    Pillar,
    ProgressUpdate,
    User,
)
from improvement_tracker.models.evidence import Evidence
from improvement_tracker.models.notifications import Notification, ReminderClaim
from improvement_tracker.services import dashboards, reminders, settings, snapshots, users
from improvement_tracker.services.storage import Storage
from improvement_tracker.services.working_days import is_working_day

# Published on purpose: printed by the command, which refuses to run in production.
PASSWORD = "generated password 2026"  # noqa: S105  # nosec B105  # published on purpose
DOMAIN = "generated.police.uk"
BATCH = 2000

FINDING_TYPES = ("cause_of_concern", "recommendation", "area_for_improvement", "promising_practice")
VERBS = ("Introduce", "Review", "Train", "Embed", "Audit", "Publish", "Agree", "Pilot", "Refresh", "Extend")
SUBJECTS = (
    "the victim engagement plan", "supervision of early investigative actions", "digital forensic triage",
    "suspect-focused investigation guidance", "disclosure checks before charge", "ISVA referral pathways",
    "the RASSO investigator workload model", "case file quality reviews", "wellbeing support for investigators",
    "data quality in the crime recording system", "bail and released-under-investigation reviews",
    "joint working with the CPS", "learning from victim feedback", "repeat suspect identification",
)
NOTES = (
    "Met the working group; actions agreed and owners confirmed.",
    "Draft circulated to the senior leadership team for comment.",
    "Training sessions booked for all RASSO teams.",
    "Pilot running in two local policing areas; first results look positive.",
    "Waiting on the IT change board before the form can go live.",
    "Supervisors briefed; dip sample of 20 cases completed.",
    "Feedback from ISVAs collected and shared with the team.",
    "Procurement approved; supplier onboarding under way.",
)
# How the plan stands by now, for actions whose due date has passed and for those still to come.
STATUS_WEIGHTS = {
    "past": {"complete": 55, "in_progress": 20, "awaiting_sign_off": 6, "blocked": 6, "not_started": 5,
             "closed_not_needed": 8},
    "future": {"complete": 12, "in_progress": 50, "awaiting_sign_off": 7, "blocked": 6, "not_started": 18,
               "closed_not_needed": 7},
}


@dataclass
class GenerateResult:
    created: bool
    seed: int
    password: str
    sign_ins: list[tuple[str, str]]
    counts: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)


def admin_email(seed: int) -> str:
    return f"admin.s{seed}@{DOMAIN}"


def present(session: Session, seed: int) -> bool:
    return session.scalar(select(User.id).where(User.email == admin_email(seed))) is not None


def counts(session: Session) -> dict[str, int]:
    def count(model) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    return {"forces with plans": session.scalar(select(func.count(func.distinct(Action.force_id)))) or 0,
            "users": count(User), "findings": count(Finding), "actions": count(Action),
            "milestones": count(Milestone), "progress updates": count(ProgressUpdate),
            "re-plans": count(DueDateChange), "evidence files": count(Evidence), "audit events": count(AuditEvent),
            "emails": count(Notification), "reminder items": count(ReminderClaim),
            "snapshot rows": session.scalar(select(func.count()).select_from(snapshots.ProgressSnapshot)) or 0}


def _insert(session: Session, model, rows: list[dict], *, ids: bool = False) -> list[int]:
    """Insert in batches; with ids=True return the new ids in the rows' order."""
    new_ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        if ids:
            result = session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), chunk)
            new_ids += [row[0] for row in result]
        else:
            session.execute(insert(model), chunk)
    return new_ids


class _Generator:
    def __init__(self, session: Session, seed: int, today: date, storage: Storage, max_upload: int):
        self.session = session
        self.seed = seed
        self.today = today
        self.storage = storage
        self.max_upload = max_upload
        self.rng = random.Random(seed)  # nosec B311  # seeded generated data, not a secret
        self.audit: list[dict] = []

    # Time: naive UTC like every stored timestamp, in office hours, never after yesterday.
    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def moment(self, offset: int, minutes: int | None = None) -> datetime:
        minutes = self.rng.randint(0, 480) if minutes is None else minutes
        return datetime.combine(self.day(min(offset, -1)), time(8, 0)) + timedelta(minutes=minutes)

    def event(self, actor_id: int | None, name: str, object_type: str, object_id: int | None, at: datetime,
              *, force_id: int | None = None, action_id: int | None = None, summary: str = "",
              changes: dict[str, list[Any]] | None = None) -> None:
        self.audit.append({"actor_id": actor_id, "event": name, "object_type": object_type, "object_id": object_id,
                           "force_id": force_id, "action_id": action_id, "summary": summary[:255],
                           "changes": changes or {}, "at": at})

    # --- people ---------------------------------------------------------------------
    def people(self, forces: list[Force], owners_per_force: int) -> dict[str, Any]:
        password_hash = users.hash_password(PASSWORD)  # one hash for every generated account
        created = self.moment(-400, 0)
        rows = [{"email": admin_email(self.seed), "name": "Generated Administrator", "role": "admin",
                 "force_id": None}]
        rows += [{"email": f"oversight{n}.s{self.seed}@{DOMAIN}", "name": f"Oversight Analyst {n}",
                  "role": "oversight", "force_id": None} for n in (1, 2)]
        for force in forces:
            rows.append({"email": f"pm.{force.code}.s{self.seed}@{DOMAIN}", "name": f"{force.name} Programme Manager",
                         "role": "programme_manager", "force_id": force.id})
            rows += [{"email": f"owner{n}.{force.code}.s{self.seed}@{DOMAIN}",
                      "name": f"{force.name} Owner {n}", "role": "action_owner", "force_id": force.id}
                     for n in range(1, owners_per_force + 1)]
        for row in rows:
            row.update(password_hash=password_hash, session_token=secrets.token_hex(16), active=True,
                       reminders_enabled=True, weekly_summary=True, created_at=created)
        ids = _insert(self.session, User, rows, ids=True)
        admin_id = ids[0]
        by_force: dict[int, dict[str, Any]] = {f.id: {"pm": None, "owners": []} for f in forces}
        for row, user_id in zip(rows, ids, strict=True):
            self.event(admin_id, "user.created", "user", user_id, created, force_id=row["force_id"],
                       summary=f"Created account {row['email']}",
                       changes={"email": [None, row["email"]], "role": [None, row["role"]]})
            if row["role"] == "programme_manager":
                by_force[row["force_id"]]["pm"] = user_id
            elif row["role"] == "action_owner":
                by_force[row["force_id"]]["owners"].append(user_id)
        return {"admin": admin_id, "forces": by_force, "rows": rows}

    # --- plans ----------------------------------------------------------------------
    def plans(self, forces: list[Force], pillars: list[Pillar], people: dict, actions_per_force: int) -> None:
        rng = self.rng
        findings_per_force = max(1, actions_per_force // 5)
        dive_rows, finding_rows, finding_meta = [], [], []
        for force in forces:
            team = people["forces"][force.id]
            recorded = -365 + rng.randint(0, 45)
            at = self.moment(recorded)
            dive_rows.append({"force_id": force.id, "title": "Operation Soteria deep dive",
                              "period": "2024 to 2025", "lead": "National Operating Model academic team",
                              "summary": f"Findings of the deep dive into rape investigation in {force.name}.",
                              "created_at": at, "updated_at": at, "_pm": team["pm"], "_recorded": recorded})
        dive_ids = _insert(self.session, DeepDive, [_public(r) for r in dive_rows], ids=True)
        for force, dive, dive_id in zip(forces, dive_rows, dive_ids, strict=True):
            self.event(dive["_pm"], "deep_dive.created", "deep_dive", dive_id, dive["created_at"], force_id=force.id,
                       summary=f"Recorded deep dive {dive['title']}", changes={"title": [None, dive["title"]]})
            numbers: dict[str, int] = {}
            for n in range(findings_per_force):
                pillar = pillars[n % len(pillars)] if n < len(pillars) else rng.choice(pillars)
                numbers[pillar.code] = numbers.get(pillar.code, 0) + 1
                reference = f"G{self.seed}-{pillar.code}-{numbers[pillar.code]:02d}"
                at = self.moment(dive["_recorded"] + rng.randint(0, 5))
                finding_rows.append({
                    "deep_dive_id": dive_id, "force_id": force.id, "pillar_id": pillar.id, "reference": reference,
                    "type": rng.choice(FINDING_TYPES), "title": f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)}",
                    "detail": "The deep dive found practice that varied between teams. " * 3,
                    "priority": rng.choice(("high", "medium", "medium", "low")), "created_at": at, "updated_at": at})
                finding_meta.append((force, dive["_recorded"], people["forces"][force.id]))
        finding_ids = _insert(self.session, Finding, finding_rows, ids=True)
        for row, finding_id, (force, _, team) in zip(finding_rows, finding_ids, finding_meta, strict=True):
            self.event(team["pm"], "finding.created", "finding", finding_id, row["created_at"], force_id=force.id,
                       summary=f"Recorded finding {row['reference']}",
                       changes={"reference": [None, row["reference"]], "title": [None, row["title"]]})

        # Spread each force's actions over its findings: five each, the remainder on the first.
        plans: list[_PlannedAction] = []
        per_force: dict[int, list[int]] = {}
        for index, (force, _, _) in enumerate(finding_meta):
            per_force.setdefault(force.id, []).append(index)
        for force in forces:
            indexes = per_force[force.id]
            shares = [actions_per_force // len(indexes)] * len(indexes)
            shares[0] += actions_per_force - sum(shares)
            for index, share in zip(indexes, shares, strict=True):
                row, (_, recorded, team) = finding_rows[index], finding_meta[index]
                for letter in range(share):
                    plans.append(self.plan_action(force, row, finding_ids[index], letter, recorded, team))
        self.write_actions(plans)

    def plan_action(self, force: Force, finding: dict, finding_id: int, letter: int, recorded: int,
                    team: dict) -> _PlannedAction:
        rng = self.rng
        created = min(recorded + rng.randint(5, 200), -8)
        start = created + rng.randint(0, 14)
        original_due = start + rng.randint(60, 420)
        due = original_due
        replan_at = None
        if rng.random() < 0.15:
            replan_at = min(rng.randint(created + 1, max(created + 1, original_due + 10)), -2)
            due = original_due + rng.randint(14, 120)
        weights = STATUS_WEIGHTS["past" if due < 0 else "future"]
        target = rng.choices(list(weights), weights=list(weights.values()))[0]
        if created > -30 and target != "not_started" and rng.random() < 0.6:
            target = "not_started"
        suffix = chr(ord("A") + letter % 26) + ("" if letter < 26 else str(letter // 26))
        owner = rng.choice(team["owners"])
        return _PlannedAction(
            row={"force_id": force.id, "finding_id": finding_id, "pillar_id": finding["pillar_id"],
                 "reference": f"{finding['reference']}-{suffix}",
                 "title": f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)}",
                 "description": "What the force will do, who is involved and how it will be resourced. " * 2,
                 "success_measure": "A dip sample shows the new practice in at least 90% of cases.",
                 "owner_id": owner, "priority": rng.choice(("high", "medium", "medium", "low")),
                 "status": "not_started", "status_reason": None, "start_date": self.day(start),
                 "original_due_date": self.day(original_due), "current_due_date": self.day(due),
                 "completed_date": None, "signed_off_by_id": None, "declared_rag": None,
                 "declared_rag_reason": None, "declared_rag_by_id": None, "declared_rag_at": None,
                 "assigned_at": self.moment(created, 0), "last_update_at": self.moment(created, 0),
                 "created_at": self.moment(created, 0), "updated_at": self.moment(created, 0)},
            target=target, created=created, start=start, due=due, original_due=original_due,
            replan_at=replan_at, owner=owner, pm=team["pm"])

    def write_actions(self, planned: list[_PlannedAction]) -> None:
        rng = self.rng
        for plan in planned:
            self.script(plan)
        ids = _insert(self.session, Action, [p.row for p in planned], ids=True)
        milestones, updates, changes, evidence = [], [], [], []
        for plan, action_id in zip(planned, ids, strict=True):
            plan.id = action_id
            row = plan.row
            self.event(plan.pm, "action.created", "action", action_id, row["created_at"], force_id=row["force_id"],
                       action_id=action_id, summary=f"Created action {row['reference']}",
                       changes={"reference": [None, row["reference"]], "title": [None, row["title"]],
                                "current_due_date": [None, self.day(plan.original_due).isoformat()]})
            for position, (title, due, done) in enumerate(plan.milestones, start=1):
                milestones.append(({"action_id": action_id, "title": title, "due_date": due, "completed_date": done,
                                    "completed_by_id": plan.owner if done else None, "position": position,
                                    "created_at": row["created_at"]}, plan))
            for at, author, note, old, new in plan.updates:
                updates.append(({"action_id": action_id, "author_id": author, "text": note, "status_from": old,
                                 "status_to": new, "created_at": at}, plan))
            if plan.replan_at is not None:
                at = self.moment(plan.replan_at)
                reason = "The supplier's delivery date moved; agreed at the programme board."
                changes.append({"action_id": action_id, "old_date": self.day(plan.original_due),
                                "new_date": self.day(plan.due), "reason": reason, "changed_by_id": plan.pm,
                                "changed_at": at})
                self.event(plan.pm, "action.due_date_changed", "action", action_id, at, force_id=row["force_id"],
                           action_id=action_id, summary=f"Moved the due date of {row['reference']}",
                           changes={"current_due_date": [self.day(plan.original_due).isoformat(),
                                                         self.day(plan.due).isoformat()], "reason": [None, reason]})
            if row["declared_rag"]:
                self.event(plan.pm, "action.rag_declared", "action", action_id, row["declared_rag_at"],
                           force_id=row["force_id"], action_id=action_id,
                           summary=f"Declared RAG on {row['reference']}",
                           changes={"declared_rag": [None, row["declared_rag"]],
                                    "reason": [None, row["declared_rag_reason"]]})
            evidence += [(item, plan) for item in plan.evidence]

        milestone_ids = _insert(self.session, Milestone, [m for m, _ in milestones], ids=True)
        for (row, plan), milestone_id in zip(milestones, milestone_ids, strict=True):
            action = plan.row
            self.event(plan.pm, "milestone.created", "milestone", milestone_id, action["created_at"],
                       force_id=action["force_id"], action_id=plan.id,
                       summary=f"Added milestone to {action['reference']}",
                       changes={"title": [None, row["title"]], "due_date": [None, row["due_date"].isoformat()]})
            if row["completed_date"]:
                self.event(plan.owner, "milestone.completed", "milestone", milestone_id,
                           datetime.combine(row["completed_date"], time(15, rng.randint(0, 59))),
                           force_id=action["force_id"], action_id=plan.id,
                           summary=f"Completed milestone on {action['reference']}",
                           changes={"completed_date": [None, row["completed_date"].isoformat()]})
        update_ids = _insert(self.session, ProgressUpdate, [u for u, _ in updates], ids=True)
        for (row, plan), update_id in zip(updates, update_ids, strict=True):
            action = plan.row
            if row["status_to"]:
                slug = {"in_progress": "start", "awaiting_sign_off": "request_sign_off", "complete": "sign_off",
                        "blocked": "block", "closed_not_needed": "close"}[row["status_to"]]
                self.event(row["author_id"], f"action.{slug}", "action", plan.id, row["created_at"],
                           force_id=action["force_id"], action_id=plan.id,
                           summary=f"{slug.replace('_', ' ').capitalize()}: {action['reference']}",
                           changes={"status": [row["status_from"], row["status_to"]], "note": [None, row["text"]]})
            else:
                self.event(row["author_id"], "progress_update.created", "progress_update", update_id,
                           row["created_at"], force_id=action["force_id"], action_id=plan.id,
                           summary=f"Progress update on {action['reference']}", changes={"text": [None, row["text"]]})
        _insert(self.session, DueDateChange, changes)
        self.write_evidence(evidence)
        _insert(self.session, AuditEvent, self.audit)
        self.audit = []

    def script(self, plan: _PlannedAction) -> None:
        """Decide the action's history: its updates, status changes, milestones and evidence."""
        rng = self.rng
        row = plan.row
        status = "not_started"
        updates: list[tuple[datetime, int, str, str | None, str | None]] = []
        day = plan.start

        def say(offset: int, author: int, text: str, new: str | None = None) -> None:
            nonlocal status
            at = self.moment(offset)
            if updates and at <= updates[-1][0]:
                at = updates[-1][0] + timedelta(minutes=rng.randint(5, 90))
            updates.append((at, author, text, status if new else None, new))
            if new:
                status = new

        target = plan.target
        end = -1
        if target != "not_started" and not (target == "closed_not_needed" and rng.random() < 0.3):
            day = min(plan.start + rng.randint(0, 20), -3)
            say(day, plan.owner, "Work has started.", "in_progress")
        if target in ("complete", "awaiting_sign_off"):
            end = min(max(day + 2, plan.due - rng.randint(-20, 40)), -2 if target == "complete" else -1)
        elif target in ("blocked", "closed_not_needed"):
            end = min(max(day + 2, rng.randint(day + 1, max(day + 2, -2))), -1)
        # Narrative updates between the start and the end, fewer for quiet actions.
        if status == "in_progress":
            quiet = target == "in_progress" and rng.random() < 0.2
            last = end if target != "in_progress" else (-rng.randint(30, 60) if quiet else -rng.randint(1, 20))
            count = rng.randint(2, 7)
            for offset in sorted(rng.randint(day, max(day, last)) for _ in range(count)):
                say(offset, plan.owner if rng.random() < 0.85 else plan.pm, rng.choice(NOTES))
        if target == "complete":
            request = max(end - rng.randint(1, 10), day)
            say(request, plan.owner, "All milestones met; evidence uploaded.", "awaiting_sign_off")
            say(end, plan.pm, "Evidence checked against the success measure.", "complete")
            row["completed_date"] = self.day(end)
            row["signed_off_by_id"] = plan.pm
        elif target == "awaiting_sign_off":
            say(end, plan.owner, "Ready for sign-off.", "awaiting_sign_off")
        elif target == "blocked":
            reason = "Waiting for the regional forensic contract to be renewed."
            say(end, plan.owner, reason, "blocked")
            row["status_reason"] = reason
        elif target == "closed_not_needed":
            reason = "Superseded by the national guidance published this year."
            say(end, plan.pm, reason, "closed_not_needed")
            row["status_reason"] = reason
        row["status"] = status
        if updates:
            row["last_update_at"] = row["updated_at"] = updates[-1][0]
        plan.updates = updates

        # Milestones evenly spread from the start to the due date.
        count = rng.randint(2, 6)
        span = max(plan.due - plan.start, count)
        for n in range(count):
            due = plan.start + span * (n + 1) // count
            done = None
            if status == "complete":
                done = self.day(min(due + rng.randint(-10, 5), end))
            elif due < -1 and status != "not_started" and rng.random() < 0.7:
                done = self.day(max(min(due + rng.randint(-10, 10), -1), day))
            plan.milestones.append((f"Milestone {n + 1}: {rng.choice(SUBJECTS)}", self.day(due), done))

        # Evidence: accepted for finished work, waiting for review when sign-off is asked for.
        if status == "complete":
            plan.evidence += [("accepted", end - 1) for _ in range(rng.randint(1, 2))]
        elif status == "awaiting_sign_off":
            plan.evidence.append(("submitted", end))
        elif status == "in_progress" and rng.random() < 0.3:
            plan.evidence.append((rng.choice(("submitted", "accepted", "accepted", "rejected")), -rng.randint(2, 40)))
        if status not in ("complete", "closed_not_needed") and rng.random() < 0.06:
            rag = rng.choice(("red", "amber", "green"))
            row.update(declared_rag=rag, declared_rag_reason="The programme board's view at the last review.",
                       declared_rag_by_id=plan.pm, declared_rag_at=self.moment(-rng.randint(1, 30)))

    def write_evidence(self, items: list[tuple[tuple[str, int], _PlannedAction]]) -> None:
        rows = []
        for (state, offset), plan in items:
            action = plan.row
            name = f"{action['reference']} evidence {len(rows) + 1}.txt"
            content = (f"Evidence for {action['reference']}: {action['title']}\n"
                       f"Generated file {len(rows) + 1} (seed {self.seed}).\n").encode()
            staged = self.storage.stage(io.BytesIO(content), self.max_upload)
            key = self.storage.commit(staged)
            uploaded = self.moment(max(offset, plan.created + 1))
            reviewed = uploaded + timedelta(days=1) if state != "submitted" else None
            rows.append({
                "force_id": action["force_id"], "action_id": plan.id, "milestone_id": None,
                "uploaded_by_id": plan.owner, "uploaded_at": uploaded, "original_filename": name,
                "storage_key": key, "file_type": "txt", "content_type": "text/plain", "size_bytes": staged.size,
                "sha256": staged.sha256, "description": "Minutes and dip-sample results.", "scan_state": "not_scanned",
                "review_state": state, "review_reason": "The file does not show the success measure."
                if state == "rejected" else None, "reviewed_by_id": plan.pm if reviewed else None,
                "reviewed_at": reviewed})
        ids = _insert(self.session, Evidence, rows, ids=True)
        for row, evidence_id in zip(rows, ids, strict=True):
            self.event(row["uploaded_by_id"], "evidence.uploaded", "evidence", evidence_id, row["uploaded_at"],
                       force_id=row["force_id"], action_id=row["action_id"],
                       summary=f"Uploaded evidence {row['original_filename']}",
                       changes={"file": [None, row["original_filename"]], "sha256": [None, row["sha256"]]})
            if row["reviewed_at"]:
                self.event(row["reviewed_by_id"], f"evidence.{row['review_state']}", "evidence", evidence_id,
                           row["reviewed_at"], force_id=row["force_id"], action_id=row["action_id"],
                           summary=f"Reviewed evidence {row['original_filename']}",
                           changes={"review_state": ["submitted", row["review_state"]]})


@dataclass
class _PlannedAction:
    row: dict[str, Any]
    target: str
    created: int
    start: int
    due: int
    original_due: int
    replan_at: int | None
    owner: int
    pm: int
    id: int = 0
    updates: list = field(default_factory=list)
    milestones: list = field(default_factory=list)
    evidence: list = field(default_factory=list)


def _public(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def replay_reminders(session: Session, today: date, days: int) -> int:
    """Run the real daily reminders for each working day of the last `days` days, as sent.

    Gives the ledger, the "reminders sent" tables and the claims a history, so the next real
    run is a steady-state day rather than a first-day catch-up.
    """
    config = settings.load(session)
    emails = 0
    for n in range(days, 0, -1):
        day = today - timedelta(days=n)
        if not is_working_day(day):
            continue
        before = session.scalar(select(func.coalesce(func.max(Notification.id), 0)))
        claims_before = session.scalar(select(func.coalesce(func.max(ReminderClaim.id), 0)))
        report = reminders.run_daily(session, day, config)
        at = datetime.combine(day, time(7, 0))
        session.execute(update(Notification).where(Notification.id > before).values(
            status="sent", attempts=1, created_at=at, next_attempt_at=at, sent_at=at + timedelta(minutes=2)))
        session.execute(update(ReminderClaim).where(ReminderClaim.id > claims_before).values(created_at=at))
        session.commit()
        emails += len(report.notifications)
    return emails


def generate(session: Session, *, forces: int, actions_per_force: int, seed: int, today: date,
             storage: Storage, max_upload: int, snapshot_days: int = 365, reminder_days: int = 21,
             progress: Callable[[str], None] | None = None) -> GenerateResult:
    """Generate (and commit) a national dataset unless this seed's is already there."""
    import time as timer

    say = progress or (lambda _message: None)
    sign_ins = [("Administrator", admin_email(seed)), ("Oversight", f"oversight1.s{seed}@{DOMAIN}")]
    if present(session, seed):
        return GenerateResult(False, seed, PASSWORD, sign_ins + _force_sign_ins(session, seed), counts(session))
    chosen = list(session.scalars(select(Force).order_by(Force.name).limit(forces)))
    pillars = list(session.scalars(select(Pillar).order_by(Pillar.display_order)))
    if len(chosen) < forces or not pillars:
        raise ValueError(f"Only {len(chosen)} forces and {len(pillars)} pillars: run the migrations first")
    seconds: dict[str, float] = {}
    generator = _Generator(session, seed, today, storage, max_upload)

    def timed(label: str, work: Callable[[], Any]) -> Any:
        say(f"{label}…")
        started = timer.perf_counter()
        result = work()
        seconds[label] = round(timer.perf_counter() - started, 1)
        return result

    people = timed("people", lambda: generator.people(chosen, max(3, actions_per_force // 20)))
    timed("plans, history and evidence", lambda: generator.plans(chosen, pillars, people, actions_per_force))
    session.commit()
    # Fresh planner statistics after a bulk load (autovacuum would get there, later).
    session.execute(text("ANALYZE"))
    session.commit()
    timed("reminders sent over the last weeks", lambda: replay_reminders(session, today, reminder_days))
    timed("daily snapshots", lambda: _snapshots(session, today, snapshot_days))
    return GenerateResult(True, seed, PASSWORD, sign_ins + _force_sign_ins(session, seed), counts(session), seconds)


def _snapshots(session: Session, today: date, days: int) -> None:
    snapshots.backfill(session, today, days)
    snapshots.build_live(session, today)
    session.commit()
    # What the scheduler precomputes at 06:15 for the national dashboard.
    dashboards.refresh_national_cache(session, today)
    session.commit()


def _force_sign_ins(session: Session, seed: int) -> list[tuple[str, str]]:
    first = session.scalar(select(User).where(User.role == "programme_manager",
                                              User.email.like(f"pm.%.s{seed}@{DOMAIN}")).order_by(User.email))
    if first is None:
        return []
    code = first.email.split(".")[1]
    return [(f"Programme manager ({first.force.name})", first.email),
            (f"Action owner ({first.force.name})", f"owner1.{code}.s{seed}@{DOMAIN}")]

