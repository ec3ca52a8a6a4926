"""Record each run of the scheduler's jobs

Start, end, outcome (with the error) and what each run did, so the admin page and
/healthz/scheduler can tell a job that missed its time or failed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("process", sa.String(length=120), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.CheckConstraint("outcome IN ('running', 'ok', 'failed')", name=op.f("ck_job_runs_outcome")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index("ix_job_runs_job_started_at", ["job", "started_at"], unique=False)


def downgrade():
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_job_runs_job_started_at")
    op.drop_table("job_runs")
