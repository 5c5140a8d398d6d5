"""Outgoing webhooks from the books to a real HTTP receiver: a payment, a reversal and a balance change each
reach the school's system once, signed with the endpoint's secret; failures are retried on the backoff and
every attempt is logged."""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import dataclass

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from bot.webhooks_out.sealing import webhook_box
from bot.webhooks_out.sender import WebhookSender
from bot.webhooks_out.signing import signature_header
from ledger.billing.invoicing import invoice_student
from ledger.books.tables import Payment, PaymentSource
from ledger.db import transaction
from ledger.messaging.webhook_deliveries import BACKOFF, MAX_ATTEMPTS, delivery_log, queue_ping
from ledger.messaging.webhook_tables import DeliveryStatus, WebhookDelivery
from ledger.messaging.webhooks import (
    EVENT_TYPES,
    InvalidWebhook,
    create_endpoint,
    delete_endpoint,
    school_endpoint,
    set_endpoint_active,
)
from ledger.payments.corrections import Destination, reverse_payment
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import SchoolClass, Student, Term
from tests import builders as b
from tests.integration.webhooks_out.receiver import Receiver, verify

BOX = webhook_box(Settings(database_url="sqlite://", secret_key=SecretStr("webhook-test-key")))
TODAY = dt.date(2026, 2, 10)
FEES = 35_000_00


@dataclass
class Clock:
    """Now, moved forward by the test to reach a retry's time without sleeping."""

    offset: dt.timedelta = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def advance(self, by: dt.timedelta) -> None:
        self.offset += by


@dataclass
class Setup:
    factory: sessionmaker[Session]
    school_id: int
    student_id: int
    endpoint_id: int
    secret: str
    sender: WebhookSender
    clock: Clock


def make_school(factory: sessionmaker[Session], url: str, events: tuple[str, ...] = EVENT_TYPES) -> Setup:
    with transaction(factory) as session:
        school = b.school(session, slug="kilimani", name="Kilimani Junior Academy", paybill="522533")
        term = b.term(session, school, "2026-1")
        grade = b.school_class(session, school, "Grade 6")
        b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): FEES})
        pupil = b.student(session, grade, "KJA-001", "Achieng Otieno")
        invoice_student(session, pupil, term, actor="test")  # before the endpoint: not delivered
        new = create_endpoint(
            session,
            school.id,
            url=url,
            events=events,
            seal=BOX.seal,
            actor="test",
            now=dt.datetime.now(dt.UTC),
        )
    clock = Clock()
    sender = WebhookSender(factory, BOX, clock=clock)
    return Setup(factory, school.id, pupil.id, new.endpoint.id, new.secret, sender, clock)


def pay(setup: Setup, reference: str = "TKA1B2C3D4", amount: int = 5_000_00) -> Payment:
    with transaction(setup.factory) as session:
        pupil = session.get_one(Student, setup.student_id)
        paid = Received(PaymentSource.MPESA_STK, reference, amount, TODAY, payer="254712***001")
        payment, _ = record_payment(session, setup.school_id, paid, pupil, actor="daraja")
        return payment


def deliveries(factory: sessionmaker[Session]) -> list[WebhookDelivery]:
    with factory() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


@pytest.mark.parametrize("engine", ["pg", "sqlite"], indirect=True)
def test_a_payment_reaches_the_school_system_once_signed(
    factory: sessionmaker[Session], receiver: Receiver
) -> None:
    setup = make_school(factory, receiver.url + "/karo")
    payment = pay(setup)
    pay(setup)  # the same M-Pesa receipt again (a duplicated callback): nothing more to deliver
    counts = setup.sender.run()
    assert counts.delivered == 2 and counts.failed == 0
    (received,) = receiver.of_type("payment.received")
    assert received.path == "/karo" and received.signed_with(setup.secret)
    assert received.headers["content-type"] == "application/json"
    body = received.json
    assert body["type"] == "payment.received" and body["school"] == "kilimani"
    assert body["id"].startswith("evt_") and body["created_at"].endswith("Z")
    assert body["data"] == {
        "payment_id": payment.id,
        "receipt_no": payment.receipt_no,
        "reference": "TKA1B2C3D4",
        "method": "mpesa_stk",
        "amount_cents": 5_000_00,
        "amount_kes": "5000.00",
        "received_on": TODAY.isoformat(),
        "payer": "254712***001",
        "admission_no": "KJA-001",
        "student_name": "Achieng Otieno",
        "balance_after_cents": FEES - 5_000_00,
        "balance_after_kes": "30000.00",
    }
    (changed,) = receiver.of_type("student.balance_changed")
    assert changed.signed_with(setup.secret)
    assert changed.json["data"]["balance_before_kes"] == "35000.00"
    assert changed.json["data"]["change_cents"] == -5_000_00
    assert [c["kind"] for c in changed.json["data"]["causes"]] == ["payment"]
    assert received.headers["karo-delivery"] != changed.headers["karo-delivery"]

    pay(setup)  # and again after delivery
    assert setup.sender.run().delivered == 0 and len(receiver.received) == 2
    assert [d.status for d in deliveries(factory)] == [DeliveryStatus.DELIVERED] * 2
    # The README's recipe refuses a tampered body, another secret, a stale or a mangled signature.
    header, body_bytes = received.headers["karo-signature"], received.body
    stamp = int(header.split(",")[0].removeprefix("t="))
    assert verify(setup.secret, header, body_bytes)
    assert not verify(setup.secret, header, body_bytes.replace(b"500000", b"5000000"))
    assert not received.signed_with("whsec_another")
    assert not verify(setup.secret, signature_header(setup.secret, stamp - 600, body_bytes), body_bytes)
    assert not verify(setup.secret, header.replace("v1=", "v1=0"), body_bytes)
    assert not verify(setup.secret, "v1=" + header.split("v1=")[1], body_bytes)


