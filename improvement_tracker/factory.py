"""The application factory: settings, extensions, templates, blueprints, security headers."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from flask import Flask, abort, request, session
from flask.sessions import SecureCookieSessionInterface
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from improvement_tracker import cli, errors, templating
from improvement_tracker.config import load_config
from improvement_tracker.csp import csp_nonce
from improvement_tracker.extensions import csrf, db, login_manager, migrate
from improvement_tracker.services.inputs import ID_PATTERN, MAX_ID, has_control_characters
from improvement_tracker.services.users import load_session_user
from improvement_tracker.views import (
    actions,
    admin,
    auth,
    commitment_reviews,
    commitments,
    dashboards,
    evidence,
    health,
    imports,
    notifications,
    outcome_imports,
    outcome_measures,
    outcomes,
    plans,
    return_reviews,
    returns,
    search,
    todo,
)

BLUEPRINTS = (auth.bp, plans.bp, actions.bp, admin.bp, health.bp, notifications.bp, evidence.bp, imports.bp,
              dashboards.bp, returns.bp, return_reviews.bp, outcomes.bp, outcome_imports.bp,
              outcome_measures.bp, commitments.bp,
              commitment_reviews.bp, search.bp, todo.bp)

ROOT = Path(__file__).resolve().parent.parent


class _SessionInterface(SecureCookieSessionInterface):
    """Static files never set the session cookie: they stay cacheable, and a stylesheet that
    loads late cannot bring back a session the user has just ended."""

    def should_set_cookie(self, app: Flask, session) -> bool:
        if request.endpoint == "static":
            return False
        return super().should_set_cookie(app, session)


class _IdConverter(IntegerConverter):
    """``<int:...>`` in a URL: ASCII digits only (Werkzeug's ``\\d`` also matches "٣", which ``int``
    reads as 3), and a number past the database's integer range names nothing: both are a 404 like
    any other unknown id (services.inputs holds the rule)."""

    regex = ID_PATTERN

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        "improvement_tracker",
        instance_path=os.environ.get("INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        static_url_path="/static",
    )
    env = dict(os.environ)
    if test_config and "ENV" in test_config:
        env = test_config.pop("ENV")
    app.url_map.converters["int"] = _IdConverter  # before any route is added
    app.config.from_mapping(load_config(app.instance_path, env))
    if test_config:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    app.session_interface = _SessionInterface()
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(ROOT / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True,
                     render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    WTFormsHelpers(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    errors.register(app)
    templating.register(app)
    cli.register(app)

    @login_manager.user_loader
    def load_user(session_id: str):
        signed_in_at = session.get("signed_in_at")
        if not isinstance(signed_in_at, int | float) or \
                time.time() - signed_in_at > app.config["SESSION_MAX_AGE"].total_seconds():
            return None  # signed in too long ago (or before sign-ins were timed): sign in again
        return load_session_user(db.session, session_id)

    @app.before_request
    def _refuse_control_characters_in_the_url() -> None:
        """A NUL or other control character in the path or query string names nothing and filters
        nothing: refused before any query sees it (PostgreSQL cannot even compare with a NUL).
        Form fields are refused next to their field (forms.base)."""
        texts = [str(value) for value in (request.view_args or {}).values()]
        texts += [text for pair in request.args.items(multi=True) for text in pair]
        if any(map(has_control_characters, texts)):
            abort(404)

    @app.after_request
    def _security_headers(response):
        nonce = csp_nonce()
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config["HSTS_ENABLED"] and request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
