"""Reminders, payment plans, reminders on/off per school, and outbox priority (bulk after replies).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schools") as batch:
        batch.add_column(sa.Column("reminders_on", sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), server_default="0", nullable=False))
        batch.drop_index("ix_outbox_status_next_attempt_at")
        batch.create_index(
            "ix_outbox_status_priority_next_attempt_at", ["status", "priority", "next_attempt_at"]
        )
    op.create_table(
        "payment_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("school_id", sa.Integer(), sa.ForeignKey("schools.id"), nullable=False),
        sa.Column("student_id", sa.Integer(), sa.ForeignKey("students.id"), nullable=False),
        sa.Column("term_id", sa.Integer(), sa.ForeignKey("terms.id"), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_payment_plans_school_id", "payment_plans", ["school_id"])
    op.create_index("ix_payment_plans_student_id", "payment_plans", ["student_id"])
    op.create_table(
        "plan_instalments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("payment_plans.id"), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_plan_instalments_plan_id", "plan_instalments", ["plan_id"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("school_id", sa.Integer(), sa.ForeignKey("schools.id"), nullable=False),
        sa.Column("term_id", sa.Integer(), sa.ForeignKey("terms.id"), nullable=False),
        sa.Column("guardian_id", sa.Integer(), sa.ForeignKey("guardians.id"), nullable=False),
        sa.Column("slot", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "before_due", "after_due", "instalment", name="reminderkind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("message_key", sa.String(160), nullable=False, unique=True),
        sa.Column("student_ids", sa.JSON(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_reason", sa.Text(), nullable=True),
        sa.UniqueConstraint("guardian_id", "term_id", "slot"),
    )
    op.create_index("ix_reminders_school_id", "reminders", ["school_id"])
    op.create_index("ix_reminders_term_id", "reminders", ["term_id"])
    op.create_index("ix_reminders_guardian_id", "reminders", ["guardian_id"])


def downgrade() -> None:
    op.drop_table("reminders")
    op.drop_table("plan_instalments")
    op.drop_table("payment_plans")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_status_priority_next_attempt_at")
        batch.create_index("ix_outbox_status_next_attempt_at", ["status", "next_attempt_at"])
        batch.drop_column("priority")
    with op.batch_alter_table("schools") as batch:
        batch.drop_column("reminders_on")
