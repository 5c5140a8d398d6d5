"""Fee rules per school: late fees, sibling and early-payment discounts.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fee_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("late_fee_cents", sa.BigInteger(), nullable=False),
        sa.Column("late_fee_bp", sa.Integer(), nullable=False),
        sa.Column("late_fee_grace_days", sa.Integer(), nullable=False),
        sa.Column("late_fee_vote_head", sa.String(length=60), nullable=False),
        sa.Column("sibling_discount_bp", sa.Integer(), nullable=False),
        sa.Column("sibling_vote_heads", sa.JSON(), nullable=False),
        sa.Column("early_discount_bp", sa.Integer(), nullable=False),
        sa.Column("early_discount_days", sa.Integer(), nullable=False),
        sa.Column("early_vote_heads", sa.JSON(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name=op.f("fk_fee_rules_school_id_schools")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_rules")),
        sa.UniqueConstraint("school_id", name=op.f("uq_fee_rules_school_id")),
    )


def downgrade() -> None:
    op.drop_table("fee_rules")
