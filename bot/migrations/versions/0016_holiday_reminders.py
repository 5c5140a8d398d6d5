"""Holiday reminders and next-term notices (issue 15): a school's holiday policy.

Arrears reminders between terms (on or off, every N days after a term ends, at most a cap per holiday) and a
notice of the next term's fees N days before it opens (0: none). Schools get the defaults.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN with a default, on SQLite too: a batch copy of "schools" would have to
    # drop it, which the rows that refer to it forbid once there are any.
    op.add_column(
        "schools", sa.Column("holiday_reminders_on", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column(
        "schools", sa.Column("holiday_remind_every_days", sa.Integer(), server_default="14", nullable=False)
    )
    op.add_column(
        "schools", sa.Column("holiday_remind_max", sa.Integer(), server_default="3", nullable=False)
    )
    op.add_column(
        "schools", sa.Column("next_term_notice_days", sa.Integer(), server_default="7", nullable=False)
    )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ has it): a batch copy of the table would have to drop
    # "schools", which the rows that refer to it forbid.
    for column in (
        "next_term_notice_days",
        "holiday_remind_max",
        "holiday_remind_every_days",
        "holiday_reminders_on",
    ):
        op.drop_column("schools", column)
