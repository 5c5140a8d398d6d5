"""`karo demo --today` on a December holiday day: the reminders page has something to show between terms
(holiday arrears early in December, the next term's notices from a week before it opens) and the calendar
shows both, because the seed sets next year's first-term fees once the term is over."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.cli import cli
from bot.settings import Settings, get_settings
from ledger.db import make_engine
from ledger.messaging.reminder_policy import NAIROBI
from ledger.records.tables import FeeItem, Term
from tests.e2e.dashboard.conftest import csrf_of

TODAY = "2026-12-29"  # term 3 ended on 30 Oct; 2027's first term opens on Monday 4 Jan


@pytest.fixture(scope="module")
def december(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    db = tmp_path_factory.mktemp("demo-holiday") / "karo-demo.db"
    with pytest.MonkeyPatch.context() as env:
        env.delenv("KARO_REDIS_URL", raising=False)
        get_settings.cache_clear()
        args = ["demo", "--db", str(db), "--no-serve", "--today", TODAY]
        result = CliRunner().invoke(cli, args, prog_name="karo")
        assert result.exit_code == 0, result.output
    engine = make_engine(f"sqlite:///{db}")
    yield engine
    engine.dispose()
    get_settings.cache_clear()


@contextmanager
def bursar_at(engine: Engine, moment: dt.datetime) -> Iterator[TestClient]:
    """Kilimani's demo bursar, signed in, on a dashboard whose clock reads ``moment``."""
    app = create_app(bootstrap(Settings(database_url="sqlite://"), engine=engine))
    app.state.dashboard.clock = lambda: moment
    with TestClient(app) as web:
        form = {"email": "bursar@kilimani.demo", "password": "kilimani-demo"}
        overview = web.post(
            "/dashboard/login", data={**form, "csrf_token": csrf_of(web.get("/dashboard/login"))}
        )
        assert overview.status_code == 200 and "Kilimani Junior Academy" in overview.text
        yield web


def noon(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), NAIROBI).astimezone(dt.UTC)


def test_the_seed_sets_next_years_first_term_fees_in_the_holiday(december: Engine) -> None:
    with Session(december) as session:
        codes = {f"{t.year}-{t.number}": t for t in session.scalars(select(Term))}
        assert {"2026-3", "2027-1"} <= set(codes)
        assert codes["2027-1"].starts_on == dt.date(2027, 1, 4)
        fees = session.scalars(select(FeeItem).where(FeeItem.term_id == codes["2027-1"].id)).all()
        assert fees and not any(item.optional for item in fees)  # the bus waits for its enrolments


def test_early_in_december_the_reminders_page_shows_holiday_arrears(december: Engine) -> None:
    with bursar_at(december, noon("2026-12-10")) as web:
        page = web.get("/dashboard/reminders").text
    assert "In the holidays after term 2026-3: arrears reminders" in page
    assert "holiday arrears" in page and "Fee reminder." in page
    assert "next-term notice on" in page  # families who owe nothing hear on 28 Dec
    assert "0 families to remind" not in page
    assert "Next, on Fri 11 Dec 2026: Holiday reminder to families in arrears." in page


def test_after_the_notice_day_it_shows_next_terms_notices_and_the_calendar_both(december: Engine) -> None:
    with bursar_at(december, noon(TODAY)) as web:
        page = web.get("/dashboard/reminders").text
        calendar = web.get("/dashboard/calendar?year=2026").text
    assert "next term notice" in page and "Term 1 opens on 4 Jan 2027" in page
    assert "0 families to remind" not in page
    assert '<time datetime="2026-12-28">' in calendar and "Term 2027-1 fees told to families" in calendar
    assert "Holiday reminder to families in arrears" in calendar
