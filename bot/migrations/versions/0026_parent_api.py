"""The parent API (issue 17): one-time sign-in codes and bearer tokens (both stored hashed), the messages a
parent marked read, and the idempotency keys of payment requests made through the API.

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "parent_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("expires_at", MOMENT, nullable=False),
        sa.Column("used_at", MOMENT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parent_codes")),
    )
    with op.batch_alter_table("parent_codes", schema=None) as batch_op:
        batch_op.create_index("ix_parent_codes_phone_created_at", ["phone", "created_at"], unique=False)
        batch_op.create_index("ix_parent_codes_address_created_at", ["address", "created_at"], unique=False)
    op.create_table(
        "parent_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("expires_at", MOMENT, nullable=False),
        sa.Column("revoked_at", MOMENT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parent_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_parent_tokens_token_hash")),
    )
    with op.batch_alter_table("parent_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parent_tokens_phone"), ["phone"], unique=False)
    op.create_table(
        "parent_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("read_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["outbox.id"], name=op.f("fk_parent_reads_message_id_outbox")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parent_reads")),
        sa.UniqueConstraint("phone", "message_id", name=op.f("uq_parent_reads_phone_message_id")),
    )
    with op.batch_alter_table("parent_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parent_reads_message_id"), ["message_id"], unique=False)
    op.create_table(
        "parent_pay_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("body", sa.String(length=100), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["payment_requests.id"],
            name=op.f("fk_parent_pay_keys_request_id_payment_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parent_pay_keys")),
        sa.UniqueConstraint("phone", "key", name=op.f("uq_parent_pay_keys_phone_key")),
    )


def downgrade() -> None:
    op.drop_table("parent_pay_keys")
    op.drop_table("parent_reads")
    op.drop_table("parent_tokens")
    op.drop_table("parent_codes")
