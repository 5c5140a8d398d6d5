"""`karo demo --no-serve`: a seeded demo school through the real imports, whole books, safe to run again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.cli import cli
from bot.commands import demo as demo_command
from bot.demo.simulators import PROVIDER_SETTINGS, ChatLine, Simulators
from bot.demo.transport import RIDERS
from bot.settings import Settings, get_settings
from ledger.books.checks import cached_balance_mismatches, unbalanced_entries
from ledger.books.tables import Account, AccountKind, Line, Payment
from ledger.db import Base, make_engine
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage
from ledger.records.tables import FeeItem, Guardian, School, Student
from tests.browser.conftest import free_socket, serving
from tests.conftest import DEMO_TODAY, SeededDemo
from tests.e2e.dashboard.conftest import csrf_of
from tests.integration.providers.conftest import wait_for

# A day in the second week of term 3 keeps the registers short; the seed places everything by it.
TODAY = DEMO_TODAY


# The engine, the second run's output, the row counts after the first run, and the first run's output.
Seeded = tuple[Engine, Result, dict[str, int], Result]


def run_demo(db: Path) -> Result:
    get_settings.cache_clear()
    result = CliRunner().invoke(
        cli, ["demo", "--db", str(db), "--no-serve", "--today", TODAY], prog_name="karo"
    )
    assert result.exit_code == 0, result.output
    return result


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.scalar(text(f"SELECT count(*) FROM {t.name}")) or 0
            for t in Base.metadata.sorted_tables
        }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, seeded_demo: SeededDemo) -> Iterator[Seeded]:
    """The demo run twice (seeding is slow: every test of the demo's data shares this one): the run's
    first seeding (``seeded_demo``), then again on a copy of it."""
    db = seeded_demo.copy_to(tmp_path_factory.mktemp("demo"))
    with pytest.MonkeyPatch.context() as env:
        env.delenv("KARO_REDIS_URL", raising=False)
        engine = make_engine(f"sqlite:///{db}")
        first = row_counts(engine)
        second = run_demo(db)
    yield engine, second, first, seeded_demo.first_run
    engine.dispose()
    get_settings.cache_clear()


def test_a_second_run_adds_nothing(seeded: Seeded) -> None:
    engine, second, first, _ = seeded
    assert row_counts(engine) == first
    assert "0 records added or changed" in second.output


def test_the_demo_school_has_about_two_hundred_children_in_six_grades(
    seeded: Seeded,
) -> None:
    engine, _, counts, _ = seeded
    with Session(engine) as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        assert (kilimani.name, kilimani.paybill, kilimani.ussd_code) == (
            "Kilimani Junior Academy",
            "522533",
            "*384*25#",
        )
        assert session.scalar(select(func.count()).where(Student.school_id == kilimani.id)) == 200
    assert counts["classes"] == 6 + 2
    assert counts["attendance"] > 0 and counts["scores"] > 0
    assert counts["exams"] == 2 * 2  # Opener and Mid-term in each school


def test_one_phone_is_a_guardian_in_both_schools(seeded: Seeded) -> None:
    engine, second, *_ = seeded
    with Session(engine) as session:
        shared = session.scalars(
            select(Guardian.phone)
            .group_by(Guardian.phone)
            .having(func.count(Guardian.school_id.distinct()) == 2)
        ).all()
    assert len(shared) == 1
    assert "0" + shared[0].removeprefix("+254") in second.output  # offered as a phone to try


def test_the_books_balance(seeded: Seeded) -> None:
    engine, *_ = seeded
    with Session(engine) as session:
        debits, credits = session.execute(select(func.sum(Line.debit), func.sum(Line.credit))).one()
        assert debits == credits > 0
        assert unbalanced_entries(session) == []
        assert cached_balance_mismatches(session) == []


def test_money_arrived_every_way_including_unmatched_and_overpaid(
    seeded: Seeded,
) -> None:
    engine, *_ = seeded
    with Session(engine) as session:
        sources = set(session.scalars(select(Payment.source).distinct()))
        unmatched = session.scalars(select(Payment).where(Payment.student_id.is_(None))).all()
        in_credit = session.scalar(
            select(func.count()).where(Account.kind == AccountKind.CREDIT, Account.balance < 0)
        )
    assert {"mpesa_paybill", "bank", "cash"} <= {str(s) for s in sources}
    assert len(unmatched) == 1 and unmatched[0].reference.startswith("TKL4")
    assert in_credit >= 1


def test_the_bus_is_an_optional_item_billed_only_to_the_children_who_take_it(seeded: Seeded) -> None:
    engine, *_ = seeded
    with Session(engine) as session:
        optional = session.scalars(select(FeeItem).where(FeeItem.optional.is_(True))).all()
        billed = session.scalar(
            select(func.count(func.distinct(Account.student_id))).where(
                Account.kind == AccountKind.RECEIVABLE, Account.vote_head_id == optional[0].vote_head_id
            )
        )
    assert optional and billed == RIDERS


def test_the_demo_prints_a_bursar_login_that_opens_kilimanis_dashboard(seeded: Seeded) -> None:
    engine, _, _, first = seeded
    login = "Dashboard http://127.0.0.1:8000/dashboard: sign in as bursar@kilimani.demo / kilimani-demo"
    assert login in first.output
    with TestClient(create_app(bootstrap(Settings(database_url="sqlite://"), engine=engine))) as web:
        token = csrf_of(web.get("/dashboard/login"))
        form = {"email": "bursar@kilimani.demo", "password": "kilimani-demo", "csrf_token": token}
        overview = web.post("/dashboard/login", data=form)  # follows the redirect to the overview
        assert overview.status_code == 200 and "Kilimani Junior Academy" in overview.text
        assert "Collection rate" in overview.text


def test_one_child_left_this_term_and_the_family_is_offered_to_try(
    seeded: Seeded,
) -> None:
    engine, second, *_ = seeded
    with Session(engine) as session:
        [leaver] = session.scalars(select(Student).where(Student.active.is_(False))).all()
    assert (leaver.leave_reason, str(leaver.left_on)) == ("transferred", "2026-08-31")
    assert f"a child who left this term ({leaver.name}): the final statement" in second.output


def test_one_family_prefers_email_and_is_offered_to_try(seeded: Seeded) -> None:
    engine, second, *_ = seeded
    with Session(engine) as session:
        [(address, channel)] = session.execute(
            select(Guardian.email, Guardian.preferred_channel).where(Guardian.email.is_not(None))
        ).all()
    assert channel.value == "email" and address.endswith("@example.com")
    assert f"prefers email ({address}): the email pane" in second.output


def test_serving_runs_the_simulators_and_sends_from_the_outbox(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Last in the module: it adds messages to the demo database."""
    engine, *_ = seeded
    with Session(engine) as session:
        phone = session.scalars(select(Guardian.phone).order_by(Guardian.id)).first()
        address = session.scalars(select(Guardian.email).where(Guardian.email.is_not(None))).one()
    assert phone is not None
    sock = free_socket()
    chat: list[ChatLine] = []
    mail: list[ChatLine] = []  # what the local SMTP sink received for the family preferring email

    def delivered_reply() -> OutboxMessage | None:
        with Session(engine) as session:
            return session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.phone == phone,
                    OutboxMessage.category == Category.REPLY,
                    OutboxMessage.status == MessageStatus.DELIVERED,
                )
            ).first()

    def serve_and_text(app: FastAPI, host: str, port: int) -> None:
        """Instead of serving until Ctrl+C: serve while a parent texts BAL and the reply comes back."""
        simulators = Simulators.from_settings(app.state.services.settings)
        assert simulators is not None and port == sock.getsockname()[1]
        with serving(app, sock):
            assert simulators.send_sms(phone, "BAL") == 200
            wait_for(delivered_reply, 20)  # sent to the simulator, whose delivery report reached Karo
            chat.extend(simulators.sms_chat(phone))
            mail.extend(wait_for(lambda: simulators.email_inbox([address]), 20))

    monkeypatch.setattr(demo_command, "_run", serve_and_text)
    for name in PROVIDER_SETTINGS + ("redis_url", "public_url"):
        monkeypatch.delenv(f"KARO_{name.upper()}", raising=False)
    get_settings.cache_clear()
    port = str(sock.getsockname()[1])
    result = CliRunner().invoke(
        cli, ["demo", "--db", str(engine.url.database), "--port", port, "--today", TODAY]
    )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Twilio simulator: http://127.0.0.1:" in result.output
    assert "Email: SMTP sink at smtp://127.0.0.1:" in result.output
    assert mail[0].text.startswith("Kilimani Junior Academy: ") and mail[0].status == f"to {address}"
    reply = delivered_reply()
    asked = next(i for i, line in enumerate(chat) if line.sender == "parent")
    assert chat[asked].text == "BAL" and reply is not None
    # The seed's receipts are still leaving, so the reply is among Karo's messages after the question.
    assert ("karo", reply.body) in [(line.sender, line.text) for line in chat[asked + 1 :]]
