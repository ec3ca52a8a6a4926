"""National commitments, the forces each applies to, and date proposals

A commitment is set by the national team; publishing it gives each force it applies to a linked
action in its own plan (commitment_forces.action_id, unique: one commitment's action per force).
At most one date proposal per force and commitment waits at a time (a partial unique index).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("pillar_id", sa.Integer(), nullable=False),
        sa.Column("success_measure", sa.Text(), nullable=False),
        sa.Column("evidence_expected", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("applies_to", sa.String(length=8), nullable=False),
        sa.Column("cohort", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "(applies_to = 'cohort') = (cohort IS NOT NULL)", name=op.f("ck_commitments_cohort_when_applies_to_cohort")
        ),
        sa.CheckConstraint("applies_to IN ('all', 'cohort', 'chosen')", name=op.f("ck_commitments_applies_to")),
        sa.CheckConstraint(
            "state = 'draft' OR published_at IS NOT NULL", name=op.f("ck_commitments_published_when_published")
        ),
        sa.CheckConstraint("state IN ('draft', 'published')", name=op.f("ck_commitments_state")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_commitments_created_by_id_users")),
        sa.ForeignKeyConstraint(["pillar_id"], ["pillars.id"], name=op.f("fk_commitments_pillar_id_pillars")),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"], name=op.f("fk_commitments_published_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
        sa.UniqueConstraint("reference", name=op.f("uq_commitments_reference")),
    )
    op.create_table(
        "commitment_forces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("membership", sa.String(length=8), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=True),
        sa.Column("national_state", sa.String(length=12), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "membership = 'active' OR removed_reason IS NOT NULL", name=op.f("ck_commitment_forces_reason_when_removed")
        ),
        sa.CheckConstraint("membership IN ('active', 'removed')", name=op.f("ck_commitment_forces_membership")),
        sa.CheckConstraint(
            "national_state IS NULL OR national_state IN ('confirmed')",
            name=op.f("ck_commitment_forces_national_state"),
        ),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"], name=op.f("fk_commitment_forces_action_id_actions")),
        sa.ForeignKeyConstraint(
            ["commitment_id"], ["commitments.id"], name=op.f("fk_commitment_forces_commitment_id_commitments")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"], name=op.f("fk_commitment_forces_confirmed_by_id_users")
        ),
        sa.ForeignKeyConstraint(["force_id"], ["forces.id"], name=op.f("fk_commitment_forces_force_id_forces")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_forces")),
        sa.UniqueConstraint("action_id", name=op.f("uq_commitment_forces_action_id")),
        sa.UniqueConstraint("commitment_id", "force_id", name="uq_commitment_forces_commitment_id_force_id"),
    )
    with op.batch_alter_table("commitment_forces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_forces_force_id"), ["force_id"], unique=False)

    op.create_table(
        "commitment_date_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_force_id", sa.Integer(), nullable=False),
        sa.Column("proposed_due_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "state <> 'refused' OR decision_reason IS NOT NULL",
            name=op.f("ck_commitment_date_proposals_reason_when_refused"),
        ),
        sa.CheckConstraint(
            "state = 'pending' OR decided_at IS NOT NULL",
            name=op.f("ck_commitment_date_proposals_decided_when_decided"),
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'agreed', 'refused')", name=op.f("ck_commitment_date_proposals_state")
        ),
        sa.ForeignKeyConstraint(
            ["commitment_force_id"],
            ["commitment_forces.id"],
            name=op.f("fk_commitment_date_proposals_commitment_force_id_commitment_forces"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_commitment_date_proposals_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_commitment_date_proposals_proposed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_date_proposals")),
    )
    with op.batch_alter_table("commitment_date_proposals", schema=None) as batch_op:
        batch_op.create_index(
            "uq_commitment_date_proposals_one_pending",
            ["commitment_force_id"],
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )


def downgrade():
    with op.batch_alter_table("commitment_date_proposals", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_commitment_date_proposals_one_pending",
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )

    op.drop_table("commitment_date_proposals")
    with op.batch_alter_table("commitment_forces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_forces_force_id"))

    op.drop_table("commitment_forces")
    op.drop_table("commitments")
