"""/healthz/scheduler (what a monitor polls) and the admin page of scheduled jobs."""

from __future__ import annotations

from datetime import timedelta

from improvement_tracker import jobs
from improvement_tracker.extensions import db
from improvement_tracker.jobs import runs
from improvement_tracker.jobs.timetable import JOBS
from improvement_tracker.models._types import utcnow
from tests import factories


def _started(ago: timedelta) -> None:
    with jobs.transactions(db.session)() as session:
        runs.scheduler_started(session, now=utcnow() - ago)


def _ran(job: str, ago: timedelta, error: Exception | None = None, counts: dict | None = None) -> None:
    at = utcnow() - ago
    with jobs.transactions(db.session)() as session:
        runs.finish(session, runs.start(session, job, now=at), counts=counts or {}, error=error,
                    now=at + timedelta(seconds=2))


def test_the_health_check_says_when_no_scheduler_was_ever_started(client):
    response = client.get("/healthz/scheduler")
    assert response.status_code == 503
    assert response.json["status"] == "scheduler not running"
    assert "scheduler run" in response.json["reason"]


def test_a_freshly_started_scheduler_is_healthy(client):
    _started(timedelta(minutes=1))
    response = client.get("/healthz/scheduler")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ok"
    assert set(response.json["jobs"]) == set(JOBS)


def test_a_failed_job_is_named(client):
    _started(timedelta(minutes=5))
    _ran("daily_reminders", timedelta(minutes=3), error=ValueError("bad setting"))
    response = client.get("/healthz/scheduler")
    assert response.status_code == 503
    assert response.json["failing"] == ["daily_reminders"]
    assert "ValueError: bad setting" in response.json["problems"][0]
    assert response.json["jobs"]["daily_reminders"]["last_outcome"] == "failed"


def test_a_late_job_is_named(client):
    """Started three days ago; every job has run lately except the reminders, last run three days ago."""
    _started(timedelta(days=3))
    _ran("daily_reminders", timedelta(days=3))
    for name in JOBS.keys() - {"daily_reminders"}:
        _ran(name, timedelta(minutes=1))
    response = client.get("/healthz/scheduler")
    assert response.status_code == 503
    assert response.json["status"] == "late or failing"
    assert response.json["failing"] == ["daily_reminders"]
    assert response.json["problems"][0].startswith("daily_reminders is late: it was due at 07:00 on ")
    assert response.json["jobs"]["daily_reminders"]["state"] == "late"


def test_the_admin_page_flags_a_late_job_and_shows_the_last_runs(client_request):
    _started(timedelta(days=3))
    _ran("daily_reminders", timedelta(days=3), counts={"emails_queued": 4, "emails_sent": 4})
    for name in JOBS.keys() - {"daily_reminders"}:
        _ran(name, timedelta(minutes=1))
    client_request.login(factories.create_user("admin", None))
    index = client_request.get("/admin/")
    assert index.select_one("a[href='/admin/scheduler']").get_text(strip=True) == "Scheduled jobs"

    page = client_request.get("/admin/scheduler")
    assert page.h1.get_text(strip=True) == "Scheduled jobs"
    assert "1 job needs attention" in page.get_text()
    row = page.select_one("#job-daily_reminders")
    cells = [c.get_text(" ", strip=True) for c in row.select("th, td")]
    assert cells[0].startswith("Send reminders") and cells[1].startswith("Daily at 07:00")
    assert cells[2] == "Late"
    assert cells[5] == "Emails queued: 4, Emails sent: 4"
    assert [c.get_text(strip=True) for c in page.select("#job-outbox td")][1] == "On time"
    assert page.select_one(".app-table-scroll table caption")  # wide tables scroll in their own box on a phone


def test_the_admin_page_says_when_the_scheduler_was_never_started(client_request):
    client_request.login(factories.create_user("admin", None))
    page = client_request.get("/admin/scheduler")
    assert "The scheduler has never been started" in page.get_text()
    assert "No job has run yet." in page.get_text()
