"""Quarterly returns

Reporting periods (financial-year quarters with a due date for returns), each force"s return for a
period with its draft sections, the submitted versions (immutable content and its SHA-256), and the
national team"s assessments and questions on them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reporting_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("returns_due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name=op.f("ck_reporting_periods_quarter")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_periods")),
        sa.UniqueConstraint("financial_year", "quarter", name="uq_reporting_periods_financial_year_quarter"),
    )
    op.create_table(
        "quarterly_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("latest_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("state IN ('draft', 'submitted', 'correcting')", name=op.f("ck_quarterly_returns_state")),
        sa.ForeignKeyConstraint(["force_id"], ["forces.id"], name=op.f("fk_quarterly_returns_force_id_forces")),
        sa.ForeignKeyConstraint(
            ["period_id"], ["reporting_periods.id"], name=op.f("fk_quarterly_returns_period_id_reporting_periods")
        ),
        sa.ForeignKeyConstraint(["started_by_id"], ["users.id"], name=op.f("fk_quarterly_returns_started_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarterly_returns")),
        sa.UniqueConstraint("force_id", "period_id", name="uq_quarterly_returns_force_id_period_id"),
    )
    with op.batch_alter_table("quarterly_returns", schema=None) as batch_op:
        batch_op.create_index("ix_quarterly_returns_period_id", ["period_id"], unique=False)

    op.create_table(
        "return_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("pillar_id", sa.Integer(), nullable=False),
        sa.Column("assessment", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("risks", sa.Text(), nullable=False),
        sa.Column("help_needed", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "assessment IS NULL OR assessment IN ('on_track', 'at_risk', 'off_track')",
            name=op.f("ck_return_sections_assessment"),
        ),
        sa.ForeignKeyConstraint(["pillar_id"], ["pillars.id"], name=op.f("fk_return_sections_pillar_id_pillars")),
        sa.ForeignKeyConstraint(
            ["return_id"], ["quarterly_returns.id"], name=op.f("fk_return_sections_return_id_quarterly_returns")
        ),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_return_sections_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_sections")),
        sa.UniqueConstraint("return_id", "pillar_id", name="uq_return_sections_return_id_pillar_id"),
    )
    op.create_table(
        "return_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_return_versions_number")),
        sa.ForeignKeyConstraint(
            ["return_id"], ["quarterly_returns.id"], name=op.f("fk_return_versions_return_id_quarterly_returns")
        ),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], name=op.f("fk_return_versions_reviewed_by_id_users")),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_return_versions_submitted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_versions")),
        sa.UniqueConstraint("return_id", "number", name="uq_return_versions_return_id_number"),
    )
    op.create_table(
        "return_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("pillar_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("assessed_by_id", sa.Integer(), nullable=True),
        sa.Column("assessed_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("rating IN ('on_track', 'at_risk', 'off_track')", name=op.f("ck_return_assessments_rating")),
        sa.ForeignKeyConstraint(
            ["assessed_by_id"], ["users.id"], name=op.f("fk_return_assessments_assessed_by_id_users")
        ),
        sa.ForeignKeyConstraint(["pillar_id"], ["pillars.id"], name=op.f("fk_return_assessments_pillar_id_pillars")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["return_versions.id"], name=op.f("fk_return_assessments_version_id_return_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_assessments")),
        sa.UniqueConstraint("version_id", "pillar_id", name="uq_return_assessments_version_id_pillar_id"),
    )
    op.create_table(
        "return_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("pillar_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_return_questions_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(["asked_by_id"], ["users.id"], name=op.f("fk_return_questions_asked_by_id_users")),
        sa.ForeignKeyConstraint(["pillar_id"], ["pillars.id"], name=op.f("fk_return_questions_pillar_id_pillars")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["return_versions.id"], name=op.f("fk_return_questions_version_id_return_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_questions")),
    )
    with op.batch_alter_table("return_questions", schema=None) as batch_op:
        batch_op.create_index("ix_return_questions_version_id", ["version_id"], unique=False)


def downgrade():
    with op.batch_alter_table("return_questions", schema=None) as batch_op:
        batch_op.drop_index("ix_return_questions_version_id")

    op.drop_table("return_questions")
    op.drop_table("return_assessments")
    op.drop_table("return_versions")
    op.drop_table("return_sections")
    with op.batch_alter_table("quarterly_returns", schema=None) as batch_op:
        batch_op.drop_index("ix_quarterly_returns_period_id")

    op.drop_table("quarterly_returns")
    op.drop_table("reporting_periods")
