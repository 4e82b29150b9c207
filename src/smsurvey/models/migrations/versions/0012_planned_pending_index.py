"""planned pending texts by distribution

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# As smsurvey.models.messaging.PLANNED_PENDING was when this ran.
_PLANNED_PENDING = "send_state IN ('queued', 'held') AND recipient_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_planned_pending",
            ["distribution_id", "send_state"],
            unique=False,
            sqlite_where=sa.text(_PLANNED_PENDING),
            postgresql_where=sa.text(_PLANNED_PENDING),
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_messages_planned_pending",
            sqlite_where=sa.text(_PLANNED_PENDING),
            postgresql_where=sa.text(_PLANNED_PENDING),
        )
