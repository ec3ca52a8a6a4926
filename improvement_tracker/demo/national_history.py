"""Each generated action's year of history, decided then written: status changes in progress
updates, narrative updates, milestones completed, a re-plan, a declared RAG, evidence to upload.

The history ends in the status the plan chose for the action (complete, blocked...), so the
action's row, its updates and its dates agree as the services would have left them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from improvement_tracker.demo.national_rows import Generation, insert_rows
from improvement_tracker.models import Action, DueDateChange, Milestone, ProgressUpdate
from improvement_tracker.services import plan_rules

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


@dataclass
class PlannedAction:
    """One action as planned: its row, where it is heading, and the history decided for it."""

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


# (review state, day offset) of one file to upload, and the action it is for.
EvidenceItem = tuple[tuple[str, int], PlannedAction]


def write_actions(gen: Generation, planned: list[PlannedAction]) -> list[EvidenceItem]:
    """Decide each action's history, then insert the actions, milestones, progress updates and re-plans,
    with the audit events those writes would have left. Returns the evidence still to upload."""
    rng = gen.rng
    for plan in planned:
        script(gen, plan)
    ids = insert_rows(gen.session, Action, [p.row for p in planned], ids=True)
    milestones, updates, changes, evidence = [], [], [], []
    for plan, action_id in zip(planned, ids, strict=True):
        plan.id = action_id
        row = plan.row
        gen.event(plan.pm, "action.created", "action", action_id, row["created_at"], force_id=row["force_id"],
                  action_id=action_id, summary=f"Created action {row['reference']}",
                  changes={"reference": [None, row["reference"]], "title": [None, row["title"]],
                           "current_due_date": [None, gen.day(plan.original_due).isoformat()]})
        for position, (title, due, done) in enumerate(plan.milestones, start=1):
            milestones.append(({"action_id": action_id, "title": title, "due_date": due, "completed_date": done,
                                "completed_by_id": plan.owner if done else None, "position": position,
                                "created_at": row["created_at"]}, plan))
        for at, author, note, old, new in plan.updates:
            updates.append(({"action_id": action_id, "author_id": author, "text": note, "status_from": old,
                             "status_to": new, "created_at": at}, plan))
        if plan.replan_at is not None:
            at = gen.moment(plan.replan_at)
            reason = "The supplier's delivery date moved; agreed at the programme board."
            changes.append({"action_id": action_id, "old_date": gen.day(plan.original_due),
                            "new_date": gen.day(plan.due), "reason": reason, "changed_by_id": plan.pm,
                            "changed_at": at})
            gen.event(plan.pm, "action.due_date_changed", "action", action_id, at, force_id=row["force_id"],
                      action_id=action_id, summary=f"Moved the due date of {row['reference']}",
                      changes={"current_due_date": [gen.day(plan.original_due).isoformat(),
                                                    gen.day(plan.due).isoformat()], "reason": [None, reason]})
        if row["declared_rag"]:
            gen.event(plan.pm, "action.rag_declared", "action", action_id, row["declared_rag_at"],
                      force_id=row["force_id"], action_id=action_id,
                      summary=f"Declared RAG on {row['reference']}",
                      changes={"declared_rag": [None, row["declared_rag"]],
                               "reason": [None, row["declared_rag_reason"]]})
        evidence += [(item, plan) for item in plan.evidence]

    milestone_ids = insert_rows(gen.session, Milestone, [m for m, _ in milestones], ids=True)
    for (row, plan), milestone_id in zip(milestones, milestone_ids, strict=True):
        action = plan.row
        gen.event(plan.pm, "milestone.created", "milestone", milestone_id, action["created_at"],
                  force_id=action["force_id"], action_id=plan.id,
                  summary=f"Added milestone to {action['reference']}",
                  changes={"title": [None, row["title"]], "due_date": [None, row["due_date"].isoformat()]})
        if row["completed_date"]:
            gen.event(plan.owner, "milestone.completed", "milestone", milestone_id,
                      datetime.combine(row["completed_date"], time(15, rng.randint(0, 59))),
                      force_id=action["force_id"], action_id=plan.id,
                      summary=f"Completed milestone on {action['reference']}",
                      changes={"completed_date": [None, row["completed_date"].isoformat()]})
    update_ids = insert_rows(gen.session, ProgressUpdate, [u for u, _ in updates], ids=True)
    for (row, plan), update_id in zip(updates, update_ids, strict=True):
        action = plan.row
        if row["status_to"]:
            slug = {"in_progress": "start", "awaiting_sign_off": "request_sign_off", "complete": "sign_off",
                    "blocked": "block", "closed_not_needed": "close"}[row["status_to"]]
            gen.event(row["author_id"], f"action.{slug}", "action", plan.id, row["created_at"],
                      force_id=action["force_id"], action_id=plan.id,
                      summary=f"{slug.replace('_', ' ').capitalize()}: {action['reference']}",
                      changes={"status": [row["status_from"], row["status_to"]], "note": [None, row["text"]]})
        else:
            gen.event(row["author_id"], "progress_update.created", "progress_update", update_id,
                      row["created_at"], force_id=action["force_id"], action_id=plan.id,
                      summary=f"Progress update on {action['reference']}", changes={"text": [None, row["text"]]})
    insert_rows(gen.session, DueDateChange, changes)
    return evidence


def script(gen: Generation, plan: PlannedAction) -> None:
    """Decide the action's history: its updates, status changes, milestones and evidence."""
    rng = gen.rng
    row = plan.row
    status = "not_started"
    updates: list[tuple[datetime, int, str, str | None, str | None]] = []
    day = plan.start

    def say(offset: int, author: int, text: str, new: str | None = None) -> None:
        nonlocal status
        at = gen.moment(offset)
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
        row["completed_date"] = gen.day(end)
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
            done = gen.day(min(due + rng.randint(-10, 5), end))
        elif due < -1 and status != "not_started" and rng.random() < 0.7:
            done = gen.day(max(min(due + rng.randint(-10, 10), -1), day))
        plan.milestones.append((f"Milestone {n + 1}: {rng.choice(SUBJECTS)}", gen.day(due), done))

    # Evidence: accepted for finished work, waiting for review when sign-off is asked for.
    if status == "complete":
        plan.evidence += [("accepted", end - 1) for _ in range(rng.randint(1, 2))]
    elif status == "awaiting_sign_off":
        plan.evidence.append(("submitted", end))
    elif status == "in_progress" and rng.random() < 0.3:
        plan.evidence.append((rng.choice(("submitted", "accepted", "accepted", "rejected")), -rng.randint(2, 40)))
    if plan_rules.is_open(status) and rng.random() < 0.06:
        rag = rng.choice(("red", "amber", "green"))
        row.update(declared_rag=rag, declared_rag_reason="The programme board's view at the last review.",
                   declared_rag_by_id=plan.pm, declared_rag_at=gen.moment(-rng.randint(1, 30)))
