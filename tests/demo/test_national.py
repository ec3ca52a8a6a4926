"""The national-scale generator: every force's plan with a history, deterministic per seed,
idempotent per seed, real evidence files, the real reminders and snapshots, never in production."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from improvement_tracker.demo import national
from improvement_tracker.extensions import db
from improvement_tracker.models import Action, AuditEvent, Finding, Force, Milestone, ProgressUpdate, User
from improvement_tracker.models.evidence import Evidence
from improvement_tracker.models.notifications import Notification, ReminderClaim
from improvement_tracker.models.snapshots import ProgressSnapshot
from improvement_tracker.services import clock, plan_version
from improvement_tracker.services.storage import LocalStorage
from tests.conftest import _empty_tables
from tests.test_cli import invoke, make_app


def generate(tmp_path, seed: int = 3, forces: int = 2, actions: int = 15) -> national.GenerateResult:
    return national.generate(db.session, forces=forces, actions_per_force=actions, seed=seed,
                             today=clock.today(), storage=LocalStorage(tmp_path / "uploads"),
                             max_upload=1024 * 1024, commit=db.session.commit, snapshot_days=5, reminder_days=3)


def fingerprint() -> list[tuple]:
    return list(db.session.execute(
        select(Action.reference, Action.title, Action.status, Action.current_due_date, Action.completed_date,
               func.count(Milestone.id))
        .outerjoin(Milestone, Milestone.action_id == Action.id).group_by(Action.id).order_by(Action.reference)))


def test_a_plan_per_force_with_a_consistent_history(app, tmp_path):
    result = generate(tmp_path)
    # 15 actions of each force's own, and the two national commitments each force carries.
    assert result.created and result.counts["actions"] == 34 and result.counts["forces with plans"] == 2
    actions = list(db.session.scalars(select(Action)))
    assert {a.status for a in actions} >= {"not_started", "in_progress", "complete"}
    for action in actions:
        # Status, its history and its dates agree, as the services would have left them.
        changes = list(db.session.scalars(select(ProgressUpdate.status_to).where(
            ProgressUpdate.action_id == action.id, ProgressUpdate.status_to.is_not(None))
            .order_by(ProgressUpdate.created_at, ProgressUpdate.id)))
        assert (changes[-1] if changes else "not_started") == action.status
        assert (action.status == "complete") == (action.completed_date is not None) == (
            action.signed_off_by_id is not None)
        assert action.owner.force_id == action.force_id
        if action.finding is None:  # a national commitment's action: no finding, no generated milestones
            assert action.reference.startswith("NC-")
        else:
            assert 2 <= len(action.milestones) <= 6
            assert action.finding.force_id == action.force_id
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action_id == action.id, AuditEvent.event == "action.created")) == 1
    # Evidence files are real, in storage, with the size and hash the rows say.
    files = list(db.session.scalars(select(Evidence)))
    assert files
    storage = LocalStorage(tmp_path / "uploads")
    for evidence in files:
        with storage.open(evidence.storage_key) as handle:
            data = handle.read()
        assert len(data) == evidence.size_bytes and hashlib.sha256(data).hexdigest() == evidence.sha256
    # The real reminders ran over the last working days, as already sent; snapshots were built.
    assert db.session.scalar(select(func.count()).select_from(ReminderClaim)) > 0
    assert set(db.session.scalars(select(Notification.status))) <= {"sent"}
    assert db.session.scalar(select(func.count(func.distinct(ProgressSnapshot.day)))) == 6
    # Sign-ins printed by the command work with the published password.
    emails = [email for _, email in result.sign_ins]
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email.in_(emails))) == 4


def test_it_commits_only_at_the_callers_checkpoints_and_every_plan_version_moves_on(app, tmp_path):
    versions = select(Force.code, Force.plan_version)
    before, national_before = dict(db.session.execute(versions).all()), plan_version.national_version(db.session)
    db.session.commit()
    checkpoints, commits = [], []

    def checkpoint() -> None:
        checkpoints.append(1)
        db.session.commit()

    def committed(_session) -> None:
        commits.append(1)

    event.listen(Session, "before_commit", committed)
    try:
        national.generate(db.session, forces=1, actions_per_force=5, seed=5, today=clock.today(),
                          storage=LocalStorage(tmp_path / "uploads"), max_upload=1024 * 1024, commit=checkpoint,
                          snapshot_days=2, reminder_days=0)  # the generator's own commits, not the reminder job's
    finally:
        event.remove(Session, "before_commit", committed)
    assert checkpoints and len(commits) == len(checkpoints)
    # Written with SQL inserts, not the services: every force's kept pages are worked out again.
    after = dict(db.session.execute(versions).all())
    assert all(after[code] > before[code] for code in before)
    assert plan_version.national_version(db.session) > national_before


def test_the_same_seed_twice_adds_nothing_and_gives_the_same_plans(app, tmp_path):
    generate(tmp_path)
    first, counts = fingerprint(), national.counts(db.session)
    again = generate(tmp_path)
    assert not again.created and national.counts(db.session) == counts
    # Another seed sits beside it without clashing.
    other = generate(tmp_path, seed=4, forces=1, actions=5)
    assert other.created and other.counts["actions"] == 41
    db.session.remove()
    _empty_tables()
    generate(tmp_path)
    assert fingerprint() == first


def test_the_command_generates_and_is_refused_in_production(app, database_url, tmp_path):
    result = invoke(app, ["demo", "generate", "--forces", "1", "--actions-per-force", "5", "--seed", "9",
                          "--snapshot-days", "2", "--reminder-days", "0"])
    assert result.exit_code == 0, result.output
    assert "Generated seed 9" in result.stdout and "7 actions" in result.stdout  # 5 and 2 commitments
    assert "Password for every generated account: generated password 2026" in result.stdout
    again = invoke(app, ["demo", "generate", "--forces", "1", "--actions-per-force", "5", "--seed", "9"])
    assert "Seed 9 is already generated: nothing added." in again.stdout

    production = make_app(str(tmp_path), database_url, PRODUCTION=True)
    refused = invoke(production, ["demo", "generate", "--seed", "10"])
    assert refused.exit_code == 1 and "refused in production" in refused.stderr
    assert db.session.scalar(select(func.count()).select_from(Finding)) == 1
    assert date.today() >= clock.today()
