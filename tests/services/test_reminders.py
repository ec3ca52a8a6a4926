"""Reminders over real SMTP: who gets which email on which day, exactly once.

The simulated month is March 2027, which has Good Friday (26th) and Easter Monday (29th).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from improvement_tracker import jobs, scheduler
from improvement_tracker.extensions import db
from improvement_tracker.jobs import outbox as outbox_job
from improvement_tracker.models import Action, Notification, ReminderClaim, User
from improvement_tracker.services import plan_version, plans, reminders
from improvement_tracker.services import settings as reminder_settings
from improvement_tracker.services.mail import SmtpSender
from improvement_tracker.services.settings import ReminderSettings
from improvement_tracker.services.working_days import first_working_day_of_week, is_working_day
from tests import factories

MARCH = [date(2027, 3, 1) + timedelta(days=n) for n in range(31)]
LONG_AGO = datetime(2027, 1, 1, 9, 0)


def _action(owner: User, reference: str, due: date | None, status: str = "not_started",
            last_update: datetime = LONG_AGO) -> Action:
    action = factories.create_action(owner, reference=reference, due=due, status=status)
    action.assigned_at = LONG_AGO
    action.last_update_at = last_update
    plan_version.changed(db.session, action.force_id)  # a hand edit of the plan, as a page would record it
    db.session.commit()
    return action


@pytest.fixture
def month_plan(app):
    people = {
        "olive": factories.create_user("action_owner", email="olive@example.police.uk", name="Olive Owner"),
        "paul": factories.create_user("action_owner", email="paul@example.police.uk", name="Paul Paused"),
        "sam": factories.create_user("action_owner", email="sam@example.police.uk", name="Sam Silent"),
        "pat": factories.create_user("programme_manager", email="pat@example.police.uk", name="Pat Manager"),
        "ollie": factories.create_user("oversight", None, email="ollie@example.gov.uk", name="Ollie Oversight"),
    }
    people["paul"].reminders_paused_until = date(2027, 3, 31)
    db.session.commit()
    _action(people["olive"], "A", date(2027, 3, 10))
    _action(people["olive"], "B", date(2027, 3, 10))
    _action(people["paul"], "C", date(2027, 3, 2))
    _action(people["sam"], "D", date(2027, 12, 1), status="in_progress", last_update=datetime(2027, 2, 1, 10))
    _action(people["olive"], "NO-DATE", None)
    return people


def deliver(sender, **kwargs) -> outbox_job.DeliveryReport:
    """The outbox job, as the scheduler runs it (one transaction per step)."""
    return outbox_job.deliver(jobs.transactions(db.session), sender, base_url="https://x", mail_from="t@x",
                              **kwargs)


def _received(handler) -> dict[str, list[tuple[str, str]]]:
    """Emails per recipient: (subject, plain text)."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for message in handler.messages:
        out[message["To"]].append((message["Subject"], message.get_body(("plain",)).get_content()))
    return out


def test_a_month_of_reminders(mail_app, month_plan, smtp_server):
    handler, _ = smtp_server
    by_day: dict[date, dict[str, list[str]]] = {}
    for day in MARCH:
        before = len(handler.messages)
        scheduler.daily_reminders(mail_app, day)
        scheduler.daily_reminders(mail_app, day)  # a rerun the same day sends nothing more
        today_msgs = handler.messages[before:]
        by_day[day] = defaultdict(list)
        for message in today_msgs:
            by_day[day][message["To"]].append(message["Subject"])

    def days_for(address: str) -> list[int]:
        return [d.day for d, mail in by_day.items() for _ in mail.get(address, [])]

    # Olive: due-soon (30-day catch-up on the 1st, 7 days, 1 day), then overdue on days 1, 2, 4, 8 and 16;
    # day 4 (Sunday 14th) moves to Monday 15th, day 16 (Good Friday) to Tuesday 30th.
    assert days_for("olive@example.police.uk") == [1, 3, 9, 11, 12, 15, 18, 30]
    olive = _received(handler)["olive@example.police.uk"]
    for subject, text in olive:
        assert subject == "2 improvement actions need your attention"
        assert "* A: " in text and "* B: " in text and "NO-DATE" not in text
        assert "https://tracker.example.gov.uk/notifications" in text
    assert "Due in 9 days" in olive[0][1]
    assert "16 days overdue" not in olive[-1][1] and "20 days overdue" in olive[-1][1]

    # Paul is on leave: nothing, although his action is overdue all month.
    assert days_for("paul@example.police.uk") == []
    # Sam's in-progress action went quiet on 1 February: one nudge at 28 days, then silence.
    assert days_for("sam@example.police.uk") == [1]
    assert "No progress update for 28 days" in _received(handler)["sam@example.police.uk"][0][1]

    # Pat: weekly summaries with each week's first run on a working day (Tuesday 30th after Easter Monday),
    # and escalations at 14 days overdue: Paul's C on the 16th (pause or not), A and B on the 24th.
    pat = by_day
    assert days_for("pat@example.police.uk") == [1, 8, 15, 16, 22, 24, 30]
    assert pat[date(2027, 3, 16)]["pat@example.police.uk"] == ["1 improvement action needs your attention"]
    assert pat[date(2027, 3, 24)]["pat@example.police.uk"] == ["2 improvement actions need your attention"]
    assert pat[date(2027, 3, 8)]["pat@example.police.uk"] == ["Weekly summary: Avon and Somerset improvement plan"]
    assert days_for("ollie@example.gov.uk") == [1, 8, 15, 22, 30]

    # Never two emails to one person on one day; nothing on weekends or bank holidays.
    for day, mail in by_day.items():
        assert all(len(subjects) == 1 for subjects in mail.values()), day
        if not is_working_day(day):
            assert not mail, day
    ids = [m["Message-ID"] for m in handler.messages]
    assert len(ids) == len(set(ids))


