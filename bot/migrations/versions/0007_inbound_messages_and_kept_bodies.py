"""Inbound messages kept before they are answered; kept webhook bodies may name their school.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_id", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("to", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link_id", sa.String(length=80), nullable=True),
        sa.Column("button_payload", sa.String(length=200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("provider", "provider_id", name=op.f("uq_inbound_messages_provider_provider_id")),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_messages_answered_at"), ["answered_at"], unique=False)
    with op.batch_alter_table("callback_failures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("school_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_callback_failures_school_id"), ["school_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_callback_failures_school_id_schools"), "schools", ["school_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("callback_failures", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_callback_failures_school_id_schools"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_callback_failures_school_id"))
        batch_op.drop_column("school_id")
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_messages_answered_at"))
    op.drop_table("inbound_messages")
