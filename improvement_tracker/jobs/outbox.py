"""Delivering the outbox (the rules are in services.outbox).

Per email: one transaction takes it (pending → sending, committed before anything is sent, so
a second sender skips it), the message is built and handed to the mail server outside any
transaction, and another transaction records how that went. A crash between the two leaves the
email `sending`, which the next run marks failed rather than sends twice. Each email goes over its
own connection and its outcome is committed before the next is taken, so a mail server's fault
on one email is that email's alone: those it accepted earlier in the run stay sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from improvement_tracker.jobs import Counts, Transaction
from improvement_tracker.models import Notification
from improvement_tracker.models._types import utcnow
from improvement_tracker.services import outbox
from improvement_tracker.services.mail import Sender, build_message


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    interrupted: int = 0

    def counts(self) -> Counts:
        return {"emails_sent": len(self.sent), "emails_retrying": len(self.retrying),
                "emails_failed": len(self.failed) + self.interrupted}


def deliver(transaction: Transaction, sender: Sender, *, base_url: str, mail_from: str, max_attempts: int = 5,
            now: datetime | None = None, limit: int = 500) -> DeliveryReport:
    """Send every pending email whose time has come. Needs the app (services.mail builds from templates)."""
    now = now or utcnow()
    report = DeliveryReport()
    with transaction() as session:
        report.interrupted = outbox.fail_interrupted(session, now)
        waiting = outbox.due(session, now, limit)
    for notification_id in waiting:
        with transaction() as session:
            taken = outbox.take(session, notification_id, now)
        if not taken:
            continue  # another sender has it
        try:
            with transaction() as session:
                message = build_message(session.get(Notification, notification_id), base_url=base_url,
                                        mail_from=mail_from)
            sender.send(message)
        except Exception as error:  # noqa: BLE001 - any failure to build or hand over is retried, then recorded
            with transaction() as session:
                status = outbox.record_failure(session, notification_id, error, now, max_attempts=max_attempts)
            (report.failed if status == "failed" else report.retrying).append(notification_id)
        else:
            with transaction() as session:
                outbox.record_sent(session, notification_id)
            report.sent.append(notification_id)
    return report
