"""Admission keys re-computed with the one normaliser (letters and digits, upper case).

Keys stored before it kept slashes, dots and case (``KJA/2024/001``), so a Paybill account typed plain
(``kja2024001``) missed the student. Two students of one school whose numbers differ only in punctuation
(``A/1`` and ``A.1``) would now share a key: the upgrade stops and names them, for the school to renumber
one, rather than let one child's payments reach the other.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import re
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_NOT_KEY = re.compile(r"[^0-9A-Z]")  # the rule of ledger.admission.admission_key at this revision

students = sa.table(
    "students",
    sa.column("id", sa.Integer),
    sa.column("school_id", sa.Integer),
    sa.column("admission_no", sa.String),
    sa.column("admission_key", sa.String),
)


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(students.c.id, students.c.school_id, students.c.admission_no).order_by(students.c.id)
    ).all()
    keys = {row.id: _NOT_KEY.sub("", row.admission_no.upper()) for row in rows}
    sharing: dict[tuple[int, str], list[str]] = defaultdict(list)
    for row in rows:
        sharing[(row.school_id, keys[row.id])].append(row.admission_no)
    clashes = [
        f"school {school}: {', '.join(numbers)}"
        for (school, _), numbers in sharing.items()
        if len(numbers) > 1
    ]
    if clashes:
        raise RuntimeError("admission numbers that differ only in punctuation: " + "; ".join(clashes))
    for row in rows:
        conn.execute(students.update().where(students.c.id == row.id).values(admission_key=keys[row.id]))


def downgrade() -> None:
    pass  # the old keys are not needed: matching with the new ones is a superset
