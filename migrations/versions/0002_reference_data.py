"""Load the six NOM pillars and the 43 territorial forces

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Idempotent: only missing rows are added, and labels an admin has edited are kept.
"""

from alembic import op

from improvement_tracker.services.reference_data import ensure_reference_data

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    ensure_reference_data(op.get_bind())


def downgrade():
    op.execute("DELETE FROM forces")
    op.execute("DELETE FROM pillars")
