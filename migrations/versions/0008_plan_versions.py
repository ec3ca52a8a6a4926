"""Give each force's plan, and all of them together, an explicit version

What pages keep was keyed by the newest audit event id. On PostgreSQL an id is taken at
INSERT and seen at COMMIT, so a writer that took an id and committed after a later one left a
page kept without its change under the later id. A counter bumped by UPDATE in the writing
transaction is ordered by its row lock, as the commits are. The index that found the newest
audit event per force is no longer needed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("forces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_version", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "national_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.CheckConstraint("id = 1", name=op.f("ck_national_version_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_version")),
    )
    op.execute("INSERT INTO national_version (id, version) VALUES (1, 0)")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_force_id_id")


def downgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_force_id_id", ["force_id", "id"], unique=False)
    op.drop_table("national_version")
    with op.batch_alter_table("forces", schema=None) as batch_op:
        batch_op.drop_column("plan_version")