def test_a_failed_delivery_is_retried_on_the_backoff_and_its_attempts_logged(
    factory: sessionmaker[Session], receiver: Receiver
) -> None:
    setup = make_school(factory, receiver.url, events=("payment.received",))
    pay(setup)
    receiver.answers = [500, 503]
    assert setup.sender.run().failed == 1
    (delivery,) = deliveries(factory)
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_status_code == 500
    assert delivery.next_attempt_at - setup.clock() == pytest.approx(BACKOFF[0], abs=dt.timedelta(seconds=5))
    assert setup.sender.run().failed == 0 and len(receiver.received) == 1  # not due yet
    setup.clock.advance(BACKOFF[0] + dt.timedelta(seconds=1))
    assert setup.sender.run().failed == 1
    setup.clock.advance(BACKOFF[1] + dt.timedelta(seconds=1))
    assert setup.sender.run().delivered == 1
    first, second, third = receiver.received
    assert (
        first.body == second.body == third.body
        and first.headers["karo-delivery"] == third.headers["karo-delivery"]
    )
    assert all(r.signed_with(setup.secret) for r in receiver.received)
    with factory() as session:
        (logged,) = delivery_log(session, setup.endpoint_id)
    assert logged.delivery.status == DeliveryStatus.DELIVERED and logged.delivery.attempts == 3
    assert [(a.number, a.status_code, a.error) for a in logged.attempts] == [
        (1, 500, "HTTP 500"),
        (2, 503, "HTTP 503"),
        (3, 200, None),
    ]
    assert (
        all(a.duration_ms >= 0 for a in logged.attempts)
        and logged.attempts[0].response_excerpt == "try later"
    )


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/gone"


def test_an_unreachable_endpoint_is_tried_on_every_backoff_then_given_up(
    factory: sessionmaker[Session],
) -> None:
    setup = make_school(factory, closed_port_url(), events=("payment.received",))
    pay(setup)
    for wait in (dt.timedelta(0), *BACKOFF):
        setup.clock.advance(wait + dt.timedelta(seconds=1))
        assert setup.sender.run().failed == 1
    assert setup.sender.run().failed == 0
    (delivery,) = deliveries(factory)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == MAX_ATTEMPTS == 6
    with factory() as session:
        (logged,) = delivery_log(session, setup.endpoint_id)
    assert all(a.status_code is None and a.error and "ConnectError" in a.error for a in logged.attempts)


def test_a_reversal_tells_the_school_system_with_the_balance_after(
    factory: sessionmaker[Session], receiver: Receiver
) -> None:
    setup = make_school(factory, receiver.url)
    payment = pay(setup)
    setup.sender.run()
    receiver.reset()
    with transaction(factory) as session:
        paid = session.get_one(Payment, payment.id)
        now = dt.datetime.now(dt.UTC)
        reverse_payment(session, paid, Destination.VOID, reason="bounced", actor="bursar", now=now, on=TODAY)
    assert setup.sender.run().delivered == 2
    (reversed_,) = receiver.of_type("payment.reversed")
    data = reversed_.json["data"]
    assert reversed_.signed_with(setup.secret) and data["reason"] == "bounced"
    assert (data["receipt_no"], data["admission_no"], data["amount_cents"]) == (
        payment.receipt_no,
        "KJA-001",
        5_000_00,
    )
    assert data["balance_after_cents"] == FEES and data["moved_to_admission_no"] is None
    (changed,) = receiver.of_type("student.balance_changed")
    assert (
        changed.json["data"]["change_kes"] == "5000.00"
        and changed.json["data"]["balance_after_kes"] == "35000.00"
    )


