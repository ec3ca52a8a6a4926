"""The outbox against a relay that misbehaves, over real SMTP on loopback (aiosmtpd).

The rule: once the relay has answered 250 to the message's data, the email is sent, whatever it
then says to QUIT or however the connection ends. A connection lost after the whole message went
but before the relay answered is ambiguous: the email is tried again, with the same Message-ID,
so the recipient's mail system can tell the copies apart from two emails.
"""

from __future__ import annotations

import email
from collections import Counter
from datetime import date, datetime, timedelta
from email import policy

import pytest
from sqlalchemy import select

from improvement_tracker import jobs
from improvement_tracker.extensions import db
from improvement_tracker.jobs import outbox as outbox_job
from improvement_tracker.models import Notification, User
from improvement_tracker.services import outbox, plan_version, reminders
from improvement_tracker.services.mail import SmtpSender
from improvement_tracker.services.settings import ReminderSettings
from tests import factories
from tests.conftest import _free_port

TODAY = date(2027, 3, 3)
FIRST_RUN = datetime(2027, 3, 3, 7, 0)
LONG_AGO = datetime(2027, 1, 1, 9, 0)


class FaultyRelay:
    """An aiosmtpd handler that keeps every message whose data reached it, and misbehaves as told."""

    def __init__(self) -> None:
        self.received: list = []
        self.quit_reply = "221 Bye"
        self.drop_after_data: set[str] = set()  # recipients whose next message is taken, then the line dropped

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(message)
        if message["To"] in self.drop_after_data:
            self.drop_after_data.discard(message["To"])
            server.transport.abort()  # the whole message is here; the client never hears back
            return "554 never seen: the connection is gone"
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        return self.quit_reply

    def arrivals(self) -> Counter:
        return Counter(m["To"] for m in self.received)

    def message_ids(self, address: str) -> list[str]:
        return [m["Message-ID"] for m in self.received if m["To"] == address]


@pytest.fixture
def relay():
    from aiosmtpd.controller import Controller

    handler = FaultyRelay()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, SmtpSender("127.0.0.1", port, timeout=10)
    finally:
        controller.stop()


def _queue_reminders(*addresses: str) -> dict[str, int]:
    """One due-soon reminder email per address, queued by the reminders service; their ids by address."""
    for address in addresses:
        owner = factories.create_user("action_owner", email=address)
        action = factories.create_action(owner, due=TODAY + timedelta(days=7))
        action.assigned_at = LONG_AGO
        action.last_update_at = LONG_AGO
        plan_version.changed(db.session, action.force_id)
        db.session.commit()
    reminders.run_daily(db.session, TODAY, ReminderSettings())
    db.session.commit()
    rows = db.session.execute(select(User.email, Notification.id).join(Notification.recipient)).all()
    assert sorted(address for address, _ in rows) == sorted(addresses)
    return dict(rows)


def _deliver(sender: SmtpSender, now: datetime,
             base_url: str = "https://tracker.example.gov.uk") -> outbox_job.DeliveryReport:
    """The outbox job as the scheduler runs it: one transaction per step."""
    return outbox_job.deliver(jobs.transactions(db.session), sender, base_url=base_url,
                              mail_from="Improvement Tracker <no-reply@mail.example.gov.uk>", now=now)


def _state(notification_id: int) -> tuple[str, int, str | None]:
    db.session.expire_all()
    notification = db.session.get(Notification, notification_id)
    return notification.status, notification.attempts, notification.last_error


def test_a_relay_that_answers_quit_with_421_gets_each_email_once_and_each_is_sent(app, relay):
    handler, sender = relay
    handler.quit_reply = "421 4.3.2 Service shutting down, closing transmission channel"
    ids = _queue_reminders("olive@example.police.uk", "sam@example.police.uk")

    report = _deliver(sender, FIRST_RUN)
    assert sorted(report.sent) == sorted(ids.values()) and report.retrying == report.failed == []
    for notification_id in ids.values():
        assert _state(notification_id) == ("sent", 1, None)
    assert outbox.due(db.session, FIRST_RUN + timedelta(days=1)) == []  # no retry queued

    # Later runs have nothing to send: each email arrived exactly once.
    _deliver(sender, FIRST_RUN + timedelta(hours=2))
    _deliver(sender, FIRST_RUN + timedelta(days=1))
    assert handler.arrivals() == {"olive@example.police.uk": 1, "sam@example.police.uk": 1}


def test_a_connection_dropped_before_the_relay_answers_is_retried_with_the_same_message_id(app, relay):
    handler, sender = relay
    handler.drop_after_data = {"olive@example.police.uk"}
    [notification_id] = _queue_reminders("olive@example.police.uk").values()

    report = _deliver(sender, FIRST_RUN)
    assert report.retrying == [notification_id]
    status, attempts, error = _state(notification_id)
    assert (status, attempts) == ("pending", 1) and "SMTPServerDisconnected" in error

    # The service moved in between (a new BASE_URL, here an IPv6 address): the ID is the sender's.
    report = _deliver(sender, FIRST_RUN + timedelta(minutes=2), base_url="http://[::1]:5000")
    assert report.sent == [notification_id]
    assert _state(notification_id) == ("sent", 2, None)
    # The relay has it twice (the first copy may well be delivered): one Message-ID, so the
    # recipient's mail system can see the second is the same email.
    first, second = handler.message_ids("olive@example.police.uk")
    assert first == second and first.endswith("@mail.example.gov.uk>")


def test_a_fault_on_one_email_does_not_send_again_those_accepted_before_it(app, relay):
    handler, sender = relay
    handler.quit_reply = "421 4.7.0 Too many errors, closing connection"
    handler.drop_after_data = {"paul@example.police.uk"}
    ids = _queue_reminders("olive@example.police.uk", "paul@example.police.uk", "sam@example.police.uk")
    olive, paul, sam = ids["olive@example.police.uk"], ids["paul@example.police.uk"], ids["sam@example.police.uk"]
    assert olive < paul < sam  # the outbox sends oldest first: Paul's fault comes between the other two

    report = _deliver(sender, FIRST_RUN)
    assert (sorted(report.sent), report.retrying) == (sorted([olive, sam]), [paul])
    assert _state(olive) == _state(sam) == ("sent", 1, None)
    assert _state(paul)[:2] == ("pending", 1)

    for minutes in (2, 20, 120):
        _deliver(sender, FIRST_RUN + timedelta(minutes=minutes))
    assert _state(olive) == _state(sam) == ("sent", 1, None)
    assert _state(paul) == ("sent", 2, None)
    assert handler.arrivals() == {"olive@example.police.uk": 1, "paul@example.police.uk": 2,
                                  "sam@example.police.uk": 1}
    assert len(set(handler.message_ids("paul@example.police.uk"))) == 1
