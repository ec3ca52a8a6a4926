"""Delivering the outbox: each pending email is taken by one sender only, then sent or retried.

A row moves pending → sending (taken with a conditional UPDATE, so two senders never take the
same row) → sent, or back to pending with a later attempt time, or failed after the last try.
A row found still `sending` long after it was taken means a crash in the middle of a send: the
mail server may or may not have it, so it is marked failed for an admin to look at rather
than sent again. Duplicates are worse than a visible failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from improvement_tracker.models import Notification, User
from improvement_tracker.models._types import utcnow
from improvement_tracker.services import audit
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.mail import Sender, build_message

RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
STUCK_AFTER = timedelta(minutes=15)


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _take(session: Session, notification_id: int, now: datetime) -> bool:
    taken = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "pending")
        .values(status="sending", sending_started_at=now, attempts=Notification.attempts + 1)
    ).rowcount
    session.commit()
    return taken == 1


def fail_interrupted(session: Session, now: datetime) -> int:
    count = session.execute(
        update(Notification)
        .where(Notification.status == "sending", Notification.sending_started_at < now - STUCK_AFTER)
        .values(status="failed", last_error="Interrupted while sending: not retried, to avoid a duplicate. "
                                            "Check with the recipient before retrying.")
    ).rowcount
    session.commit()
    return count


def send_pending(
    session: Session, sender: Sender, *, base_url: str, mail_from: str, max_attempts: int = 5,
    now: datetime | None = None, limit: int = 500,
) -> SendReport:
    now = now or utcnow()
    report = SendReport()
    fail_interrupted(session, now)
    ids = list(session.scalars(
        select(Notification.id)
        .where(Notification.status == "pending", Notification.next_attempt_at <= now)
        .order_by(Notification.id).limit(limit)
    ))
    session.commit()
    for notification_id in ids:
        if not _take(session, notification_id, now):
            continue  # another sender has it
        notification = session.get(Notification, notification_id)
        try:
            sender.send(build_message(notification, base_url=base_url, mail_from=mail_from))
        except Exception as exc:  # noqa: BLE001 - any failure to hand over is retried, then recorded
            notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if notification.attempts >= max_attempts:
                notification.status = "failed"
                report.failed.append(notification_id)
            else:
                notification.status = "pending"
                delay = RETRY_DELAYS[min(notification.attempts - 1, len(RETRY_DELAYS) - 1)]
                notification.next_attempt_at = now + delay
                report.retrying.append(notification_id)
        else:
            notification.status = "sent"
            notification.sent_at = utcnow()
            notification.last_error = None
            report.sent.append(notification_id)
        session.commit()
    return report


def retry(session: Session, notification: Notification, *, actor: User) -> None:
    """An admin sends a failed email again, knowingly."""
    if notification.status != "failed":
        raise ServiceError("Only a failed email can be sent again")
    notification.status = "pending"
    notification.attempts = 0
    notification.next_attempt_at = utcnow()
    audit.record(session, actor, "notification.retried", "notification", notification.id,
                 changes={"status": ["failed", "pending"]}, summary=f"Retried email to {notification.recipient.email}")
