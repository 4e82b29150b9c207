"""contact import jobs: CSVs uploaded on the admin pages, their progress, figures and
error reports, and the server process that runs each

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 23:03:50.680009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import smsurvey.models.base

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_import_jobs",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("organization_id", sa.String(length=24), nullable=False),
        sa.Column("created_by", sa.String(length=24), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("directory_id", sa.String(length=24), nullable=True),
        sa.Column("list_name", sa.String(length=200), nullable=True),
        sa.Column("mailing_list_id", sa.String(length=24), nullable=True),
        sa.Column("phone_column", sa.String(length=200), nullable=True),
        sa.Column("default_region", sa.String(length=4), nullable=True),
        sa.Column("bytes_read", sa.Integer(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column(
            "figures",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("runner", sa.String(length=300), nullable=True),
        sa.Column("created_at", smsurvey.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", smsurvey.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", smsurvey.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", smsurvey.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_contact_import_jobs_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_contact_import_jobs_directory_id_directories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mailing_list_id"],
            ["mailing_lists.id"],
            name=op.f("fk_contact_import_jobs_mailing_list_id_mailing_lists"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_contact_import_jobs_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_import_jobs")),
    )
    with op.batch_alter_table("contact_import_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_import_jobs_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_import_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_import_jobs_organization_id"))

    op.drop_table("contact_import_jobs")
