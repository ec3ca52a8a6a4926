"""Fixtures for the demo data's tests."""

from __future__ import annotations

import pytest

from improvement_tracker.demo.pathfinders import SeedResult, seed
from improvement_tracker.extensions import db


@pytest.fixture
def seeded(app) -> SeedResult:
    """The database as `flask seed-demo` leaves it."""
    result = seed(db.session)
    db.session.commit()
    return result
