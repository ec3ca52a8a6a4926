"""Make every write apply once

- ``row_version`` on the plan's tables and evidence: each UPDATE names the version it read, so two
  requests that read the same version cannot both apply (SQLAlchemy's version_id_col).
- ``actions.sign_off_requested_by_id``: who asked for sign-off, who therefore may not sign it off.
- ``form_submissions``: one-time tokens of forms, so a form sent twice writes once.
- At most one live copy of a file per action (a partial unique index). Copies uploaded twice
  before it existed are withdrawn, the earliest kept, with the reason saying so.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29

"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

VERSIONED = ("deep_dives", "findings", "actions", "milestones", "evidence")
LIVE = "withdrawn_at IS NULL"


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("row_version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sign_off_requested_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_actions_sign_off_requested_by_id_users"), "users",
                                    ["sign_off_requested_by_id"], ["id"])
    # Actions awaiting sign-off now: whoever made the newest request.
    op.execute("""
        UPDATE actions SET sign_off_requested_by_id = (
            SELECT p.author_id FROM progress_updates p
            WHERE p.action_id = actions.id AND p.status_to = 'awaiting_sign_off'
            ORDER BY p.created_at DESC, p.id DESC LIMIT 1)
        WHERE status = 'awaiting_sign_off'
    """)

    op.create_table(
        "form_submissions",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("result_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_form_submissions_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_form_submissions")),
    )
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_submissions_created_at"), ["created_at"], unique=False)

    op.execute("""
        UPDATE evidence SET withdrawn_at = uploaded_at,
            withdrawal_reason = 'The same file was uploaded to this action more than once: the first copy is kept'
        WHERE withdrawn_at IS NULL AND EXISTS (
            SELECT 1 FROM evidence AS earlier
            WHERE earlier.action_id = evidence.action_id AND earlier.sha256 = evidence.sha256
              AND earlier.withdrawn_at IS NULL AND earlier.id < evidence.id)
    """)
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index("uq_evidence_action_id_sha256_live", ["action_id", "sha256"], unique=True,
                              sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))


def downgrade():
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index("uq_evidence_action_id_sha256_live", sqlite_where=sa.text(LIVE),
                            postgresql_where=sa.text(LIVE))
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_submissions_created_at"))
    op.drop_table("form_submissions")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_actions_sign_off_requested_by_id_users"), type_="foreignkey")
        batch_op.drop_column("sign_off_requested_by_id")
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("row_version")
