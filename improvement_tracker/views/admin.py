"""Administration: users, pillars and forces."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from improvement_tracker import security
from improvement_tracker.views._helpers import me

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only() -> None:
    """Everything under /admin is for administrators; anyone else is told it does not exist."""
    if not security.can_administer(me()):
        from flask import abort

        abort(404)


@bp.get("/")
def index():
    return render_template("admin/index.html")
