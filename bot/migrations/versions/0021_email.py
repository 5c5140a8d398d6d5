"""Email as a channel: guardians' addresses, and when mail to one bounced (issue 16).

``guardians.preferred_channel`` gains the value "email" with no schema change: it is a VARCHAR(20) enum
without a CHECK constraint (0001).

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("guardians", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("email_bounced_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("guardians", schema=None) as batch_op:
        batch_op.drop_column("email_bounced_at")
        batch_op.drop_column("email")
