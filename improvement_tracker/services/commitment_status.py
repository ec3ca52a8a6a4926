"""Where a commitment stands across the forces it applies to: each force's linked action (status,
computed RAG, due date, owner, the national confirmation) and the counts by status and RAG.

"Signed off by the force, awaiting national confirmation" is written once, here: the force's action
is complete and the national team has not confirmed it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from improvement_tracker.models import Action, Commitment, CommitmentForce, Force, Milestone, User
from improvement_tracker.services import plan_rules
from improvement_tracker.services.status import STATUS_LABELS
from improvement_tracker.services.tables import Table

AWAITING_CONFIRMATION = "Signed off by the force, awaiting national confirmation"
CONFIRMED = "Confirmed by the national team"


def stage(action_status: str, national_state: str | None) -> str:
    """A force's standing on a commitment as a key: the action's status, except that a completed one is
    "confirmed" or "awaiting_confirmation" (the daily snapshots count forces by it)."""
    if action_status == "complete":
        return "confirmed" if national_state == "confirmed" else "awaiting_confirmation"
    return action_status


def standing(action_status: str, national_state: str | None) -> str:
    """A force's standing on a commitment, in words every page and export uses."""
    key = stage(action_status, national_state)
    words = {"confirmed": CONFIRMED, "awaiting_confirmation": AWAITING_CONFIRMATION}
    return words.get(key) or STATUS_LABELS.get(key, key)


@dataclass
class Across:
    """A published commitment across its forces: the force-by-force table and the counts."""

    table: Table
    by_standing: Counter = field(default_factory=Counter)
    by_rag: Counter = field(default_factory=Counter)
    overdue: list[str] = field(default_factory=list)
    awaiting: list[tuple[str, str]] = field(default_factory=list)  # (force name, code) to confirm or return


def across(session: Session, commitment: Commitment, today: date, force_id: int | None = None) -> Across:
    """One query: every force's linked action (or only ``force_id``'s: a programme manager sees their
    own force's, never another force's owner or standing) with its owner and whether a milestone is
    overdue."""
    overdue_milestone = exists().where(Milestone.action_id == Action.id, plan_rules.milestone_overdue_sql(today))
    rows = session.execute(
        select(Force.name, Force.code, CommitmentForce.membership, CommitmentForce.national_state, Action.id,
               Action.status, Action.current_due_date, Action.last_update_at, User.name, overdue_milestone)
        .join(CommitmentForce, CommitmentForce.force_id == Force.id)
        .join(Action, Action.id == CommitmentForce.action_id)
        .outerjoin(User, and_(User.id == Action.owner_id))
        .where(CommitmentForce.commitment_id == commitment.id,
               *([CommitmentForce.force_id == force_id] if force_id is not None else []))
        .order_by(Force.name))
    table = Table("forces", f"{commitment.reference} force by force",
                  ["Force", "Standing", "Computed RAG", "Due", "Owner"])
    found = Across(table)
    for name, code, membership, national, action_id, status, due, updated, owner, late_milestone in rows:
        if membership != "active":
            continue
        rag = plan_rules.explain_rag(status=status, due_date=due, last_update_at=updated,
                                     has_overdue_milestone=bool(late_milestone), today=today)
        words = standing(status, national)
        found.by_standing[words] += 1
        found.by_rag[rag.label] += 1
        if plan_rules.is_overdue(status, due, today):
            found.overdue.append(name)
        if words == AWAITING_CONFIRMATION:
            found.awaiting.append((name, code))
        table.add([name, words, rag.label, due, owner or "No owner"],
                  {0: ("actions.show", {"action_id": action_id})})
    return found


NATIONAL_TABLE = "commitments"


def national_table(session: Session, today: date, cohort: str | None = None, country: str | None = None) -> Table:
    """The national dashboard's and board pack's commitments section: each published commitment across
    the forces carrying it (those in the cohort or country only, when the dashboard is filtered), by the
    same standing and overdue rules as its own page."""
    table = Table(NATIONAL_TABLE, "National commitments across the forces carrying them",
                  ["Commitment", "Title", "Due", "Forces", "Confirmed", "Awaiting confirmation", "Overdue",
                   "% confirmed"], numeric=frozenset({3, 4, 5, 6, 7}))
    query = (select(Commitment.reference, Commitment.title, Commitment.due_date, Action.status,
                    Action.current_due_date, CommitmentForce.national_state)
             .join(CommitmentForce, CommitmentForce.commitment_id == Commitment.id)
             .join(Action, Action.id == CommitmentForce.action_id)
             .join(Force, Force.id == CommitmentForce.force_id)
             .where(Commitment.state == "published", CommitmentForce.membership == "active")
             .order_by(Commitment.reference))
    if cohort:
        query = query.where(Force.cohort == cohort)
    if country:
        query = query.where(Force.country == country)
    found: dict[str, list] = {}
    for reference, title, due, status, action_due, national in session.execute(query):
        row = found.setdefault(reference, [reference, title, due, 0, 0, 0, 0])
        key = stage(status, national)
        row[3] += 1
        row[4] += key == "confirmed"
        row[5] += key == "awaiting_confirmation"
        row[6] += plan_rules.is_overdue(status, action_due, today)
    for reference, row in found.items():
        table.add([*row, plan_rules.percent(row[4], row[3])], {0: ("commitments.view", {"reference": reference})})
    return table


@dataclass
class NewlyOverdue:
    reference: str
    title: str
    forces: list[str]  # overdue now, not a week before
    overdue: int  # all the forces overdue on it now


def newly_overdue(session: Session, today: date, days: int = 7) -> list[NewlyOverdue]:
    """The weekly national summary's commitments: those with forces overdue today that were not
    overdue ``days`` before (by the one overdue rule, at both dates)."""
    before = today - timedelta(days=days)
    found: dict[str, NewlyOverdue] = {}
    for reference, title, name, status, due in session.execute(
            select(Commitment.reference, Commitment.title, Force.name, Action.status, Action.current_due_date)
            .join(CommitmentForce, CommitmentForce.commitment_id == Commitment.id)
            .join(Action, Action.id == CommitmentForce.action_id)
            .join(Force, Force.id == CommitmentForce.force_id)
            .where(Commitment.state == "published", CommitmentForce.membership == "active",
                   plan_rules.overdue_sql(today))
            .order_by(Commitment.reference, Force.name)):
        entry = found.setdefault(reference, NewlyOverdue(reference, title, [], 0))
        entry.overdue += 1
        if not plan_rules.is_overdue(status, due, before):
            entry.forces.append(name)
    return [entry for entry in found.values() if entry.forces]
