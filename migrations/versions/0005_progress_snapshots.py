"""Add daily progress snapshots per force and pillar

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COUNTS = ("actions", "not_started", "in_progress", "awaiting_sign_off", "complete", "blocked",
          "closed_not_needed", "red", "amber", "green", "overdue", "milestones", "milestones_due",
          "milestones_done", "evidence_submitted", "evidence_accepted")


def upgrade():
    op.create_table(
        "progress_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("pillar_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        sa.Column("backfilled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["force_id"], ["forces.id"], name=op.f("fk_progress_snapshots_force_id_forces")),
        sa.ForeignKeyConstraint(["pillar_id"], ["pillars.id"], name=op.f("fk_progress_snapshots_pillar_id_pillars")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_snapshots")),
        sa.UniqueConstraint("day", "force_id", "pillar_id", name="uq_progress_snapshots_day_force_pillar"),
    )
    with op.batch_alter_table("progress_snapshots", schema=None) as batch_op:
        batch_op.create_index("ix_progress_snapshots_force_id_day", ["force_id", "day"], unique=False)


def downgrade():
    with op.batch_alter_table("progress_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_progress_snapshots_force_id_day")
    op.drop_table("progress_snapshots")
