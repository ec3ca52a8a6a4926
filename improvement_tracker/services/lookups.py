"""Query helpers too small for a module of their own and used by several."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

# Bound parameters per IN list: well under SQLite's and PostgreSQL's limits, and a statement
# shape the databases see again and again.
IN_CHUNK = 500


def which_exist(session: Session, column: ColumnElement[Any], values: Iterable[Any], *,
                chunk: int = IN_CHUNK) -> set[Any]:
    """The values found in ``column``, asked ``chunk`` at a time (one query per chunk).

    ``column`` may be an expression (``func.lower(User.email)``); it is both selected and
    compared, so the values must be in the form it produces.
    """
    wanted = list(dict.fromkeys(values))
    found: set[Any] = set()
    for start in range(0, len(wanted), chunk):
        found |= set(session.scalars(select(column).where(column.in_(wanted[start:start + chunk]))))
    return found

