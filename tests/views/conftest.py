"""Fixtures the evidence pages' tests share: an owner's in-progress action and an empty upload folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import factories


@pytest.fixture
def uploads(app) -> Iterator[Path]:
    """An empty upload directory for this test."""
    root = Path(app.config["UPLOAD_DIR"])
    shutil.rmtree(root, ignore_errors=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def owner():
    return factories.create_user("action_owner", name="Owen Owner")


@pytest.fixture
def action(owner):
    return factories.create_action(owner, reference="AS-P1-01-A", status="in_progress",
                                   title="Train investigators in suspect-focused work")


@pytest.fixture
def owner_request(client_request, owner):
    return client_request.login(owner)
