"""Corrections (issue 13): reversal requests (maker-checker) and the amount above which a school's
reversals wait for the head.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reversal_approval_cents", sa.BigInteger(), nullable=True))
    op.create_table(
        "reversal_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column(
            "destination",
            sa.Enum("suspense", "student", "void", name="destination", native_enum=False, length=20),
            nullable=True,
        ),
        sa.Column("to_student_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "done", "rejected", name="requeststatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_entry_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_reversal_requests_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_reversal_requests_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_reversal_requests_entry_id_entries")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_reversal_requests_student_id_students")
        ),
        sa.ForeignKeyConstraint(
            ["to_student_id"], ["students.id"], name=op.f("fk_reversal_requests_to_student_id_students")
        ),
        sa.ForeignKeyConstraint(
            ["result_entry_id"], ["entries.id"], name=op.f("fk_reversal_requests_result_entry_id_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reversal_requests")),
        sa.UniqueConstraint("school_id", "key", name=op.f("uq_reversal_requests_school_id_key")),
    )
    with op.batch_alter_table("reversal_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reversal_requests_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reversal_requests_student_id"), ["student_id"], unique=False)


def downgrade() -> None:
    op.drop_table("reversal_requests")
    # Not batch mode: on SQLite it would copy and drop ``schools``, which every other table references.
    # Both databases drop a plain column in place (SQLite since 3.35).
    op.execute("ALTER TABLE schools DROP COLUMN reversal_approval_cents")
