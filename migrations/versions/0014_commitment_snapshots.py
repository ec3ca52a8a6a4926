"""Daily snapshots of each national commitment

One row per (day, published commitment): how many of its forces stood where that day (not started,
in progress, blocked, awaiting sign-off, signed off awaiting national confirmation, confirmed,
overdue). The source of a commitment's completion trend; a rerun of a day replaces its rows.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "commitment_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("forces", sa.Integer(), nullable=False),
        sa.Column("not_started", sa.Integer(), nullable=False),
        sa.Column("in_progress", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("awaiting_sign_off", sa.Integer(), nullable=False),
        sa.Column("awaiting_confirmation", sa.Integer(), nullable=False),
        sa.Column("confirmed", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("backfilled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"], ["commitments.id"], name=op.f("fk_commitment_snapshots_commitment_id_commitments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_snapshots")),
        sa.UniqueConstraint("day", "commitment_id", name="uq_commitment_snapshots_day_commitment"),
    )
    with op.batch_alter_table("commitment_snapshots", schema=None) as batch_op:
        batch_op.create_index("ix_commitment_snapshots_commitment_id_day", ["commitment_id", "day"], unique=False)


def downgrade():
    with op.batch_alter_table("commitment_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_commitment_snapshots_commitment_id_day")

    op.drop_table("commitment_snapshots")
