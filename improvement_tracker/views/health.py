"""Health checks for monitors: no sign-in, JSON, nothing written."""

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from improvement_tracker.extensions import csrf, db
from improvement_tracker.jobs import health
from improvement_tracker.models._types import utcnow

bp = Blueprint("health", __name__)


def _unreachable(exc: SQLAlchemyError):
    db.session.rollback()
    reason = type(exc.orig if getattr(exc, "orig", None) else exc).__name__
    return jsonify(status="unavailable", reason=f"database unreachable ({reason})"), 503


@bp.get("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return _unreachable(exc)
    finally:
        db.session.remove()
    return jsonify(status="ok")


@bp.get("/healthz/scheduler")
@csrf.exempt
def scheduler():
    """200 when every scheduled job ran on time; 503 naming the late or failing ones (jobs.health)."""
    try:
        status = health.check(db.session, utcnow())
        jobs = {s.job.name: {"state": s.state,
                             "last_started_at": _iso(s.last_run.started_at if s.last_run else None),
                             "last_outcome": s.last_run.outcome if s.last_run else None,
                             "next_due_at": _iso(s.next_due)} for s in status.jobs}
    except SQLAlchemyError as exc:
        return _unreachable(exc)
    finally:
        db.session.remove()
    if not status.running:
        return jsonify(status="scheduler not running",
                       reason="No start of the scheduler has been recorded: run `flask --app wsgi scheduler run`",
                       jobs=jobs), 503
    if status.problems:
        return jsonify(status="late or failing", failing=[s.job.name for s in status.problems],
                       problems=[s.problem for s in status.problems], jobs=jobs), 503
    return jsonify(status="ok", scheduler_started_at=_iso(status.started_at), jobs=jobs)


def _iso(moment) -> str | None:
    """Stored timestamps are naive UTC: say so."""
    return moment.isoformat(timespec="seconds") + "Z" if moment is not None else None
