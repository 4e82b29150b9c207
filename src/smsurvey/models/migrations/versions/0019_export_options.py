"""export options: the questions each response displayed (to tell a question seen but
unanswered) and the options an export was requested with

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 02:25:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("displayed", JSON, nullable=True))
    with op.batch_alter_table("response_exports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("options", JSON, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("response_exports", schema=None) as batch_op:
        batch_op.drop_column("options")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("displayed")