def test_due_date_change_rearms_for_the_new_date_only(mail_app, smtp_server):
    handler, _ = smtp_server
    owner = factories.create_user("action_owner", email="o@example.police.uk")
    pm = factories.create_user("programme_manager")
    action = _action(owner, "A", date(2027, 3, 10))
    scheduler.daily_reminders(mail_app, date(2027, 3, 3))  # 7 days before
    assert len(handler.to("o@example.police.uk")) == 1

    plans.change_due_date(db.session, db.session.get(Action, action.id), date(2027, 4, 30), "Re-planned",
                          actor=pm)
    db.session.commit()
    for day in MARCH[3:30]:
        scheduler.daily_reminders(mail_app, day)
    assert len(handler.to("o@example.police.uk")) == 1, "nothing for the old date, nothing yet for the new"
    scheduler.daily_reminders(mail_app, date(2027, 3, 31))  # 30 days before the new date
    scheduler.daily_reminders(mail_app, date(2027, 4, 23))  # 7 days before
    mail = handler.to("o@example.police.uk")
    assert len(mail) == 3
    assert "Due in 30 days (30 April 2027)" in mail[1].get_body(("plain",)).get_content()
    assert "Due in 7 days (30 April 2027)" in mail[2].get_body(("plain",)).get_content()


def test_reassignment_tells_the_new_owner_and_stops_the_old(mail_app, smtp_server):
    handler, _ = smtp_server
    old = factories.create_user("action_owner", email="old@example.police.uk")
    new = factories.create_user("action_owner", email="new@example.police.uk")
    pm = factories.create_user("programme_manager")
    action = _action(old, "A", date(2027, 3, 10))
    scheduler.daily_reminders(mail_app, date(2027, 3, 3))
    assert len(handler.to("old@example.police.uk")) == 1

    action = db.session.get(Action, action.id)
    plans.update_action(db.session, action, plans.ActionFields(
        reference="A", title=action.title, pillar_id=action.pillar_id, owner_id=new.id), actor=pm)
    action.assigned_at = datetime(2027, 3, 4, 9)
    db.session.commit()
    scheduler.daily_reminders(mail_app, date(2027, 3, 4))
    new_mail = handler.to("new@example.police.uk")
    assert len(new_mail) == 1
    text = new_mail[0].get_body(("plain",)).get_content()
    assert "Newly assigned to you" in text and "Due in 6 days" in text
    scheduler.daily_reminders(mail_app, date(2027, 3, 9))
    assert len(handler.to("old@example.police.uk")) == 1
    assert len(handler.to("new@example.police.uk")) == 2


def test_assignment_is_sent_by_the_frequent_job(app, mail_app, smtp_server):
    handler, _ = smtp_server
    owner = factories.create_user("action_owner", email="fresh@example.police.uk")
    factories.create_action(owner, reference="NEW", due=None)  # assigned now
    scheduler.assignments_and_outbox(mail_app)
    scheduler.assignments_and_outbox(mail_app)
    mail = handler.to("fresh@example.police.uk")
    assert [m["Subject"] for m in mail] == ["An improvement action has been assigned to you"]


