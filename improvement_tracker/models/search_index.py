"""The full-text search index has no model: the database keeps it (migration 0015, docs/search.md).
Comparing the models with the database, and autogenerating a migration, leave it out by its names."""

from __future__ import annotations


def not_the_search_index(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's ``include_name`` hook: SQLite's FTS5 tables (with their shadow tables) and PostgreSQL's
    expression indexes are not the models' to compare."""
    return not ((type_ == "table" and (name or "").startswith("search_fts_"))
                or (type_ == "index" and (name or "").startswith("ix_search_")))
