"""``karo serve`` on the embedded default (no Redis) sends: a Paybill payment's receipt reaches the parent.

A real ``karo serve`` process on a seeded SQLite file, with Africa's Talking configured to the simulator,
which uvicorn serves on a thread of this test; the receipt goes through the real ``africastalking`` client.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.migrate import upgrade_url
from ledger.billing.invoicing import invoice_student
from ledger.db import make_engine
from ledger.messaging.bus import session_factory
from ledger.payments.stk_requests import PaymentRequestRecord, RequestStatus, record_request
from providers.simulators import africastalking as at_simulator
from providers.simulators.serve import start_in_thread
from tests import builders as b
from tests.conftest import copy_sqlite
from tests.integration.messaging.test_worker_crash import wait_for
from tests.processes import free_port, stop

KARO = Path(sys.executable).with_name("karo")
TOKEN = "e2e" + "0" * 37
PAYBILL, ADMISSION, PARENT = "522533", "KJA-001", "+254712000001"
TODAY = dt.date.today()


def seed(url: str) -> None:
    """One school on Paybill 522533, one child owing fees, her mother's phone; and an STK request of hers
    recorded ten minutes ago whose push was never sent (its timer died with an earlier process)."""
    upgrade_url(url)
    engine = make_engine(url)
    with session_factory(engine).begin() as session:
        school = b.school(session, slug="kilimani", name="Kilimani Junior Academy", paybill=PAYBILL)
        term = b.term(session, school, f"{TODAY.year}-{(TODAY.month - 1) // 4 + 1}")
        term.starts_on, term.ends_on = TODAY - dt.timedelta(days=20), TODAY + dt.timedelta(days=60)
        grade = b.school_class(session, school, "Grade 6")
        b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): 35_000_00})
        pupil = b.student(session, grade, ADMISSION, "Achieng Otieno")
        b.guardian(session, school, PARENT, pupil, name="Mama Otieno")
        invoice_student(session, pupil, term, actor="test")
        stranded = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
        record_request(
            session,
            school_id=school.id,
            student_id=pupil.id,
            phone=PARENT,
            amount=1_000_00,
            channel="ussd",
            now=stranded,
        )
    engine.dispose()


@pytest.fixture
def at() -> Iterator[tuple[at_simulator.AtSimulator, str]]:
    sim = at_simulator.AtSimulator()
    url, stop = start_in_thread(at_simulator.create_app(sim))
    yield sim, url
    stop()


@pytest.fixture
def karo_serve(tmp_path, at, migrated_sqlite) -> Iterator[str]:
    """``karo serve`` on a free loopback port, over a seeded SQLite file; yields its base URL."""
    url = f"sqlite:///{copy_sqlite(migrated_sqlite, tmp_path / 'karo.db')}"
    seed(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KARO_")}  # no KARO_REDIS_URL
    env |= {
        "KARO_DATABASE_URL": url,
        "KARO_WEBHOOK_TOKEN": TOKEN,
        "KARO_AT_USERNAME": at[0].config.username,
        "KARO_AT_API_KEY": at[0].config.api_key,
        "KARO_AT_API_URL": at[1],
    }
    port, log = free_port(), tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(KARO), "serve", "--port", str(port)], env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base), 30, f"karo serve on {base}\n{log.read_text()}")
        yield base
    finally:
        if not stop(process):
            pytest.fail(f"karo serve did not stop on SIGTERM\n{log.read_text()}")


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def confirmation(trans_id: str, amount: str) -> dict[str, str]:
    """Daraja's C2B confirmation, as documented."""
    return {
        "TransactionType": "Pay Bill",
        "TransID": trans_id,
        "TransTime": TODAY.strftime("%Y%m%d") + "102115",
        "TransAmount": amount,
        "BusinessShortCode": PAYBILL,
        "BillRefNumber": ADMISSION,
        "InvoiceNumber": "",
        "OrgAccountBalance": "",
        "ThirdPartyTransID": "",
        "MSISDN": PARENT.lstrip("+"),
        "FirstName": "MAMA",
        "MiddleName": "",
        "LastName": "OTIENO",
    }


def test_karo_serve_without_redis_texts_the_paybill_receipt_within_seconds(karo_serve, at):
    sim, _ = at
    paid = confirmation("TKE2ESERV1", "5000.00")
    answer = httpx.post(f"{karo_serve}/daraja/c2b/confirm/{TOKEN}", json=paid)
    assert answer.status_code == 200 and answer.json()["ResultCode"] == 0
    (receipt,) = wait_for(lambda: texts(sim, "TKE2ESERV1"), 10, "the receipt SMS at AT")
    assert receipt["to"] == PARENT and "KES 5,000" in receipt["message"]


def test_karo_serve_without_redis_settles_an_stk_request_whose_timer_was_lost(karo_serve, at, tmp_path):
    (notice,) = wait_for(lambda: texts(sim=at[0], word="prompt"), 15, "the failure notice SMS at AT")
    assert notice["to"] == PARENT and "could not send the prompt" in notice["message"]
    engine = make_engine(f"sqlite:///{tmp_path / 'karo.db'}")
    with session_factory(engine)() as session:
        assert session.scalars(select(PaymentRequestRecord.status)).all() == [RequestStatus.FAILED]
    engine.dispose()


def texts(sim: at_simulator.AtSimulator, word: str) -> list[dict[str, Any]]:
    return [m for m in sim.messages() if m["accepted"] and word in m["message"]]