def test_paused_or_opted_out_owner_gets_nothing_but_the_manager_is_still_told(mail_app, smtp_server):
    handler, _ = smtp_server
    owner = factories.create_user("action_owner", email="off@example.police.uk")
    owner.reminders_enabled = False
    pm = factories.create_user("programme_manager", email="pm@example.police.uk")
    db.session.commit()
    _action(owner, "A", date(2027, 3, 1))
    for day in MARCH:
        scheduler.daily_reminders(mail_app, day)
    assert handler.to("off@example.police.uk") == []
    escalations = [m for m in handler.to("pm@example.police.uk") if "attention" in m["Subject"]]
    assert len(escalations) == 1
    assert "owner" in escalations[0].get_body(("plain",)).get_content()
    assert pm.id


def test_a_due_soon_threshold_on_a_bank_holiday_goes_on_the_working_day_before(mail_app, smtp_server):
    handler, _ = smtp_server
    owner = factories.create_user("action_owner", email="o@example.police.uk")
    # 7 days before 2 April 2027 is Good Friday, 26 March; Easter Monday follows.
    _action(owner, "A", date(2027, 4, 2))
    scheduler.daily_reminders(mail_app, date(2027, 3, 24))  # the 30-day reminder, caught up
    scheduler.daily_reminders(mail_app, date(2027, 3, 25))  # the 7-day one, a day early
    for day in (date(2027, 3, 26), date(2027, 3, 29), date(2027, 3, 30), date(2027, 3, 31)):
        scheduler.daily_reminders(mail_app, day)
    mail = [m.get_body(("plain",)).get_content() for m in handler.to("o@example.police.uk")]
    assert len(mail) == 2
    assert "Due in 9 days (2 April 2027)" in mail[0] and "Due in 8 days (2 April 2027)" in mail[1]
    scheduler.daily_reminders(mail_app, date(2027, 4, 1))
    assert "Due tomorrow" in handler.to("o@example.police.uk")[2].get_body(("plain",)).get_content()


def test_smtp_refusals_are_retried_then_sent_once(mail_app, smtp_server):
    handler, port = smtp_server
    owner = factories.create_user("action_owner", email="o@example.police.uk")
    _action(owner, "A", date(2027, 3, 3))
    handler.refuse = 2
    scheduler.daily_reminders(mail_app, date(2027, 3, 3))
    notification = db.session.scalar(select(Notification))
    db.session.refresh(notification)
    assert (notification.status, notification.attempts) == ("pending", 1)
    assert "421" in notification.last_error
    with mail_app.app_context():
        sender = SmtpSender("127.0.0.1", port)
        later = datetime.now() + timedelta(days=1)
        deliver(sender, now=later)
        deliver(sender, now=later)
        deliver(sender, now=later + timedelta(days=1))
    db.session.expire_all()
    notification = db.session.scalar(select(Notification))
    assert (notification.status, notification.attempts) == ("sent", 3)
    assert len(handler.to("o@example.police.uk")) == 1


def test_a_server_that_keeps_refusing_leaves_the_email_failed_for_admins(mail_app, smtp_server, client_request):
    handler, port = smtp_server
    owner = factories.create_user("action_owner", email="o@example.police.uk")
    _action(owner, "A", date(2027, 3, 3))
    handler.refuse = 100
    scheduler.daily_reminders(mail_app, date(2027, 3, 3))
    with mail_app.app_context():
        sender = SmtpSender("127.0.0.1", port)
        for n in range(1, 8):
            deliver(sender, now=datetime.now() + timedelta(days=n), max_attempts=5)
    db.session.expire_all()
    notification = db.session.scalar(select(Notification))
    assert (notification.status, notification.attempts) == ("failed", 5)
    assert handler.attempts == 5 and handler.messages == []

    client_request.login(factories.create_user("admin", None))
    page = client_request.get("/admin/outbox")
    assert "o@example.police.uk" in page.get_text() and "421" in page.get_text()
    handler.refuse = 0
    client_request.post(f"/admin/outbox/{notification.id}/retry")
    with mail_app.app_context():
        deliver(SmtpSender("127.0.0.1", port))
    assert len(handler.to("o@example.police.uk")) == 1


def test_an_email_interrupted_mid_send_is_never_sent_twice(mail_app, smtp_server):
    handler, port = smtp_server
    owner = factories.create_user("action_owner", email="o@example.police.uk")
    _action(owner, "A", date(2027, 3, 3))
    with mail_app.app_context():
        reminders.run_daily(db.session, date(2027, 3, 3), ReminderSettings())
        db.session.commit()
        notification = db.session.scalar(select(Notification))
        # The process died after taking the row and before the server answered.
        notification.status = "sending"
        notification.sending_started_at = datetime(2027, 3, 3, 7, 0)
        db.session.commit()
        report = deliver(SmtpSender("127.0.0.1", port), now=datetime(2027, 3, 3, 8, 0))
        assert report.sent == []
        db.session.refresh(notification)
        assert notification.status == "failed" and "Interrupted" in notification.last_error
    assert handler.messages == []


