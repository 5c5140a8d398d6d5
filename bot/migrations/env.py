"""Alembic environment: uses the connection handed in by bot.migrate, or the configured URL."""

from __future__ import annotations

from alembic import context

import bot.api.parent.tables  # noqa: F401  (the parent API's own tables)
import bot.channels.tables  # noqa: F401  (the channels' own tables)
import ledger.models  # noqa: F401  (registers every table on Base.metadata)
from ledger.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        run(conn)
    engine.dispose()
