"""Shared fixtures.

The database is built once per test worker by running the real Alembic migrations, on
SQLite by default or on PostgreSQL when TEST_DATABASE_URL is set (a fresh database per
worker). After each test every table is emptied and the reference data put back.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from improvement_tracker import create_app
from improvement_tracker.config import normalise_database_url
from improvement_tracker.extensions import db
from improvement_tracker.services import kept, plan_version
from improvement_tracker.services.outcome_catalogue import ensure_catalogue
from improvement_tracker.services.reference_data import ensure_reference_data
from tests import factories


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def create_postgres_database(base_url: str, suffix: str) -> str:
    """Drop and create <name>_<suffix> on the server in base_url; return its URL."""
    url = sa.make_url(normalise_database_url(base_url))
    name = f"{url.database}_{suffix}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        return create_postgres_database(base, _worker())
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def make_app(instance_path: str, database_url: str, **overrides) -> Flask:
    env = {
        "APP_ENV": "embedded",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-which-is-long-enough-000000",
        "BASE_URL": "http://localhost",
        "UPLOAD_DIR": os.path.join(instance_path, "uploads"),
    }
    os.environ["INSTANCE_PATH"] = instance_path
    try:
        app = create_app({"ENV": env, "TESTING": True, **overrides})
    finally:
        os.environ.pop("INSTANCE_PATH", None)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from flask_migrate import upgrade

    app = make_app(str(tmp_path_factory.mktemp("instance")), database_url)
    with app.app_context():
        upgrade()
        db.session.remove()
    # Every write to a plan table must bump its force's plan version, or the test fails; and nothing
    # a page keeps may be changed after it is kept.
    plan_version.install_guard()
    kept.kept.check_unchanged = True
    yield app
    plan_version.remove_guard()


@pytest.fixture(autouse=True)
def _app_context(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests that use the app run inside its context and leave an empty database behind."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        yield
        db.session.remove()
        _empty_tables()


def _empty_tables() -> None:
    # What pages keep is keyed by plan versions, which start again in an emptied database.
    kept.clear()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())
        ensure_reference_data(connection)
        ensure_catalogue(connection)
        plan_version.ensure_national_row(connection)


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production.

    Tests run inside an app context (for factories and queries). Flask would reuse it for
    every request, sharing `g` (the signed-in user, the CSRF token) between requests and
    hiding bugs; hiding it during the request gives each one a fresh context and session.
    """

    def open(self, *args, **kwargs):
        from flask.globals import _cv_app

        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The app served from a thread on loopback, each request in its own thread: for browsers, and
    for requests sent at the same moment (tests/views/test_writes_apply_once.py)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class ClientRequest:
    """Every page a test opens goes through here and is checked as a user's browser would see it.

    Each HTML page must have a title, exactly one <h1>, no <script> without the CSP nonce of
    its response, and every POST form a CSRF token and an action.
    """

    def __init__(self, client: FlaskClient):
        self.client = client
        self.user = None

    # --- signing in ---
    def login(self, user, password: str = factories.PASSWORD) -> ClientRequest:
        self.logout()
        response = self.client.post("/sign-in", data={
            "email": user.email, "password": password, "csrf_token": self.csrf_token(),
        })
        assert response.status_code == 302, f"sign-in failed for {user.email}"
        self.user = user
        return self

    def logout(self) -> None:
        self.client.delete_cookie("__Host-session")
        self.client.delete_cookie("session")
        self.user = None

    def csrf_token(self) -> str:
        response = self.client.get("/sign-in" if self.user is None else "/", follow_redirects=True)
        page = BeautifulSoup(response.data, "html.parser")
        field = page.select_one("input[name=csrf_token]")
        assert field is not None, "no page offered a CSRF token"
        return field["value"]

    # --- requests ---
    def get(self, url: str, expected_status: int = 200, **kwargs) -> BeautifulSoup:
        response = self.client.get(url, **kwargs)
        assert response.status_code == expected_status, (
            f"GET {url}: expected {expected_status}, got {response.status_code} "
            f"{response.headers.get('Location', '')}"
        )
        return self.check_page(response)

    def post(self, url: str, data: dict | None = None, expected_status: int = 302, *,
             csrf: bool = True, follow: bool = False, **kwargs):
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            data["csrf_token"] = self.csrf_token()
        response = self.client.post(url, data=data, follow_redirects=follow, **kwargs)
        assert response.status_code == expected_status, (
            f"POST {url}: expected {expected_status}, got {response.status_code} "
            f"{response.headers.get('Location', '')}"
        )
        return response

    def post_page(self, url: str, data: dict | None = None, expected_status: int = 200, **kwargs):
        """POST and return the parsed page (a form shown again with errors, or a followed redirect)."""
        response = self.post(url, data, expected_status=expected_status, **kwargs)
        return self.check_page(response)

    @staticmethod
    def check_page(response) -> BeautifulSoup:
        page = BeautifulSoup(response.data, "html.parser")
        if response.mimetype != "text/html":
            return page
        title = page.title.get_text(strip=True) if page.title else ""
        assert title, "page has no <title>"
        assert len(page.find_all("h1")) == 1, f"page {title!r} must have exactly one <h1>"
        csp = response.headers.get("Content-Security-Policy", "")
        match = re.search(r"'nonce-([^']+)'", csp)
        assert match, "response has no CSP nonce"
        for script in page.find_all("script"):
            assert script.get("nonce") == match.group(1), f"<script> without the nonce on {title!r}"
        for form in page.find_all("form"):
            assert form.get("action") is not None, f"form without an action on {title!r}"
            if (form.get("method") or "get").lower() == "post":
                assert form.select_one("input[name=csrf_token]"), f"POST form without CSRF token on {title!r}"
        return page


@pytest.fixture
def client_request(client: FlaskClient) -> ClientRequest:
    return ClientRequest(client)


def error_messages(page: BeautifulSoup) -> list[str]:
    """The inline error messages next to fields, without the visually hidden 'Error:' prefix."""
    messages = []
    for node in page.select(".govuk-error-message"):
        text = node.get_text(" ", strip=True)
        messages.append(re.sub(r"^Error:\s*", "", text))
    return messages


def summary_errors(page: BeautifulSoup) -> list[str]:
    return [a.get_text(strip=True) for a in page.select(".govuk-error-summary__list a")]


# --- email ---------------------------------------------------------------------------------

class SmtpCapture:
    """An aiosmtpd handler that keeps every message, or refuses the first `refuse` attempts."""

    def __init__(self) -> None:
        self.messages: list = []
        self.refuse = 0
        self.attempts = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        import email
        from email import policy

        self.attempts += 1
        if self.refuse:
            self.refuse -= 1
            return "421 4.3.2 Service not available, closing transmission channel"
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[SmtpCapture, int]]:
    """A real SMTP server on loopback; the test's app sends to it."""
    from aiosmtpd.controller import Controller

    handler = SmtpCapture()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
