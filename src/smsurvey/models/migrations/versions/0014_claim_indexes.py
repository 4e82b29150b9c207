"""indexes the sender's claims read in order

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_sender_due",
            ["send_state", "organization_id", "sender", "next_attempt_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_messages_urgent", ["send_state", "priority", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_urgent")
        batch_op.drop_index("ix_messages_sender_due")
