"""School API keys (issue 17): keys stored hashed, payment requests' idempotency keys, and when each
student last changed (for the API's ``updated_since``).

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ledger.db

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column(
            "scope", sa.Enum("read", "write", name="scope", native_enum=False, length=20), nullable=False
        ),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", ledger.db.UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("last_used_at", ledger.db.UtcDateTime(), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("revoked_at", ledger.db.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name=op.f("fk_api_keys_school_id_schools")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_index(op.f("ix_api_keys_school_id"), "api_keys", ["school_id"], unique=False)
    op.create_table(
        "payment_request_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("created_at", ledger.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_request_keys_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_payment_request_keys_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_request_keys")),
        sa.UniqueConstraint(
            "school_id", "idempotency_key", name=op.f("uq_payment_request_keys_school_id_idempotency_key")
        ),
    )
    # SQLite cannot add a column whose default is the time, so there the table is rebuilt with it.
    with op.batch_alter_table("students", schema=None, recreate="auto") as batch_op:
        batch_op.add_column(
            sa.Column("updated_at", ledger.db.UtcDateTime(), server_default=sa.func.now(), nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_students_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_students_updated_at"))
        batch_op.drop_column("updated_at")
    op.drop_table("payment_request_keys")
    op.drop_index(op.f("ix_api_keys_school_id"), table_name="api_keys")
    op.drop_table("api_keys")
