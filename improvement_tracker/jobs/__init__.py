"""The scheduled work, in one place: what runs when (``timetable``), each job (``reminders``,
``outbox``, ``daily``), and the record of every run (``runs``, ``health``).

Who commits: the services a job calls do their work on the session they are given and never
commit. A job's caller — ``improvement_tracker.scheduler`` or a command in ``cli.py`` — hands
the job a *transaction factory*: ``with transaction() as session:`` gives a session, commits
when the block ends and rolls back if it raises. The job opens one transaction per unit of work
it needs (the plan, then each email's claims; each email taken, then its outcome recorded), so a
failure loses one unit, never a half-written one, and nothing is held open while the mail server
is talked to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy.orm import Session

Transaction = Callable[[], AbstractContextManager[Session]]
Counts = dict[str, int]


def transactions(session: Session) -> Transaction:
    """A transaction factory over one session: each ``with`` block commits, or rolls back on error."""

    @contextmanager
    def transaction() -> Iterator[Session]:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()

    return transaction


def read_only(session: Session) -> Transaction:
    """A transaction factory that always rolls back: for looking (a dry run), never for writing."""

    @contextmanager
    def transaction() -> Iterator[Session]:
        try:
            yield session
        finally:
            session.rollback()

    return transaction
