"""Each force's plan has a version, and all plans together one more: what pages keep is keyed by it.

A write to a force's plan marks the force as changed (``changed``; services.audit does it for
every audit event a page can show, so every write that records its audit event is covered).
Just before the transaction commits, each changed force's ``plan_version`` and the national
version are bumped with ``UPDATE … SET plan_version = plan_version + 1``. The row lock that
UPDATE takes orders the versions as the commits are ordered: a second writer waits for the
first to commit and then counts on from its number. A reader that reads version N before
reading the plan therefore never sees less than the N-th change, so nothing kept under N can
lack a change that N includes. (An audit event's id, the earlier version, is taken at INSERT
and seen at COMMIT, so a later id could be seen before an earlier one committed.)

A change to reference data every page shows (a pillar's name, an account without a force)
marks every force as changed.

``check_bumped`` is a ``before_flush`` guard the tests install: a write to a plan table whose
force was not marked fails loudly, so a new write path cannot forget the version.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from improvement_tracker.models import (
    Action,
    DeepDive,
    DueDateChange,
    Evidence,
    Finding,
    Force,
    Milestone,
    NationalVersion,
    ProgressUpdate,
)

EVERY_FORCE = "every force"
_PENDING = "plan_version.changed"
_BUMPED = "plan_version.bumped"


def changed(session: Session, force_id: int | None) -> None:
    """Mark the force's plan (None: every force's) as changed by this transaction."""
    session.info.setdefault(_PENDING, set()).add(EVERY_FORCE if force_id is None else force_id)


@event.listens_for(Session, "before_commit")
def bump_pending(session: Session) -> None:
    """Bump the versions marked as changed, just before the session commits."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    # The commit's last flush comes after this: the guard still knows these forces were bumped.
    session.info[_BUMPED] = pending
    forces = Force.__table__
    if EVERY_FORCE in pending:
        session.execute(forces.update().values(plan_version=forces.c.plan_version + 1))
    else:
        # One force at a time, in id order: two writers to the same forces lock them alike.
        for force_id in sorted(pending):
            session.execute(forces.update().where(forces.c.id == force_id)
                            .values(plan_version=forces.c.plan_version + 1))
    national = NationalVersion.__table__
    session.execute(national.update().values(version=national.c.version + 1))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(_BUMPED, None)
    session.info.pop(_PENDING, None)  # marked during the commit's own flush: nothing left to bump


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rolled-back transaction changed nothing."""
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_BUMPED, None)


def force_version(session: Session, force_id: int) -> int:
    return session.scalar(select(Force.plan_version).where(Force.id == force_id)) or 0


def national_version(session: Session) -> int:
    return session.scalar(select(NationalVersion.version)) or 0


def bump_every_force(session: Session) -> None:
    """For bulk loads that write with SQL statements rather than the services: all plans changed."""
    changed(session, None)


def ensure_national_row(connection: Any) -> None:
    """The national version's one row (migration 0008 adds it; the tests put it back after emptying)."""
    national = NationalVersion.__table__
    if connection.scalar(select(national.c.id)) is None:
        connection.execute(national.insert().values(id=1, version=0))


# --- the tests' guard ------------------------------------------------------------------------

PLAN_MODELS = (DeepDive, Finding, Action, Milestone, ProgressUpdate, DueDateChange, Evidence)
_WRITTEN = "plan_version.written"


class VersionNotBumped(AssertionError):
    """A plan table was written without marking its force's plan as changed."""


def _force_of(session: Session, obj: Any) -> int | None:
    force_id = getattr(obj, "force_id", None)
    if force_id is not None:
        return force_id
    action_id = getattr(obj, "action_id", None)
    if action_id is None and isinstance(obj, Milestone | ProgressUpdate | DueDateChange):
        action_id = obj.action.id if obj.action is not None else None
    if action_id is None:
        return None
    with session.no_autoflush:
        action = session.get(Action, action_id)
    return action.force_id if action is not None else None


def _note_written(session: Session, _flush_context: Any, _instances: Any) -> None:
    """before_flush: note the force of every new, changed or deleted plan row.

    A service adds a row, flushes it to learn its id, then records the audit event that marks
    the plan as changed; so the rows are noted here and checked when the transaction commits.
    """
    written = session.info.setdefault(_WRITTEN, {})
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, PLAN_MODELS):
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        written.setdefault(_force_of(session, obj), type(obj).__name__)


def _check_written(session: Session) -> None:
    """after_commit: every force whose plan rows were written had its version bumped."""
    written = session.info.pop(_WRITTEN, {})
    bumped = session.info.get(_BUMPED, set())
    if EVERY_FORCE in bumped:
        return
    for force_id, model in written.items():
        if force_id not in bumped:
            raise VersionNotBumped(
                f"{model} written without bumping the plan version of force {force_id}: record its audit "
                "event (services.audit.record) or call services.plan_version.changed")


def _forget_written(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_WRITTEN, None)


GUARD = ((Session, "before_flush", _note_written), (Session, "after_commit", _check_written),
         (Session, "after_soft_rollback", _forget_written))


def install_guard() -> None:
    """Tests: fail any commit that wrote a plan table without bumping its force's version."""
    for target, name, listener in GUARD:
        # First in line, so the check sees what was bumped before it is forgotten.
        event.listen(target, name, listener, insert=True)


def remove_guard() -> None:
    for target, name, listener in GUARD:
        event.remove(target, name, listener)
