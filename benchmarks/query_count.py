"""Counting the SQL statements a request sends: the benchmark's queries per page and the
query-count test (tests/views/test_query_counts.py) use this one counter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def counting_queries(engine: Engine) -> Iterator[list[str]]:
    """The statements sent on ``engine`` inside the block, in order: ``len()`` is the count."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
