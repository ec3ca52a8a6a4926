"""The scheduler process and its jobs. Run exactly one: `flask --app wsgi scheduler run`.

Web workers never start it (under gunicorn every worker would run every job). Every job is
safe to run twice or in two processes at once: work is claimed in the database first.
"""

from __future__ import annotations

import logging
from datetime import date

from flask import Flask

from improvement_tracker.extensions import db
from improvement_tracker.services import clock, outbox, reminders, settings
from improvement_tracker.services.mail import sender_from_config

log = logging.getLogger(__name__)
# Each job runs in its own app context; Flask-SQLAlchemy removes the session when it ends.


def send_outbox(app: Flask) -> outbox.SendReport:
    with app.app_context():
        return outbox.send_pending(
            db.session, sender_from_config(app.config), base_url=app.config["BASE_URL"],
            mail_from=app.config["MAIL_FROM"], max_attempts=app.config["MAIL_MAX_ATTEMPTS"])


def assignments_and_outbox(app: Flask) -> None:
    """Every few minutes: tell new owners, then deliver what is waiting."""
    with app.app_context():
        reminders.run_assignments(db.session, clock.today())
    report = send_outbox(app)
    if report.sent or report.failed:
        log.info("outbox: %d sent, %d retrying, %d failed", len(report.sent), len(report.retrying),
                 len(report.failed))


def daily_reminders(app: Flask, today: date | None = None) -> reminders.RunReport:
    with app.app_context():
        report = reminders.run_daily(db.session, today or clock.today(), settings.load(db.session))
    send_outbox(app)
    log.info("reminders for %s: %d emails to %d recipients", report.day, len(report.notifications),
             report.recipients)
    return report


def weekly_summaries(app: Flask) -> None:
    with app.app_context():
        reminders.queue_weekly_summaries(db.session, clock.today())
    send_outbox(app)


def daily_snapshot(app: Flask) -> None:
    from improvement_tracker.services import snapshots

    with app.app_context():
        snapshots.build_live(db.session, clock.today())
        db.session.commit()


def dashboard_cache(app: Flask, today: date | None = None) -> None:
    """Precompute the heavy national dashboard figures (after the day's snapshots)."""
    from improvement_tracker.services import dashboards

    with app.app_context():
        dashboards.refresh_national_cache(db.session, today or clock.today())
        db.session.commit()


def housekeeping(app: Flask) -> None:
    """Nightly: forget sign-in attempts nobody needs any more (the table would only grow)."""
    from improvement_tracker.services import users

    with app.app_context():
        removed = users.prune_login_attempts(db.session)
        db.session.commit()
    log.info("housekeeping: %d old sign-in attempts removed", removed)


def build(app: Flask):
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    scheduler = BlockingScheduler(timezone="Europe/London",
                                  job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    scheduler.add_job(assignments_and_outbox, "interval", minutes=2, args=[app], id="outbox")
    scheduler.add_job(daily_snapshot, CronTrigger(hour=6, minute=0, timezone="Europe/London"), args=[app],
                      id="daily_snapshot")
    scheduler.add_job(dashboard_cache, CronTrigger(hour=6, minute=15, timezone="Europe/London"), args=[app],
                      id="dashboard_cache")
    scheduler.add_job(daily_reminders, CronTrigger(hour=7, minute=0, timezone="Europe/London"), args=[app],
                      id="daily_reminders")
    # Daily on weekdays at 07:30; the service sends only on the week's first working day, once.
    scheduler.add_job(weekly_summaries, CronTrigger(day_of_week="mon-fri", hour=7, minute=30,
                                                    timezone="Europe/London"), args=[app], id="weekly_summaries")
    scheduler.add_job(housekeeping, CronTrigger(hour=3, minute=30, timezone="Europe/London"), args=[app],
                      id="housekeeping")
    return scheduler
