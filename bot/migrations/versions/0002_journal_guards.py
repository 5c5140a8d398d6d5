"""Journal guards: entries balance (deferred trigger on PostgreSQL) and lines are never edited.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PG_UP = """
CREATE FUNCTION karo_check_entry_balanced() RETURNS trigger AS $$
DECLARE difference bigint;
BEGIN
  SELECT COALESCE(SUM(debit) - SUM(credit), 0) INTO difference FROM lines WHERE entry_id = NEW.entry_id;
  IF difference <> 0 THEN
    RAISE EXCEPTION 'journal entry % does not balance (off by %)', NEW.entry_id, difference
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER lines_balance AFTER INSERT ON lines
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION karo_check_entry_balanced();

CREATE FUNCTION karo_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the journal is append-only: post a reversal instead' USING ERRCODE = 'check_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER lines_append_only BEFORE UPDATE OR DELETE ON lines
  FOR EACH ROW EXECUTE FUNCTION karo_refuse_change();
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
  FOR EACH ROW EXECUTE FUNCTION karo_refuse_change();
"""

PG_DOWN = """
DROP TRIGGER entries_append_only ON entries;
DROP TRIGGER lines_append_only ON lines;
DROP FUNCTION karo_refuse_change();
DROP TRIGGER lines_balance ON lines;
DROP FUNCTION karo_check_entry_balanced();
"""

# SQLite: no deferred triggers, so balance is checked in Python (ledger.books.journal.check_balanced);
# edits are refused here too. Deletes stay possible so tests can empty the file.
SQLITE_UP = [
    """CREATE TRIGGER lines_no_update BEFORE UPDATE ON lines
       BEGIN SELECT RAISE(ABORT, 'the journal is append-only: post a reversal instead'); END""",
    """CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
       BEGIN SELECT RAISE(ABORT, 'the journal is append-only: post a reversal instead'); END""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_UP)
    else:
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_DOWN)
    else:
        op.execute("DROP TRIGGER lines_no_update")
        op.execute("DROP TRIGGER entries_no_update")
