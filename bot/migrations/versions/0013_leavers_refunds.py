"""Leavers: the day a student left and why; a school's choice to keep reminding leavers' families of
arrears. (Refunds of credit and credit moved to a sibling are journal entries: no table of their own.)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("students") as batch:
        batch.add_column(sa.Column("left_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("leave_reason", sa.String(length=20), nullable=True))
    with op.batch_alter_table("schools") as batch:
        batch.add_column(sa.Column("chase_leavers", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ has it): a batch copy of the table would have to drop
    # "schools" and "students", which the rows that refer to them forbid.
    op.drop_column("schools", "chase_leavers")
    op.drop_column("students", "leave_reason")
    op.drop_column("students", "left_on")
