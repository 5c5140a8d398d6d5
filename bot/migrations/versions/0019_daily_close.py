"""The daily close (issue 14): the phones a school's end-of-day summary goes to, and the hour it goes.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schools") as batch:
        batch.add_column(sa.Column("close_phones", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("close_hour", sa.Integer(), server_default="18", nullable=False))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN, as 0013: a batch copy would have to drop "schools".
    op.drop_column("schools", "close_hour")
    op.drop_column("schools", "close_phones")
