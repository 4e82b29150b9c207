"""indexes a distribution's report reads alone

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_distribution_states",
            ["distribution_id", "direction", "send_state", "parts", "credits"],
            unique=False,
        )
        batch_op.drop_index("ix_messages_distribution_id")
    with op.batch_alter_table("message_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_events_message_status", ["message_id", "status"], unique=False
        )
        batch_op.drop_index("ix_message_events_message_id")


def downgrade() -> None:
    with op.batch_alter_table("message_events", schema=None) as batch_op:
        batch_op.create_index("ix_message_events_message_id", ["message_id"], unique=False)
        batch_op.drop_index("ix_message_events_message_status")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_distribution_id", ["distribution_id"], unique=False)
        batch_op.drop_index("ix_messages_distribution_states")
