"""What a published commitment's page shows across its forces, read in one place so that it can be
kept between requests (services.kept.commitment_page): the force-by-force table and counts, the date
proposals waiting, the forces taken off it and how many carry it. Plain values only (no ORM objects),
since a kept page outlives the session that read it. The completion trend is read on each request
(services.commitment_snapshots.trend): the morning's snapshot is not a plan change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from improvement_tracker.models import Commitment
from improvement_tracker.services import commitment_members, commitment_reviews, commitment_status, commitments


@dataclass(frozen=True)
class Waiting:
    """A force's proposal of a later date, waiting for the national team's decision."""

    id: int
    proposed_due_date: date
    force_name: str


@dataclass
class CommitmentPage:
    across: commitment_status.Across
    proposals: list[Waiting]
    removed: list[tuple[str, str]]
    forces: int  # carrying it now
    markup: dict[str, str] = field(default_factory=dict)  # each table's GOV.UK markup, once written


def published(session: Session, commitment: Commitment, today: date, force_id: int | None) -> CommitmentPage:
    """The page of a published commitment: for the national team (``force_id`` None) every force's
    row, the proposals waiting and the forces taken off; for a programme manager their own force's row."""
    national = force_id is None
    return CommitmentPage(
        across=commitment_status.across(session, commitment, today, force_id),
        proposals=[Waiting(p.id, p.proposed_due_date, name)
                   for p, name in commitment_reviews.waiting_proposals(session, commitment)] if national else [],
        removed=commitment_members.removed(session, commitment) if national else [],
        forces=len(commitments.applies_to(session, commitment)))
