"""Full-text search over forces, deep dives, findings, actions, milestones and progress updates

The database keeps the index itself, so no service has to remember to: on PostgreSQL a GIN index on
an expression (the row's words as a tsvector, English stemming and stop words); on SQLite an FTS5
external-content table per searched table (Porter stemming), kept by triggers on insert, delete and
update of the searched columns, and filled from the rows already there. services/search.py builds its
queries on the same expressions and tables (docs/search.md). A later migration that rebuilds one of
these tables on SQLite (batch_alter_table copies it and drops the old one, triggers and all) must
create its triggers again: tests/services/test_search.py fails if any is missing.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# Each searched table and its searched columns, the title first. services/search.py has the same.
SEARCHED = {
    "forces": ("name",),
    "deep_dives": ("title", "summary"),
    "findings": ("title", "reference", "detail"),
    "actions": ("title", "reference", "description"),
    "milestones": ("title",),
    "progress_updates": ("text",),
}
# PostgreSQL's parser reads "rape/sexual" as one path, "gov.uk" as one host name, "<b>" as a tag and
# skips whatever follows "<script>"; SQLite's tokenizer keeps just the letters and digits. Spaces in
# place of these characters (the same length, so marked words stay where they were) make both databases
# find the same words.
SPLIT = "translate({words}, '/.@<>&', '      ')"
TOKENIZER = "porter unicode61 remove_diacritics 0"


def _postgresql_document(columns: tuple[str, ...]) -> str:
    words = " || ' ' || ".join(f'"{column}"' for column in columns)
    return f"to_tsvector('english', {SPLIT.format(words=words)})"


def _sqlite_triggers(table: str, columns: tuple[str, ...]) -> list[str]:
    fts = f"search_fts_{table}"
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    add = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"  # noqa: S608 - names from SEARCHED
    # External content: the index is told the words it had, to take them out.
    remove = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"  # noqa: S608 - as above
    return [
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN {remove} {add} END",
    ]


def upgrade():
    dialect = op.get_bind().dialect.name
    for table, columns in SEARCHED.items():
        if dialect == "postgresql":
            op.execute(f"CREATE INDEX ix_search_{table} ON {table} USING gin ({_postgresql_document(columns)})")
        elif dialect == "sqlite":
            fts = f"search_fts_{table}"
            op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(columns)}, content='{table}', "
                       f"content_rowid='id', tokenize='{TOKENIZER}')")
            for statement in _sqlite_triggers(table, columns):
                op.execute(statement)
            op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608 - a name from SEARCHED
        else:
            raise NotImplementedError(f"search has no index for {dialect}")


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in reversed(SEARCHED):
        if dialect == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_search_{table}")
        elif dialect == "sqlite":
            fts = f"search_fts_{table}"
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{event}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
