"""Fixtures the reminder tests share."""

from __future__ import annotations

import pytest

from tests.conftest import make_app


@pytest.fixture
def mail_app(app, smtp_server, tmp_path, database_url):
    """The app sending its email to the test's SMTP server, with links under a real-looking address."""
    _, port = smtp_server
    return make_app(str(tmp_path), database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                    BASE_URL="https://tracker.example.gov.uk")
