"""Signing in and out. There is no self-registration: admins create accounts."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.auth import ConfirmForm, SignInForm
from improvement_tracker.services import users

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    endpoint, values = security.landing_endpoint(current_user)
    return redirect(url_for(endpoint, **values))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("auth.index"))
    form = SignInForm()
    throttled = False
    if form.validate_on_submit():
        result = users.authenticate(
            db.session, form.email.data, form.password.data, request.remote_addr or "unknown",
            max_attempts=current_app.config["LOGIN_MAX_ATTEMPTS"],
            window_minutes=current_app.config["LOGIN_WINDOW_MINUTES"],
        )
        db.session.commit()
        if result.throttled:
            throttled = True
            form.email.errors.append(
                f"There have been too many attempts to sign in. Try again in "
                f"{current_app.config['LOGIN_WINDOW_MINUTES']} minutes."
            )
        elif result.user is None:
            form.email.errors.append("Enter a correct email address and password")
        else:
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(result.user)
            session.permanent = True
            session["signed_in_at"] = int(time.time())  # for the absolute limit (SESSION_MAX_HOURS)
            if next_url:
                return redirect(next_url)
            endpoint, values = security.landing_endpoint(result.user)
            return redirect(url_for(endpoint, **values))
    return render_template("auth/sign_in.html", form=form), 429 if throttled else 200


@bp.post("/sign-out")
def sign_out():
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.index"))
    if current_user.is_authenticated:
        users.end_sessions(db.session, current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You have been signed out", "success")
    return redirect(url_for("auth.sign_in"))
