"""Official receipt numbers: a counter per school and year, and each payment's number; a payment's reason
for review (the M-Pesa statement does not show it) (issue 14).

Payments recorded before this revision are numbered here, per school and year received, in the order they
were recorded, and the counters start after them.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import re
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receipt_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_receipt_counters_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_counters")),
        sa.UniqueConstraint("school_id", "year", name=op.f("uq_receipt_counters_school_id_year")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_no", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("review_reason", sa.String(length=120), nullable=True))
    _number_existing_payments()
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.alter_column("receipt_no", existing_type=sa.String(length=24), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_payments_school_id_receipt_no"), ["school_id", "receipt_no"]
        )


def _number_existing_payments() -> None:
    # The same prefix rule as ledger.payments.receipts (a migration does not import the app's code).
    bind = op.get_bind()
    prefixes = {
        school_id: (
            re.sub(r"[^A-Z0-9]", "", (prefix or "").upper())[:6]
            or re.sub(r"[^A-Z0-9]", "", slug.upper())[:3]
            or "KARO"
        )
        for school_id, slug, prefix in bind.execute(sa.text("SELECT id, slug, admission_prefix FROM schools"))
    }
    last: dict[tuple[int, int], int] = defaultdict(int)
    rows = bind.execute(sa.text("SELECT id, school_id, received_on FROM payments ORDER BY id")).all()
    for payment_id, school_id, received_on in rows:
        year = int(str(received_on)[:4])
        last[school_id, year] += 1
        number = f"{prefixes[school_id]}-{year}-{last[school_id, year]:06d}"
        bind.execute(
            sa.text("UPDATE payments SET receipt_no = :no WHERE id = :id"), {"no": number, "id": payment_id}
        )
    for (school_id, year), count in sorted(last.items()):
        bind.execute(
            sa.text("INSERT INTO receipt_counters (school_id, year, last) VALUES (:s, :y, :n)"),
            {"s": school_id, "y": year, "n": count},
        )


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_payments_school_id_receipt_no"), type_="unique")
        batch_op.drop_column("review_reason")
        batch_op.drop_column("receipt_no")
    op.drop_table("receipt_counters")
