"""distributions name the user who made them; library messages take Qualtrics' categories

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 02:20:00

``distributions.owner_user_id`` is backfilled to the organisation's first Brand
Administrator (else its first user). Library categories were this server's distribution
methods; they become Qualtrics' SMS categories (``Invite`` → ``smsInvite``…; an
``Interactive`` message, which no distribution could send, becomes ``smsInvite``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

CATEGORIES = {
    "Invite": "smsInvite",
    "Interactive": "smsInvite",
    "Reminder": "smsReminder",
    "ThankYou": "smsThankYou",
}
METHODS = {
    "smsInvite": "Invite",
    "invite": "Invite",
    "smsReminder": "Reminder",
    "reminder": "Reminder",
    "smsThankYou": "ThankYou",
    "thankYou": "ThankYou",
}
"""Downgrading: back to a method; other categories become Invite."""

FIRST_OWNER = """
    (SELECT u.id FROM users u WHERE u.organization_id = distributions.organization_id
     ORDER BY CASE WHEN u.role = 'BrandAdministrator' THEN 0 ELSE 1 END, u.created_at, u.id
     LIMIT 1)
"""


def upgrade() -> None:
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_user_id", sa.String(length=24), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_distributions_owner_user_id_users"),
            "users",
            ["owner_user_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(f"UPDATE distributions SET owner_user_id = {FIRST_OWNER}")
    with op.batch_alter_table("library_messages", schema=None) as batch_op:
        batch_op.alter_column(
            "category",
            existing_type=sa.String(length=16),
            type_=sa.String(length=32),
            existing_nullable=False,
        )
    _rename_categories(CATEGORIES)


def downgrade() -> None:
    _rename_categories(METHODS, otherwise="Invite")
    with op.batch_alter_table("library_messages", schema=None) as batch_op:
        batch_op.alter_column(
            "category",
            existing_type=sa.String(length=32),
            type_=sa.String(length=16),
            existing_nullable=False,
        )
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_distributions_owner_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("owner_user_id")


def _rename_categories(names: dict[str, str], otherwise: str | None = None) -> None:
    messages = sa.table("library_messages", sa.column("category", sa.String))
    for old, new in names.items():
        op.execute(messages.update().where(messages.c.category == old).values(category=new))
    if otherwise is not None:
        kept = set(names.values())
        op.execute(
            messages.update().where(messages.c.category.not_in(kept)).values(category=otherwise)
        )
