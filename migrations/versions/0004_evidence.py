"""Add evidence: files on actions, their review and their withdrawal

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('force_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('file_type', sa.String(length=8), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('scan_state', sa.String(length=16), nullable=False),
    sa.Column('review_state', sa.String(length=16), nullable=False),
    sa.Column('review_reason', sa.Text(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=True),
    sa.Column('purged_at', sa.DateTime(), nullable=True),
    sa.Column('purged_by_id', sa.Integer(), nullable=True),
    sa.Column('purge_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("review_state IN ('submitted', 'accepted', 'rejected')",
                       name=op.f('ck_evidence_review_state')),
    sa.CheckConstraint("scan_state IN ('not_scanned', 'clean')", name=op.f('ck_evidence_scan_state')),
    sa.CheckConstraint("review_state != 'rejected' OR review_reason IS NOT NULL",
                       name=op.f('ck_evidence_reason_for_rejected')),
    sa.CheckConstraint('withdrawn_at IS NULL OR withdrawal_reason IS NOT NULL',
                       name=op.f('ck_evidence_reason_for_withdrawn')),
    sa.CheckConstraint('purged_at IS NULL OR withdrawn_at IS NOT NULL',
                       name=op.f('ck_evidence_purged_only_when_withdrawn')),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_evidence_not_empty')),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_evidence_action_id_actions')),
    sa.ForeignKeyConstraint(['force_id'], ['forces.id'], name=op.f('fk_evidence_force_id_forces')),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_evidence_milestone_id_milestones')),
    sa.ForeignKeyConstraint(['purged_by_id'], ['users.id'], name=op.f('fk_evidence_purged_by_id_users')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_evidence_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evidence_uploaded_by_id_users')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_evidence_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence')),
    sa.UniqueConstraint('storage_key', name='uq_evidence_storage_key')
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index('ix_evidence_action_id_sha256', ['action_id', 'sha256'], unique=False)
        batch_op.create_index('ix_evidence_action_id_uploaded_at', ['action_id', 'uploaded_at'], unique=False)
        batch_op.create_index('ix_evidence_force_id_review_state', ['force_id', 'review_state'], unique=False)


def downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_force_id_review_state')
        batch_op.drop_index('ix_evidence_action_id_uploaded_at')
        batch_op.drop_index('ix_evidence_action_id_sha256')

    op.drop_table('evidence')
