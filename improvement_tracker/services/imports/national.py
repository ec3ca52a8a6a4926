"""National commitments in a plan import: a force's spreadsheet cannot create, change what the
national team set on, or re-date a linked action (services.commitments keeps the rule; this finds
the rows that would). Such a row is refused whole and reported as a warning on its reference, and
the rest of the file imports as usual. An import never deletes, so it cannot delete one either.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker.models import Action, Commitment, CommitmentForce
from improvement_tracker.services import commitments
from improvement_tracker.services.imports.cells import fold

# The import's change labels (checker._action_update) for the fields the national team sets.
LOCKED_LABELS = {"Title": "title", "Pillar": "pillar_id", "Description": "description",
                 "Success measure": "success_measure", "Due date": "due_date"}
NOT_IMPORTED = "Not imported"


class NationalRows:
    """The force's linked actions and every commitment's reference, read once per check (two queries)."""

    def __init__(self, session: Session, force_id: int):
        self.session = session
        self.linked = set(session.scalars(
            select(CommitmentForce.action_id).join(Action, Action.id == CommitmentForce.action_id)
            .where(Action.force_id == force_id)))
        self.references = {fold(r) for r in session.scalars(select(Commitment.reference))}

    def create_refusal(self, reference: str) -> str | None:
        """Why a row may not create an action with this reference, or None."""
        if fold(reference) not in self.references:
            return None
        return f"{NOT_IMPORTED}: {commitments.reference_refusal(self.session, reference)}"

    def update_refusal(self, action: Action, changes: dict[str, tuple]) -> str | None:
        """Why a row may not make these changes (by label) to this action, or None."""
        if action.id not in self.linked:
            return None
        locked = [field for label, field in LOCKED_LABELS.items() if label in changes]
        if not locked:
            return None  # owner, priority and start date are the force's, as on the action's page
        return f"{NOT_IMPORTED}: {action.reference} is a national commitment: {commitments.locked_reason(locked)}"
