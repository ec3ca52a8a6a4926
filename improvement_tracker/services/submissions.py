"""One-time form tokens: a form sent twice (a double click, Back and submit again) writes once.

Every form the service draws carries a random token (forms.base). The write it makes claims the
token in the same transaction, by inserting it into a table whose key it is: of two requests with
one token, at most one commits; the other finds the token taken (before its insert, or by the
database refusing the insert) and is shown where the first one led.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from improvement_tracker.models import FormSubmission
from improvement_tracker.models._types import utcnow

# How long a token is remembered: far longer than anyone keeps a form open.
KEEP_FOR = timedelta(days=7)


class AlreadySent(Exception):
    """This form has been sent before: its write is not made again."""


def claim(session: Session, token: str, user_id: int | None) -> None:
    """Claim the token for the write about to be made in this transaction, or raise AlreadySent.
    An insert racing another with the same token fails at the flush (IntegrityError): the caller
    rolls back and asks ``first_result``."""
    if session.scalar(select(FormSubmission.token).where(FormSubmission.token == token)) is not None:
        raise AlreadySent(token)
    session.add(FormSubmission(token=token, user_id=user_id, created_at=utcnow()))
    session.flush()


def record_result(session: Session, token: str, url: str | None) -> None:
    """Where the first submission led, for any repeat of it to be shown."""
    submission = session.get(FormSubmission, token)
    if submission is not None and url and len(url) <= 500:
        submission.result_url = url


def first_result(session: Session, token: str, user_id: int | None) -> str | None:
    """Where the first submission of this token led, if it was this user's and it is known."""
    row = session.execute(select(FormSubmission.user_id, FormSubmission.result_url)
                          .where(FormSubmission.token == token)).first()
    if row is None or row.user_id != user_id:
        return None
    return row.result_url


def forget_old(session: Session) -> int:
    """Drop tokens older than KEEP_FOR (the daily job): a form that old is sent again as new."""
    result = session.execute(delete(FormSubmission).where(FormSubmission.created_at < utcnow() - KEEP_FOR))
    return result.rowcount or 0
