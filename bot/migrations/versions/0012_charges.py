"""Optional fee items and the students enrolled in them (issue 13, per-student and one-off charges).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fee_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("optional", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("vote_head_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name=op.f("fk_enrolments_school_id_schools")),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_enrolments_student_id_students")
        ),
        sa.ForeignKeyConstraint(["term_id"], ["terms.id"], name=op.f("fk_enrolments_term_id_terms")),
        sa.ForeignKeyConstraint(
            ["vote_head_id"], ["vote_heads.id"], name=op.f("fk_enrolments_vote_head_id_vote_heads")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint(
            "student_id",
            "term_id",
            "vote_head_id",
            name=op.f("uq_enrolments_student_id_term_id_vote_head_id"),
        ),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolments_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrolments_student_id"), ["student_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolments_student_id"))
        batch_op.drop_index(batch_op.f("ix_enrolments_school_id"))
    op.drop_table("enrolments")
    with op.batch_alter_table("fee_items", schema=None) as batch_op:
        batch_op.drop_column("optional")
