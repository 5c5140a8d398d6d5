"""Issue 17's sync e2e, its webhook part: a parent pays by STK push in the Daraja simulator, the callback
arrives (ten times over), and the school's system gets one signed ``payment.received`` with the M-Pesa
receipt, the child's admission number and the balance after."""

# ruff: noqa: F811  (pytest fixtures imported, then named as arguments)
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.webhooks_out.compose import webhook_sender
from bot.webhooks_out.sealing import webhook_box
from ledger.messaging.webhooks import create_endpoint
from ledger.payments.stk_requests import RequestStatus
from ledger.records.tables import School
from tests.e2e.conftest import PARENT
from tests.integration.mpesa.harness import (  # noqa: F401  (fixtures)
    daraja,
    daraja_server,
    http,
    karo,
    karo_server,
    mpesa_redis,
    pay_by_ussd,
    payments,
    requests,
    services,
    wait_for,
)
from tests.integration.webhooks_out.receiver import Receiver, receiver, receiver_server  # noqa: F401


def test_an_stk_payment_reaches_the_school_system_once_signed(
    http,
    daraja,
    services,
    schools,
    receiver: Receiver,
) -> None:
    with services.sessions.begin() as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        box = webhook_box(services.settings)
        now = dt.datetime.now(dt.UTC)
        endpoint = create_endpoint(
            session,
            kilimani.id,
            url=receiver.url + "/sis",
            events=["payment.received"],
            seal=box.seal,
            actor="t",
            now=now,
        )
    assert "M-Pesa" in pay_by_ussd(http, PARENT)
    (prompt,) = wait_for(lambda: daraja.prompts(status="pending"))
    resolved = daraja.resolve(prompt["checkout_request_id"], result_code=0, callback="duplicate", copies=10)
    wait_for(lambda: [r for r in requests(schools) if r.status == RequestStatus.PAID])
    wait_for(lambda: len(daraja.control("GET", "callbacks")["attempts"]) >= 10)
    sender = webhook_sender(services)
    try:
        assert sender.run().delivered == 1
        assert sender.run().delivered == 0
    finally:
        sender.client.close()
    (received,) = receiver.received
    assert received.path == "/sis" and received.signed_with(endpoint.secret)
    (payment,) = payments(schools)
    data = received.json["data"]
    assert received.json["type"] == "payment.received" and received.json["school"] == "kilimani"
    assert (data["reference"], data["receipt_no"], data["method"]) == (
        resolved["receipt"],
        payment.receipt_no,
        "mpesa_stk",
    )
    assert (data["admission_no"], data["amount_cents"], data["amount_kes"]) == (
        "KJA-001",
        5_000_00,
        "5000.00",
    )
    assert (data["balance_after_cents"], data["balance_after_kes"]) == (30_000_00, "30000.00")
