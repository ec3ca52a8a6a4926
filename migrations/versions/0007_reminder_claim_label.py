"""Keep each reminder's own words on its claim

The action page said why each reminder was sent by searching the whole email's items for the
one about this action (and picked the first milestone when two were due alike). Each claim now
keeps its line; existing claims get theirs from the email they went in.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27

"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _line(item: dict) -> str:
    label = item.get("label") or ""
    return f"{label} (milestone: {item['milestone']})" if item.get("milestone") else label


def upgrade():
    with op.batch_alter_table("reminder_claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", sa.String(length=255), nullable=False, server_default=""))

    connection = op.get_bind()
    claims = sa.table("reminder_claims", sa.column("id"), sa.column("action_id"), sa.column("kind"),
                      sa.column("threshold"), sa.column("notification_id"), sa.column("label"))
    notifications = sa.table("notifications", sa.column("id"), sa.column("items"))
    rows = connection.execute(
        sa.select(claims.c.id, claims.c.action_id, claims.c.kind, claims.c.threshold, notifications.c["items"])
        .join(notifications, notifications.c.id == claims.c.notification_id)
        .where(claims.c.action_id.is_not(None))).all()
    updates = []
    for claim_id, action_id, kind, threshold, items in rows:
        items = json.loads(items) if isinstance(items, str) else (items or [])
        match = next((i for i in items if i.get("action_id") == action_id and i.get("kind") == kind
                      and i.get("threshold") == threshold), None)
        if match is not None:
            updates.append({"claim_id": claim_id, "label": _line(match)[:255]})
    if updates:
        connection.execute(claims.update().where(claims.c.id == sa.bindparam("claim_id"))
                           .values(label=sa.bindparam("label")), updates)


def downgrade():
    with op.batch_alter_table("reminder_claims", schema=None) as batch_op:
        batch_op.drop_column("label")
