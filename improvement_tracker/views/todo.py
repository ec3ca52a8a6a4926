"""A programme manager's to-do page: where they land after signing in (security.landing_endpoint)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import login_required

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.services import clock, todo
from improvement_tracker.views._helpers import me

bp = Blueprint("todo", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


@bp.get("/todo")
def index():
    user = me()
    if not security.has_todo(user):
        # A page of a force's plan for the people who manage it: anyone else has their own start page.
        return redirect(url_for("auth.index"))
    force = user.force
    return render_template("todo/index.html", force=force,
                           todo=todo.for_manager(db.session, user, force, clock.today()))