def test_one_balance_change_per_student_and_transaction_with_every_entry(
    factory: sessionmaker[Session], receiver: Receiver
) -> None:
    setup = make_school(factory, receiver.url, events=("student.balance_changed",))
    with transaction(factory) as session:  # a late joiner, invoiced and paying in one transaction
        grade = session.scalars(select(SchoolClass).where(SchoolClass.school_id == setup.school_id)).one()
        term = session.scalars(select(Term).where(Term.school_id == setup.school_id)).one()
        joiner = b.student(session, grade, "KJA-002", "Otieno Baraka")
        invoice_student(session, joiner, term, actor="test")
        paid = Received(PaymentSource.CASH, "CASH-1", 10_000_00, TODAY)
        record_payment(session, setup.school_id, paid, joiner, actor="bursar")
    setup.sender.run()
    (changed,) = receiver.of_type("student.balance_changed")
    data = changed.json["data"]
    assert data["admission_no"] == "KJA-002" and [c["kind"] for c in data["causes"]] == ["invoice", "payment"]
    assert (data["balance_before_cents"], data["change_cents"], data["balance_after_cents"]) == (
        0,
        FEES - 10_000_00,
        FEES - 10_000_00,
    )
    assert receiver.of_type("payment.received") == []  # not subscribed


def test_disabled_and_deleted_endpoints_and_a_ping(
    factory: sessionmaker[Session], receiver: Receiver
) -> None:
    setup = make_school(factory, receiver.url)
    with transaction(factory) as session:
        endpoint = school_endpoint(session, setup.school_id, setup.endpoint_id)
        assert (
            endpoint is not None and school_endpoint(session, setup.school_id + 1, setup.endpoint_id) is None
        )
        set_endpoint_active(session, endpoint, False)
    pay(setup)
    assert deliveries(factory) == []  # disabled: no events written for it
    with transaction(factory) as session:
        endpoint = school_endpoint(session, setup.school_id, setup.endpoint_id)
        assert endpoint is not None
        set_endpoint_active(session, endpoint, True)
        ping = queue_ping(session, endpoint, now=setup.clock())
    outcome = setup.sender.deliver_now(ping.id)
    assert outcome is not None and outcome.delivered
    (pinged,) = receiver.of_type("ping")
    assert pinged.signed_with(setup.secret) and pinged.json["data"]["endpoint_id"] == setup.endpoint_id
    pay(setup, "TKA9Z8Y7X6")
    with transaction(factory) as session:
        endpoint = school_endpoint(session, setup.school_id, setup.endpoint_id)
        assert endpoint is not None
        delete_endpoint(session, endpoint, now=setup.clock())
        assert school_endpoint(session, setup.school_id, setup.endpoint_id) is None
    assert setup.sender.run().delivered == 0
    assert {d.status for d in deliveries(factory) if d.event_type != "ping"} == {DeliveryStatus.CANCELLED}


def test_a_secret_that_cannot_be_opened_fails_the_attempt_and_says_why(
    factory: sessionmaker[Session], receiver: Receiver
) -> None:
    setup = make_school(factory, receiver.url, events=("payment.received",))
    pay(setup)
    other_key = webhook_box(Settings(database_url="sqlite://", secret_key=SecretStr("a-changed-key")))
    assert WebhookSender(factory, other_key, clock=setup.clock).run().failed == 1
    (delivery,) = deliveries(factory)
    assert receiver.received == [] and delivery.last_error and "KARO_SECRET_KEY" in delivery.last_error


@pytest.mark.parametrize(
    ("url", "events", "why"),
    [
        ("http://erp.school.ac.ke/hook", EVENT_TYPES, "https://"),
        ("ftp://erp.school.ac.ke/hook", EVENT_TYPES, "https://"),
        ("https://10.0.0.5/hook", EVENT_TYPES, "private network"),
        ("https://user:pw@erp.school.ac.ke/hook", EVENT_TYPES, "password"),
        ("https://erp.school.ac.ke:99999/hook", EVENT_TYPES, "not a URL"),
        ("https://erp.school.ac.ke/hook", ("payment.refunded",), "unknown event"),
        ("https://erp.school.ac.ke/hook", (), "at least one"),
        ("", EVENT_TYPES, "URL"),
    ],
)
def test_an_endpoint_karo_cannot_deliver_to_is_refused(
    factory: sessionmaker[Session], url: str, events: tuple[str, ...], why: str
) -> None:
    with transaction(factory) as session:
        school = b.school(session, slug="kilimani")
        with pytest.raises(InvalidWebhook, match=why):
            create_endpoint(
                session, school.id, url=url, events=events, seal=BOX.seal, actor="t", now=TODAY_UTC
            )
        url = " https://erp.school.ac.ke/hook "
        new = create_endpoint(
            session, school.id, url=url, events=["payment.received"], seal=BOX.seal, actor="t", now=TODAY_UTC
        )
    assert new.endpoint.url == "https://erp.school.ac.ke/hook" and new.secret.startswith("whsec_")
    assert BOX.open(new.endpoint.secret_sealed) == new.secret and new.secret not in new.endpoint.secret_sealed


TODAY_UTC = dt.datetime(2026, 2, 10, 6, 0, tzinfo=dt.UTC)
