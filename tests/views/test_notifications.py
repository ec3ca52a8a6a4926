"""Email preferences, the reminders ledger and the admins' reminder settings, through the pages."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from improvement_tracker import scheduler
from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, User
from improvement_tracker.services import settings
from tests import factories
from tests.conftest import error_messages, make_app


def _date(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def test_owner_pauses_reminders_while_on_leave(client_request):
    owner = factories.create_user("action_owner")
    client_request.login(owner)
    page = client_request.get("/notifications")
    assert page.select_one("input#reminders[value=yes]").has_attr("checked")
    back = date.today() + timedelta(days=14)
    client_request.post("/notifications", {"reminders": "yes", "paused_until": _date(back),
                                           "weekly_summary": "no"}, expected_status=200)
    db.session.expire_all()
    user = db.session.get(User, owner.id)
    assert (user.reminders_paused_until, user.weekly_summary) == (back, False)
    page = client_request.get("/notifications")
    assert f"paused until {back.day} {back:%B %Y}" in page.get_text()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "user.notifications_changed"))
    assert event.changes["weekly_summary"] == [True, False]


def test_pause_in_the_past_or_not_a_date_is_refused(client_request):
    owner = factories.create_user("action_owner")
    client_request.login(owner)
    page = client_request.post_page("/notifications", {"reminders": "yes", "weekly_summary": "yes",
                                                       "paused_until": _date(date.today() - timedelta(days=1))})
    assert error_messages(page) == ["The pause must end today or later"]
    page = client_request.post_page("/notifications", {"reminders": "maybe", "weekly_summary": "yes",
                                                       "paused_until": ["40", "1", "2027"]})
    assert error_messages(page) == ["Select yes if you want reminder emails",
                                    "Pause reminders until (optional) must be a real date, like 27 3 2026"]
    db.session.expire_all()
    assert db.session.get(User, owner.id).reminders_paused_until is None


def test_ledger_and_action_page_show_who_was_reminded(app, client_request, smtp_server, tmp_path, database_url):
    _, port = smtp_server
    mail_app = make_app(str(tmp_path), database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    owner = factories.create_user("action_owner", name="Olive Owner")
    pm = factories.create_user("programme_manager")
    action = factories.create_action(owner, reference="AS-1", due=date(2027, 3, 10))
    scheduler.daily_reminders(mail_app, date(2027, 3, 3))
    client_request.login(pm)
    page = client_request.get("/forces/avon-and-somerset/reminders")
    row = page.select_one("tbody tr").get_text(" ", strip=True)
    assert "Olive Owner" in row and "AS-1" in row and "Due in 7 days" in row and "Sent" in row
    page = client_request.get(f"/actions/{action.id}")
    assert "Due in 7 days" in page.select_one("#reminders + .app-table-scroll table").get_text()


def test_admin_changes_thresholds_with_validation(client_request):
    admin = factories.create_user("admin", None)
    client_request.login(admin)
    page = client_request.get("/admin/reminders")
    assert page.select_one("input#overdue_days")["value"] == "1, 2, 4, 8, 16, 32"
    page = client_request.post_page("/admin/reminders", {"due_soon_days": "30, x", "overdue_days": "1, 1",
                                                         "escalation_days": "0", "stale_days": "28"})
    assert error_messages(page) == ["Enter whole numbers of days separated by commas, like 30, 7, 1"]
    assert page.select_one("input#due_soon_days")["value"] == "30, x"
    page = client_request.post_page("/admin/reminders", {"due_soon_days": "14, 3", "overdue_days": "1, 1",
                                                         "escalation_days": "10", "stale_days": "21"})
    assert error_messages(page) == ["Each number of days can only appear once"]
    assert settings.load(db.session) == settings.ReminderSettings()
    client_request.post("/admin/reminders", {"due_soon_days": "3, 14", "overdue_days": "3, 1",
                                             "escalation_days": "10", "stale_days": "21"})
    assert settings.load(db.session) == settings.ReminderSettings((14, 3), (1, 3), 10, 21)
