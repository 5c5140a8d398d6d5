"""Data protection (issue 18): retention periods per school (days kept of USSD session reports, message
bodies, delivery-report details and audit rows); guardians' consent to announcements, and whether a school
requires it.

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

PERIODS = {
    "keep_ussd_days": "90",
    "keep_message_days": "365",
    "keep_delivery_days": "365",
    "keep_audit_days": "2555",
}


def upgrade() -> None:
    with op.batch_alter_table("schools", schema=None) as batch_op:
        for name, days in PERIODS.items():
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default=days, nullable=False))
        batch_op.add_column(
            sa.Column("announcements_need_consent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("guardians", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_given_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("consent_withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("consent_channel", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("guardians", schema=None) as batch_op:
        for name in ("consent_channel", "consent_withdrawn_at", "consent_given_at"):
            batch_op.drop_column(name)
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_column("announcements_need_consent")
        for name in reversed(PERIODS):
            batch_op.drop_column(name)
