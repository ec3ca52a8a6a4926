"""The outbox's rules: each pending email is taken by one sender only, then sent or retried.

A row moves pending → sending (taken with a conditional UPDATE, so two senders never take the
same row) → sent, or back to pending with a later attempt time, or failed after the last try.
Sent means the mail server accepted the message (250 after its data), whatever it says after
that (to QUIT) or however the connection then ends.

A row found still `sending` long after it was taken means a crash in the middle of a send: the
mail server may or may not have it, so it is marked failed for an admin to look at rather
than sent again. Duplicates are worse than a visible failure. A connection lost after the whole
message went but before the server answered is the one ambiguity that is retried, like a
refusal: the server may have it, so the recipient may get it twice, both copies with the same
Message-ID (services.mail.message_id) for their mail system to recognise.

These functions change rows and never commit; jobs.outbox delivers, with a transaction for
taking each email and another for recording how its send went (never one held open while the
mail server is talked to).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from improvement_tracker.models import Notification, User
from improvement_tracker.models._types import utcnow
from improvement_tracker.services import audit
from improvement_tracker.services.audit import ServiceError

RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
STUCK_AFTER = timedelta(minutes=15)


def fail_interrupted(session: Session, now: datetime) -> int:
    """Mark failed every email left `sending` by a send that never finished."""
    return session.execute(
        update(Notification)
        .where(Notification.status == "sending", Notification.sending_started_at < now - STUCK_AFTER)
        .values(status="failed", last_error="Interrupted while sending: not retried, to avoid a duplicate. "
                                            "Check with the recipient before retrying.")
    ).rowcount


def due(session: Session, now: datetime, limit: int = 500) -> list[int]:
    """The ids of the pending emails whose time has come, oldest first."""
    return list(session.scalars(
        select(Notification.id)
        .where(Notification.status == "pending", Notification.next_attempt_at <= now)
        .order_by(Notification.id).limit(limit)
    ))


def take(session: Session, notification_id: int, now: datetime) -> bool:
    """pending → sending, for this sender only: False when another sender took it first."""
    return session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "pending")
        .values(status="sending", sending_started_at=now, attempts=Notification.attempts + 1)
    ).rowcount == 1


def record_sent(session: Session, notification_id: int) -> None:
    session.execute(update(Notification).where(Notification.id == notification_id)
                    .values(status="sent", sent_at=utcnow(), last_error=None))


def record_failure(session: Session, notification_id: int, error: BaseException, now: datetime, *,
                   max_attempts: int) -> str:
    """After a failed hand-over: try again later (backing off), or give up after the last try.

    Returns the email's new status, "pending" or "failed".
    """
    notification = session.get(Notification, notification_id)
    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
    if notification.attempts >= max_attempts:
        notification.status = "failed"
    else:
        notification.status = "pending"
        notification.next_attempt_at = now + RETRY_DELAYS[min(notification.attempts - 1, len(RETRY_DELAYS) - 1)]
    return notification.status


def needing_attention(session: Session, limit: int = 200) -> list[Notification]:
    """Failed emails, and any still being sent, newest first (the admin's outbox page)."""
    return list(session.scalars(
        select(Notification).where(Notification.status.in_(("failed", "sending")))
        .order_by(Notification.created_at.desc()).limit(limit)))


def status_counts(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Notification.status, func.count()).group_by(Notification.status)).all())


def by_id(session: Session, notification_id: int) -> Notification | None:
    return session.get(Notification, notification_id)


def retry(session: Session, notification: Notification, *, actor: User) -> None:
    """An admin sends a failed email again, knowingly."""
    if notification.status != "failed":
        raise ServiceError("Only a failed email can be sent again")
    notification.status = "pending"
    notification.attempts = 0
    notification.next_attempt_at = utcnow()
    audit.record(session, actor, "notification.retried", "notification", notification.id,
                 changes={"status": ["failed", "pending"]}, summary=f"Retried email to {notification.recipient.email}")