def test_dry_run_sends_and_records_nothing(app, month_plan):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders", "run", "--today", "2027-03-01", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "olive@example.police.uk: 2 improvement actions need your attention (2 items)" in result.output
    assert "  Due soon: A – Due in 9 days (10 March 2027)" in result.output
    assert db.session.scalar(select(func.count()).select_from(ReminderClaim)) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_cli_reports_a_weekend(app):
    result = app.test_cli_runner().invoke(args=["reminders", "run", "--today", "2027-03-06"])
    assert "not a working day" in result.output


def test_cli_refuses_a_bad_date(app):
    result = app.test_cli_runner().invoke(args=["reminders", "run", "--today", "next tuesday"])
    assert result.exit_code == 2 and "must be a date" in result.output


def test_two_processes_on_the_same_day_send_each_email_once(app, month_plan, smtp_server, database_url, tmp_path):
    """Two real scheduler processes racing on the same database and the same day."""
    handler, port = smtp_server
    env = {**os.environ, "DATABASE_URL": database_url, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
           "SECRET_KEY": "x" * 40, "INSTANCE_PATH": str(tmp_path), "APP_ENV": "embedded"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "run", "--today", "2027-03-01"]
    processes = [subprocess.Popen(command, env=env, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    recipients = sorted(m["To"] for m in handler.messages)
    assert recipients == sorted(["ollie@example.gov.uk", "olive@example.police.uk", "pat@example.police.uk",
                                 "sam@example.police.uk"])
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 4


def test_the_first_working_day_of_a_week_skips_a_bank_holiday_monday():
    assert first_working_day_of_week(date(2027, 3, 31)) == date(2027, 3, 30)
    assert first_working_day_of_week(date(2027, 3, 3)) == date(2027, 3, 1)


# --- the services leave the commit to the jobs ------------------------------------------------

def test_the_reminders_service_leaves_the_commit_to_its_caller(app, month_plan):
    """What a run claims and queues is kept only when its caller commits (jobs own the transactions)."""
    report = reminders.run_daily(db.session, date(2027, 3, 1), ReminderSettings())
    assert len(report.notifications) == 4
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert db.session.scalar(select(func.count()).select_from(ReminderClaim)) == 0


def test_weekly_summaries_come_from_the_0700_run_and_no_other_job(app):
    assert {job.id for job in scheduler.build(app).get_jobs()} == {
        "outbox", "housekeeping", "daily_snapshot", "dashboard_cache", "daily_reminders"}


# --- what the emails say ----------------------------------------------------------------------

def test_escalations_say_the_threshold_they_were_claimed_under(mail_app, smtp_server, client_request):
    handler, _ = smtp_server
    owner = factories.create_user("action_owner", email="o@example.police.uk", name="Olive Owner")
    pm = factories.create_user("programme_manager", email="pm@example.police.uk")
    admin = factories.create_user("admin", None)
    reminder_settings.save(db.session, ReminderSettings(escalation_days=10), actor=admin)
    db.session.commit()
    _action(owner, "A", date(2027, 3, 1))
    with mail_app.app_context():
        # Claimed on the 11th (10 days overdue), built and sent after the threshold changed again.
        reminders.run_daily(db.session, date(2027, 3, 11), reminder_settings.load(db.session))
        reminder_settings.save(db.session, ReminderSettings(escalation_days=21), actor=admin)
        db.session.commit()
        deliver(SmtpSender("127.0.0.1", smtp_server[1]))
    [email] = [m for m in handler.to("pm@example.police.uk") if "attention" in m["Subject"]]
    for part in ("plain", "html"):
        body = email.get_body((part,)).get_content()
        assert "Overdue actions in your force (10 days or more)" in body
        assert "14 days" not in body and "21 days" not in body
    assert "owner Olive Owner" in email.get_body(("plain",)).get_content()
    assert pm.id


def test_a_stale_action_counts_london_days(mail_app, smtp_server):
    """An update at 00:30 BST on 14 June is stored as 23:30 UTC on the 13th: it was made on the 14th."""
    handler, _ = smtp_server
    owner = factories.create_user("action_owner", email="o@example.police.uk")
    _action(owner, "A", date(2027, 12, 1), status="in_progress", last_update=datetime(2027, 6, 13, 23, 30))
    scheduler.daily_reminders(mail_app, date(2027, 7, 9))  # 25 London days: nothing yet
    assert handler.to("o@example.police.uk") == []
    scheduler.daily_reminders(mail_app, date(2027, 7, 12))  # Monday: 28 London days
    [email] = handler.to("o@example.police.uk")
    assert "No progress update for 28 days" in email.get_body(("plain",)).get_content()
    claim = db.session.scalar(select(ReminderClaim).where(ReminderClaim.kind == "stale"))
    assert ":2027-06-14:" in claim.dedupe_key


def test_an_owner_assigned_just_after_london_midnight_a_week_ago_is_still_told(mail_app, smtp_server):
    """Assignments of the last seven London days: 00:30 BST on 7 June is 23:30 UTC on the 6th."""
    handler, _ = smtp_server
    owner = factories.create_user("action_owner", email="o@example.police.uk")
    action = _action(owner, "A", None)
    action.assigned_at = datetime(2027, 6, 6, 23, 30)
    plan_version.changed(db.session, action.force_id)
    db.session.commit()
    scheduler.daily_reminders(mail_app, date(2027, 6, 14))
    assert [m["Subject"] for m in handler.to("o@example.police.uk")] == [
        "An improvement action has been assigned to you"]


def _links(message) -> list[str]:
    from bs4 import BeautifulSoup

    html = BeautifulSoup(message.get_body(("html",)).get_content(), "html.parser")
    return [a["href"] for a in html.find_all("a")]


def test_links_are_made_from_base_url_with_its_port_and_path(app, month_plan):
    from improvement_tracker.services.mail import build_message

    reminders.run_daily(db.session, date(2027, 3, 1), ReminderSettings())
    db.session.commit()
    olive = month_plan["olive"]
    [digest] = db.session.scalars(select(Notification).where(Notification.recipient_id == olive.id))
    weekly = db.session.scalar(select(Notification).where(Notification.kind == "weekly_summary",
                                                          Notification.recipient_id == month_plan["pat"].id))
    message = build_message(digest, base_url="http://127.0.0.1:8000", mail_from="t@x")
    ids = sorted(item["action_id"] for item in digest.items)
    assert _links(message) == [f"http://127.0.0.1:8000/actions/{i}" for i in ids] + [
        "http://127.0.0.1:8000/notifications"]
    text = message.get_body(("plain",)).get_content()
    assert f"  http://127.0.0.1:8000/actions/{ids[0]}\n" in text
    assert text.rstrip().endswith("Change or pause these emails: http://127.0.0.1:8000/notifications")

    message = build_message(weekly, base_url="http://example.test:8000/tracker", mail_from="t@x")
    assert _links(message) == ["http://example.test:8000/tracker/forces/avon-and-somerset",
                               "http://example.test:8000/tracker/notifications"]


def test_each_email_is_a_whole_html_document_in_english(app, month_plan):
    from improvement_tracker.services.mail import build_message

    reminders.run_daily(db.session, date(2027, 3, 1), ReminderSettings())
    db.session.commit()
    kinds = set()
    for notification in db.session.scalars(select(Notification)):
        html = build_message(notification, base_url="https://x", mail_from="t@x").get_body(("html",)).get_content()
        assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
        assert f"<title>{notification.subject}</title>" in html
        kinds.add(notification.kind)
    assert kinds == {"digest", "weekly_summary"}


def test_a_weekly_summary_stored_before_links_were_routes_still_links(app):
    """Rows queued by the earlier code kept paths; they are read as routes, under today's BASE_URL."""
    from improvement_tracker.services.mail import build_message

    pm = factories.create_user("programme_manager", email="pm@example.police.uk")
    action = factories.create_action(pm, reference="OLD")
    notification = Notification(recipient_id=pm.id, kind="weekly_summary", dedupe_key="weekly:old",
                                subject="Weekly summary: Avon and Somerset improvement plan",
                                items=[{"intro": "As at 1 March 2027.", "figures": [["Actions", 1]],
                                        "rows_title": "Overdue actions",
                                        "rows": [{"text": "OLD: late", "path": f"/actions/{action.id}"},
                                                 {"text": "Gone", "path": "/no-such-page"}],
                                        "path": "/forces/avon-and-somerset"}])
    db.session.add(notification)
    db.session.commit()
    message = build_message(notification, base_url="https://tracker.example/sub", mail_from="t@x")
    assert _links(message) == [f"https://tracker.example/sub/actions/{action.id}",
                               "https://tracker.example/sub/forces/avon-and-somerset",
                               "https://tracker.example/sub/notifications"]
    assert "* Gone" in message.get_body(("plain",)).get_content()
