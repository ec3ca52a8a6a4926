"""National commitments in the demo data: NC-01 across all 43 forces due 31 March 2023, NC-02 in
progress, played through the services; and demo generate's commitments across its forces."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy import func, select

from improvement_tracker.demo import national
from improvement_tracker.demo.accounts import OVERSIGHT
from improvement_tracker.demo.pathfinders import seed
from improvement_tracker.extensions import db
from improvement_tracker.models import (
    Action,
    AuditEvent,
    Commitment,
    CommitmentDateProposal,
    CommitmentForce,
    Force,
    User,
)
from improvement_tracker.services import clock, commitment_status
from improvement_tracker.services.storage import LocalStorage

AWAITING = commitment_status.AWAITING_CONFIRMATION
CONFIRMED = commitment_status.CONFIRMED


def across(reference: str) -> commitment_status.Across:
    commitment = db.session.scalar(select(Commitment).where(Commitment.reference == reference))
    return commitment_status.across(db.session, commitment, clock.today())


def row_counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return {t.name: connection.scalar(sa.select(sa.func.count()).select_from(t))
                for t in db.metadata.sorted_tables}


def test_nc01_is_carried_by_every_force_and_most_have_done_it(seeded):
    phones = db.session.scalar(select(Commitment).where(Commitment.reference == "NC-01"))
    assert phones.title == "No victim without a phone for more than 24 hours"
    assert phones.due_date == date(2023, 3, 31) and phones.state == "published" and phones.applies_to == "all"
    assert phones.published_at.date() < date(2023, 3, 31)
    found = across("NC-01")
    assert sum(found.by_standing.values()) == 43
    assert found.by_standing[CONFIRMED] >= 30
    assert 2 <= found.by_standing[AWAITING] <= 5 and len(found.awaiting) == found.by_standing[AWAITING]
    assert 2 <= len(found.overdue) <= 6
    waiting = db.session.scalars(select(CommitmentDateProposal).join(CommitmentForce).where(
        CommitmentForce.commitment_id == phones.id, CommitmentDateProposal.state == "pending")).all()
    assert len(waiting) == 1 and waiting[0].proposed_due_date > date(2023, 3, 31)
    decided = Counter(db.session.scalars(select(CommitmentDateProposal.state).join(CommitmentForce).where(
        CommitmentForce.commitment_id == phones.id, CommitmentDateProposal.state != "pending")))
    assert decided["agreed"] >= 1 and decided["refused"] >= 1
    # Every force's action has an owner of its own force, and a confirmation is the oversight user's.
    oversight = db.session.scalar(select(User).where(User.email == OVERSIGHT.email))
    for member, action in db.session.execute(select(CommitmentForce, Action).join(
            Action, Action.id == CommitmentForce.action_id).where(CommitmentForce.commitment_id == phones.id)):
        assert action.owner is not None and action.owner.force_id == action.force_id
        assert action.owner.role == "action_owner"
        if member.national_state == "confirmed":
            assert action.status == "complete" and member.confirmed_by_id == oversight.id
            assert action.signed_off_by_id not in (action.owner_id, action.sign_off_requested_by_id)
            assert member.confirmed_at.date() >= action.completed_date


def test_nc02_is_in_progress(seeded):
    learning = db.session.scalar(select(Commitment).where(Commitment.reference == "NC-02"))
    assert "rape and serious sexual offence investigators" in learning.title.lower()
    assert learning.due_date > clock.today()
    found = across("NC-02")
    assert sum(found.by_standing.values()) == 43 and not found.overdue
    assert found.by_standing["In progress"] > found.by_standing[CONFIRMED]
    assert found.by_standing["Not started"] >= 1


def test_the_history_is_the_services_and_in_the_past(seeded):
    now = datetime.now(UTC).replace(tzinfo=None)
    events = Counter(db.session.scalars(select(AuditEvent.event).where(AuditEvent.event.like("commitment.%"))))
    assert events["commitment.created"] == 2 and events["commitment.published"] == 2
    assert events["commitment.completion_confirmed"] >= 30
    assert events["commitment.date_proposed"] == events["commitment.date_agreed"] + \
        events["commitment.date_refused"] + 1
    latest = db.session.scalar(select(func.max(AuditEvent.at)))
    assert latest <= now
    assert seeded.counts["commitments"] == 2 and seeded.counts["commitment_forces"] == 86


def test_a_second_seed_adds_nothing(seeded):
    before = row_counts()
    again = seed(db.session)
    db.session.commit()
    assert not again.created and again.counts == seeded.counts
    assert row_counts() == before


def test_the_commitment_page_shows_oversight_the_counts(seeded, client_request):
    oversight = db.session.scalar(select(User).where(User.email == OVERSIGHT.email))
    found = across("NC-01")
    page = client_request.login(oversight, "demo password 2026").get("/commitments/NC-01")
    text = page.get_text(" ", strip=True)
    assert "No victim without a phone for more than 24 hours" in text
    assert AWAITING in text and CONFIRMED in text
    assert str(found.by_standing[CONFIRMED]) in text
    for name, _code in found.awaiting:
        assert name in text
    assert len(page.select("table tbody tr")) >= 43


def test_demo_generate_gives_its_forces_commitments(app, tmp_path):
    def generate() -> national.GenerateResult:
        return national.generate(db.session, forces=3, actions_per_force=5, seed=7, today=clock.today(),
                                 storage=LocalStorage(tmp_path / "uploads"), max_upload=1024 * 1024,
                                 commit=db.session.commit, snapshot_days=2, reminder_days=0)

    result = generate()
    assert result.counts["national commitments"] == 2
    forces = set(db.session.scalars(select(Force.id).join(User, User.force_id == Force.id).where(
        User.email.like("pm.%.s7@generated.police.uk"))))
    commitments = db.session.scalars(select(Commitment).order_by(Commitment.reference)).all()
    assert [c.reference for c in commitments] == ["NC-101", "NC-102"]
    assert commitments[0].due_date < clock.today() < commitments[1].due_date
    for commitment in commitments:
        assert commitment.state == "published" and commitment.applies_to == "chosen"
        members = db.session.scalars(select(CommitmentForce).where(
            CommitmentForce.commitment_id == commitment.id)).all()
        assert {m.force_id for m in members} == forces and all(m.action_id for m in members)
    again = generate()
    assert not again.created and again.counts == result.counts
