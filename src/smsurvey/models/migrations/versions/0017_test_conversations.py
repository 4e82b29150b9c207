"""a 2-way session knows whether it is a distribution's test

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 23:30:00

The test of a 2-way distribution is a real conversation with the tester's number; its
response is recorded with the channel ``test``, apart from the distribution's figures.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=8), server_default="sms", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("conversation_sessions", schema=None) as batch_op:
        batch_op.drop_column("channel")
