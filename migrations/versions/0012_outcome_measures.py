"""Outcome measures, each force's quarterly figures and its 2019 baseline

The catalogue of measures is loaded here (administrators may later edit its words). Only typed
measures have figures; a rate names its two parts and is always worked out from them. Aggregates
only: nothing about any victim or case.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

from improvement_tracker.services.outcome_catalogue import ensure_catalogue

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outcome_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("better", sa.String(length=8), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("caveat", sa.Text(), nullable=False),
        sa.Column("numerator_code", sa.String(length=40), nullable=True),
        sa.Column("denominator_code", sa.String(length=40), nullable=True),
        sa.Column("display_order", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("better IN ('higher', 'lower', 'neither')", name=op.f("ck_outcome_measures_better")),
        sa.CheckConstraint("unit IN ('count', 'percentage', 'days')", name=op.f("ck_outcome_measures_unit")),
        sa.CheckConstraint(
            "(numerator_code IS NULL) = (denominator_code IS NULL)", name=op.f("ck_outcome_measures_both_parts_or_none")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_measures")),
        sa.UniqueConstraint("code", name=op.f("uq_outcome_measures_code")),
    )
    op.create_table(
        "outcome_baselines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=12, scale=1), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("value >= 0", name=op.f("ck_outcome_baselines_not_negative")),
        sa.ForeignKeyConstraint(["entered_by_id"], ["users.id"], name=op.f("fk_outcome_baselines_entered_by_id_users")),
        sa.ForeignKeyConstraint(["force_id"], ["forces.id"], name=op.f("fk_outcome_baselines_force_id_forces")),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["outcome_measures.id"], name=op.f("fk_outcome_baselines_measure_id_outcome_measures")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_baselines")),
        sa.UniqueConstraint("force_id", "measure_id", name="uq_outcome_baselines_force_id_measure_id"),
    )
    op.create_table(
        "outcome_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=12, scale=1), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("value >= 0", name=op.f("ck_outcome_figures_not_negative")),
        sa.ForeignKeyConstraint(["entered_by_id"], ["users.id"], name=op.f("fk_outcome_figures_entered_by_id_users")),
        sa.ForeignKeyConstraint(["force_id"], ["forces.id"], name=op.f("fk_outcome_figures_force_id_forces")),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["outcome_measures.id"], name=op.f("fk_outcome_figures_measure_id_outcome_measures")
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["reporting_periods.id"], name=op.f("fk_outcome_figures_period_id_reporting_periods")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_figures")),
        sa.UniqueConstraint("force_id", "period_id", "measure_id", name="uq_outcome_figures_force_period_measure"),
    )
    with op.batch_alter_table("outcome_figures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outcome_figures_period_id"), ["period_id"], unique=False)
    ensure_catalogue(op.get_bind())


def downgrade():
    with op.batch_alter_table("outcome_figures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_figures_period_id"))

    op.drop_table("outcome_figures")
    op.drop_table("outcome_baselines")
    op.drop_table("outcome_measures")
