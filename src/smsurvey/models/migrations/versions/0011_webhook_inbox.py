"""webhook inbox

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import smsurvey.models.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=24), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=False),
        sa.Column("lane", sa.String(length=255), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("received_at", smsurvey.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", smsurvey.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("processed_at", smsurvey.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_webhook_events_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
    )
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.create_index(
            "ux_webhook_events_dedup", ["organization_id", "provider", "dedup_key"], unique=True
        )
        batch_op.create_index("ix_webhook_events_due", ["state", "id"], unique=False)
        batch_op.create_index(
            "ix_webhook_events_open_lane",
            ["organization_id", "lane", "id"],
            unique=False,
            sqlite_where=sa.text("state IN ('pending', 'processing')"),
            postgresql_where=sa.text("state IN ('pending', 'processing')"),
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_events_open_lane")
        batch_op.drop_index("ix_webhook_events_due")
        batch_op.drop_index("ux_webhook_events_dedup")

    op.drop_table("webhook_events")
