"""``?prepare_threshold=`` in KARO_DATABASE_URL, for PgBouncer in transaction mode (docs/deployment.md)."""

from __future__ import annotations

import pytest

from ledger.db import make_engine
from tests.conftest import PG_URL


@pytest.mark.parametrize(
    ("query", "threshold"), [("", 5), ("?prepare_threshold=none", None), ("?prepare_threshold=0", 0)]
)
def test_the_url_says_when_psycopg_prepares_statements_on_the_server(
    query: str, threshold: int | None
) -> None:
    engine = make_engine(PG_URL + query)
    try:
        assert "prepare_threshold" not in str(engine.url)  # not passed on to PostgreSQL as a setting
        with engine.connect() as connection:
            assert connection.connection.dbapi_connection.prepare_threshold == threshold  # type: ignore[union-attr]
    finally:
        engine.dispose()


def test_a_threshold_that_is_no_number_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="'none' or a number"):
        make_engine(PG_URL + "?prepare_threshold=never")
