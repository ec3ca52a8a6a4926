"""How many rows of each plan table the demo and the generator have written, table by table."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from improvement_tracker.models import (
    Action,
    Commitment,
    CommitmentForce,
    DeepDive,
    DueDateChange,
    Finding,
    Milestone,
    ProgressUpdate,
    User,
)

# A plan's tables, parents first, under the names seed-demo reports.
PLAN_TABLES = (("deep_dives", DeepDive), ("findings", Finding), ("actions", Action), ("milestones", Milestone),
               ("progress_updates", ProgressUpdate), ("due_date_changes", DueDateChange))


def plan_rows(session: Session, force_ids: Select | None = None) -> dict[str, int]:
    """Rows in each plan table: every force's, or only those of the forces ``force_ids`` selects."""
    counts: dict[str, int] = {}
    for name, model in PLAN_TABLES:
        query = select(func.count()).select_from(model)
        if force_ids is not None:
            # Milestones, updates and re-plans belong to their action's force.
            if "force_id" in model.__table__.c:
                query = query.where(model.force_id.in_(force_ids))
            else:
                query = query.join(Action).where(Action.force_id.in_(force_ids))
        counts[name] = session.scalar(query) or 0
    return counts


def commitment_rows(session: Session, national_team: list[str]) -> dict[str, int]:
    """The national commitments these national team accounts drafted, and the forces carrying them."""
    ids = select(Commitment.id).join(User, User.id == Commitment.created_by_id).where(User.email.in_(national_team))
    return {"commitments": session.scalar(select(func.count()).select_from(Commitment)
                                          .where(Commitment.id.in_(ids))) or 0,
            "commitment_forces": session.scalar(select(func.count()).select_from(CommitmentForce)
                                                .where(CommitmentForce.commitment_id.in_(ids))) or 0}
