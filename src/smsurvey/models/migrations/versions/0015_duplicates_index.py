"""the duplicate rule's index leads with the organisation and the message

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 17:00:00

Planning asks, per chunk, which of 250 numbers had this organisation's message in the last
24 hours. With the old index (recipient, template hash, time) beside the organisation's own,
SQLite took the organisation's index and read every text it ever sent, once per chunk: a
planning that grew with the square of the distribution. One index (organisation, template
hash, recipient, time) answers the question from its rows alone, and serves whatever the
organisation's index served.
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_duplicates")
        batch_op.drop_index("ix_messages_organization_id")
        batch_op.create_index(
            "ix_messages_duplicates",
            ["organization_id", "template_hash", "recipient", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_duplicates")
        batch_op.create_index("ix_messages_organization_id", ["organization_id"], unique=False)
        batch_op.create_index(
            "ix_messages_duplicates", ["recipient", "template_hash", "created_at"], unique=False
        )
