"""survey owners: the user who imported or created each survey (the v3 ownerId), existing
surveys given to their organisation's first administrator

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 02:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_FIRST_ADMINISTRATOR = """
UPDATE surveys SET owner_user_id = (
    SELECT users.id FROM users
    WHERE users.organization_id = surveys.organization_id
      AND users.role = 'BrandAdministrator'
    ORDER BY users.created_at, users.id
    LIMIT 1
)
"""


def upgrade() -> None:
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_user_id", sa.String(length=24), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_surveys_owner_user_id_users"),
            "users",
            ["owner_user_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(_FIRST_ADMINISTRATOR)


def downgrade() -> None:
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_surveys_owner_user_id_users"), type_="foreignkey")
        batch_op.drop_column("owner_user_id")
