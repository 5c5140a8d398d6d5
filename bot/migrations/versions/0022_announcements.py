"""Announcements to families (issue 16): who wrote what to whom, and when it was first sent.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=254), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("text_sw", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_announcements_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
        sa.UniqueConstraint("school_id", "key", name=op.f("uq_announcements_school_id_key")),
    )
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcements_school_id"), ["school_id"], unique=False)


def downgrade() -> None:
    op.drop_table("announcements")
