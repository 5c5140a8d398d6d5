"""Bursaries and sponsors (issue 13): sponsors, their awards to students, and their cheques.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sponsors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "county",
                "cdf",
                "church",
                "company",
                "school",
                "other",
                name="sponsorkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_sponsors_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name=op.f("fk_sponsors_school_id_schools")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsors")),
        sa.UniqueConstraint("school_id", "name_key", name=op.f("uq_sponsors_school_id_name_key")),
    )
    op.create_index(op.f("ix_sponsors_school_id"), "sponsors", ["school_id"], unique=False)
    op.create_table(
        "bursary_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("sponsor_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("percent_bp", sa.Integer(), nullable=True),
        sa.Column("vote_head_id", sa.Integer(), nullable=True),
        sa.Column("conditional", sa.Boolean(), nullable=False),
        sa.Column("confirmed_on", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_bursary_awards_entry_id_entries")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_bursary_awards_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["sponsor_id"], ["sponsors.id"], name=op.f("fk_bursary_awards_sponsor_id_sponsors")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_bursary_awards_student_id_students")
        ),
        sa.ForeignKeyConstraint(["term_id"], ["terms.id"], name=op.f("fk_bursary_awards_term_id_terms")),
        sa.ForeignKeyConstraint(
            ["vote_head_id"], ["vote_heads.id"], name=op.f("fk_bursary_awards_vote_head_id_vote_heads")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bursary_awards")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_bursary_awards_entry_id")),
        sa.UniqueConstraint("school_id", "key", name=op.f("uq_bursary_awards_school_id_key")),
    )
    op.create_index(op.f("ix_bursary_awards_school_id"), "bursary_awards", ["school_id"], unique=False)
    op.create_index(op.f("ix_bursary_awards_sponsor_id"), "bursary_awards", ["sponsor_id"], unique=False)
    op.create_index(op.f("ix_bursary_awards_student_id"), "bursary_awards", ["student_id"], unique=False)
    op.create_table(
        "sponsor_cheques",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("sponsor_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_sponsor_cheques_entry_id_entries")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_sponsor_cheques_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["sponsor_id"], ["sponsors.id"], name=op.f("fk_sponsor_cheques_sponsor_id_sponsors")
        ),
        sa.ForeignKeyConstraint(["term_id"], ["terms.id"], name=op.f("fk_sponsor_cheques_term_id_terms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsor_cheques")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_sponsor_cheques_entry_id")),
        sa.UniqueConstraint("sponsor_id", "reference", name=op.f("uq_sponsor_cheques_sponsor_id_reference")),
    )
    op.create_index(op.f("ix_sponsor_cheques_school_id"), "sponsor_cheques", ["school_id"], unique=False)
    op.create_index(op.f("ix_sponsor_cheques_sponsor_id"), "sponsor_cheques", ["sponsor_id"], unique=False)
    op.create_table(
        "sponsor_cheque_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cheque_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cheque_id"],
            ["sponsor_cheques.id"],
            name=op.f("fk_sponsor_cheque_lines_cheque_id_sponsor_cheques"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_sponsor_cheque_lines_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsor_cheque_lines")),
        sa.UniqueConstraint(
            "cheque_id", "student_id", name=op.f("uq_sponsor_cheque_lines_cheque_id_student_id")
        ),
    )
    op.create_index(
        op.f("ix_sponsor_cheque_lines_cheque_id"), "sponsor_cheque_lines", ["cheque_id"], unique=False
    )
    op.create_index(
        op.f("ix_sponsor_cheque_lines_student_id"), "sponsor_cheque_lines", ["student_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sponsor_cheque_lines_student_id"), table_name="sponsor_cheque_lines")
    op.drop_index(op.f("ix_sponsor_cheque_lines_cheque_id"), table_name="sponsor_cheque_lines")
    op.drop_table("sponsor_cheque_lines")
    op.drop_index(op.f("ix_sponsor_cheques_sponsor_id"), table_name="sponsor_cheques")
    op.drop_index(op.f("ix_sponsor_cheques_school_id"), table_name="sponsor_cheques")
    op.drop_table("sponsor_cheques")
    op.drop_index(op.f("ix_bursary_awards_student_id"), table_name="bursary_awards")
    op.drop_index(op.f("ix_bursary_awards_sponsor_id"), table_name="bursary_awards")
    op.drop_index(op.f("ix_bursary_awards_school_id"), table_name="bursary_awards")
    op.drop_table("bursary_awards")
    op.drop_index(op.f("ix_sponsors_school_id"), table_name="sponsors")
    op.drop_table("sponsors")
