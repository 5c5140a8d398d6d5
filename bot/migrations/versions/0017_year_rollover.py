"""The year-end rollover (issue 15): each rollover with what it did, student by student, so undo is exact.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "year_rollovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("to_year", sa.Integer(), nullable=False),
        sa.Column("applied_year", sa.Integer(), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("made", sa.JSON(), nullable=False),
        sa.Column("entry_mark", sa.BigInteger(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_by", sa.String(length=254), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_year_rollovers_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_year_rollovers")),
        sa.UniqueConstraint(
            "school_id", "applied_year", name=op.f("uq_year_rollovers_school_id_applied_year")
        ),
    )
    with op.batch_alter_table("year_rollovers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_year_rollovers_school_id"), ["school_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("year_rollovers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_year_rollovers_school_id"))
    op.drop_table("year_rollovers")
