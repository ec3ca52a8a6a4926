"""What the benchmark measures in-process, before gunicorn starts: the SQL queries each page
issues, and how long the daily jobs take on the dataset (the reminders run, the snapshot build,
a 2,000-row import).

Each job's writes are undone afterwards (the rows it added deleted), so the next run measures
the same work on the same data.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from datetime import date, timedelta

from benchmarks.dataset import csrf_token
from benchmarks.plan_workbook import plan_workbook
from benchmarks.query_count import counting_queries
from improvement_tracker.demo.national_people import DOMAIN, PASSWORD


def make_app(env: dict[str, str]):
    from improvement_tracker import create_app

    os.environ["INSTANCE_PATH"] = env["INSTANCE_PATH"]
    return create_app({"ENV": env})


def sign_in_test_client(app, email: str):
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(page)})
    if response.status_code != 302:
        sys.exit(f"could not sign in as {email} in-process ({response.status_code})")
    return client


def count_page_queries(app, per_client: dict[str, list[tuple[str, str]]]) -> dict[str, int]:
    """The most queries any one request of each page issued (every client's URLs, once each)."""
    from improvement_tracker.extensions import db

    counts: dict[str, int] = {}
    sessions: dict[str, object] = {}
    with app.app_context():
        engine = db.engine
    for name, pairs in per_client.items():
        worst = 0
        for email, paths in pairs[:4]:
            if email and email not in sessions:
                sessions[email] = sign_in_test_client(app, email)
            client = sessions.get(email) or app.test_client()
            for path in paths.split(",")[:3]:
                with counting_queries(engine) as statements:
                    response = client.get(path)
                if response.status_code != 200:
                    sys.exit(f"{path} answered {response.status_code} in-process")
                worst = max(worst, len(statements))
        counts[name] = worst
    return counts


def _max_ids(session, models) -> dict:
    from sqlalchemy import func, select

    return {m: session.scalar(select(func.coalesce(func.max(m.id), 0))) for m in models}


def _undo(session, before: dict) -> None:
    """Delete every row added since `before` (children first), so a rerun measures the same work.

    The deletes bypass the services, so every plan is marked as changed: no page kept with the
    job's rows outlives them.
    """
    from sqlalchemy import delete

    from improvement_tracker.services import plan_version

    for model, last in before.items():
        session.execute(delete(model).where(model.id > last))
    plan_version.bump_every_force(session)
    session.commit()


def time_jobs(app, seed: int) -> dict[str, float]:
    from sqlalchemy import select

    from improvement_tracker.extensions import db
    from improvement_tracker.models import AuditEvent, Force, Notification, ReminderClaim, User
    from improvement_tracker.services import clock, imports, reminders, settings, snapshots
    from improvement_tracker.services.plan_version import PLAN_MODELS
    from improvement_tracker.services.working_days import is_working_day

    timings: dict[str, float] = {}
    with app.app_context():
        session = db.session
        # The reminders of the next working day: a steady-state day, after the replayed weeks.
        day = clock.today()
        while not is_working_day(day):
            day += timedelta(days=1)
        before = _max_ids(session, [ReminderClaim, Notification])
        started = time.perf_counter()
        report = reminders.run_daily(session, day, settings.load(session))
        timings["daily reminders"] = time.perf_counter() - started
        print(f"  daily reminders for {day}: {len(report.items):,} items checked, {len(report.notifications)} emails "
              f"queued, {timings['daily reminders']:.2f} s")
        _undo(session, before)

        started = time.perf_counter()
        built = snapshots.build_live(session, clock.today())
        session.commit()
        timings["snapshot build"] = time.perf_counter() - started
        print(f"  snapshot build: {built.rows} rows, {timings['snapshot build']:.2f} s")

        force = session.scalar(select(Force).order_by(Force.name).offset(1).limit(1))
        pm = session.scalar(select(User).where(User.role == "programme_manager", User.force_id == force.id,
                                               User.email.like(f"%.s{seed}@{DOMAIN}")))
        owners = list(session.scalars(select(User.email).where(User.role == "action_owner",
                                                               User.force_id == force.id)))
        data = import_file(owners, prefix=f"BI{secrets.randbelow(10**6)}")
        # The plan tables children first, and the audit events the import records.
        before = _max_ids(session, [AuditEvent, *reversed(PLAN_MODELS)])
        started = time.perf_counter()
        checked = imports.check(session, force, data, "bench.xlsx", actor=pm)
        preview = time.perf_counter() - started
        if not checked.ok:
            sys.exit(f"the benchmark import has problems: {checked.errors[:3]}")
        session.rollback()
        started = time.perf_counter()
        checked = imports.check(session, force, data, "bench.xlsx", actor=pm)
        imports.apply(session, force, checked, actor=pm, create_owners=False)
        session.commit()
        timings["2,000-row import"] = time.perf_counter() - started
        print(f"  2,000-row import into {force.name}: preview {preview:.2f} s, confirm "
              f"{timings['2,000-row import']:.2f} s ({checked.summary()})")
        _undo(session, before)
    return timings


def import_file(owner_emails: list[str], prefix: str) -> bytes:
    """2,000 rows: 1 deep dive, 100 findings, 500 actions, 1,399 milestones."""
    start = date.today() - timedelta(days=60)
    return plan_workbook(owner_emails, deep_dive=f"Benchmark deep dive {prefix}", period="2025", prefix=prefix,
                         findings=100, milestones=1399, start=start,
                         due=lambda a: start + timedelta(days=30 * (a + 2)), first_milestone_day=1)
