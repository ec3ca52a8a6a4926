from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from improvement_tracker.extensions import csrf, db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        reason = type(exc.orig if getattr(exc, "orig", None) else exc).__name__
        return jsonify(status="unavailable", reason=f"database unreachable ({reason})"), 503
    finally:
        db.session.remove()
    return jsonify(status="ok")
