"""A school's own Twilio SMS number and WhatsApp sender (issue 16): its messages go from them, and a parent
writing to one of them is writing to that school. Each belongs to one school.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.add_column(sa.Column("twilio_sms_from", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("twilio_whatsapp_from", sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_schools_twilio_sms_from"), ["twilio_sms_from"])
        batch_op.create_unique_constraint(
            batch_op.f("uq_schools_twilio_whatsapp_from"), ["twilio_whatsapp_from"]
        )


def downgrade() -> None:
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_schools_twilio_whatsapp_from"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_schools_twilio_sms_from"), type_="unique")
        batch_op.drop_column("twilio_whatsapp_from")
        batch_op.drop_column("twilio_sms_from")
