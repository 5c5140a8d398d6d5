"""Webhooks on the dashboard: the bursar registers the school system's endpoint and copies its secret, pings
it (a real HTTP receiver checks the signature with that secret), reads the delivery log, disables and
deletes it; every change is audited; a clerk may not; and the app's embedded sender delivers a payment."""

from __future__ import annotations

import datetime as dt
import re
import time

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.background import Background
from bot.bootstrap import bootstrap
from bot.settings import Settings
from bot.webhooks_out.sealing import webhook_box
from ledger.books.tables import PaymentSource
from ledger.db import transaction
from ledger.messaging.webhook_tables import WebhookEndpoint
from ledger.messaging.webhooks import create_endpoint
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import School, Student
from ledger.staff.audit import AuditEntry
from tests.e2e.dashboard.conftest import CLERK_A, csrf_of, post_form, sign_in
from tests.integration.webhooks_out.receiver import Receiver, receiver, receiver_server  # noqa: F401

PAGE = "/dashboard/settings/webhooks"
NOW = dt.datetime.now(dt.UTC)
SECRET = re.compile(r'id="secret-value">(whsec_[^<]+)<')


def add(client: TestClient, url: str, *events: str) -> tuple[int, str]:
    token = csrf_of(client.get(PAGE))
    answer = client.post(PAGE, data={"url": url, "events": list(events), "csrf_token": token})
    return answer.status_code, answer.text


def endpoint_of(factory: sessionmaker[Session]) -> WebhookEndpoint:
    with factory() as session:
        return session.scalars(select(WebhookEndpoint)).one()


def audited(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        query = select(AuditEntry.action).where(AuditEntry.action.like("webhook.%")).order_by(AuditEntry.id)
        return list(session.scalars(query))


def test_the_bursar_registers_pings_reads_the_log_disables_and_deletes(
    bursar: TestClient,
    staffed: sessionmaker[Session],
    receiver: Receiver,  # noqa: F811
) -> None:
    status, page = add(bursar, receiver.url + "/hooks/karo", "payment.received", "payment.reversed")
    assert status == 200
    found = SECRET.search(page)
    assert found, page
    secret = found.group(1)
    endpoint = endpoint_of(staffed)
    assert (
        endpoint.events == ["payment.received", "payment.reversed"] and secret not in endpoint.secret_sealed
    )
    listing = bursar.get(PAGE).text
    assert receiver.url + "/hooks/karo" in listing and secret not in listing and secret[-4:] in listing

    answer = post_form(bursar, f"{PAGE}/{endpoint.id}/ping", {}, from_page=PAGE)
    assert answer.status_code == 200 and "Ping delivered" in answer.text
    (ping,) = receiver.received
    assert ping.path == "/hooks/karo" and ping.signed_with(secret) and ping.headers["karo-event"] == "ping"
    log = bursar.get(f"{PAGE}/{endpoint.id}").text
    assert (
        f'id="delivery-{ping.headers["karo-delivery"]}"' in log and "HTTP 200" in log and "delivered" in log
    )

    receiver.answers = [500]
    failed = post_form(bursar, f"{PAGE}/{endpoint.id}/ping", {}, from_page=PAGE)
    assert "The ping was not delivered: HTTP 500" in failed.text
    assert "HTTP 500" in bursar.get(f"{PAGE}/{endpoint.id}").text

    disabled = post_form(bursar, f"{PAGE}/{endpoint.id}/active", {"active": "off"}, from_page=PAGE)
    assert "is disabled" in disabled.text and not endpoint_of(staffed).active
    refused = post_form(bursar, f"{PAGE}/{endpoint.id}/ping", {}, from_page=PAGE)
    assert refused.status_code == 422 and len(receiver.received) == 2
    post_form(bursar, f"{PAGE}/{endpoint.id}/active", {"active": "on"}, from_page=PAGE)
    deleted = post_form(bursar, f"{PAGE}/{endpoint.id}/delete", {}, from_page=PAGE)
    assert "is deleted" in deleted.text and "No endpoints yet" in deleted.text
    assert bursar.get(f"{PAGE}/{endpoint.id}").status_code == 404
    assert audited(staffed) == [
        "webhook.create",
        "webhook.ping",
        "webhook.ping",
        "webhook.active",
        "webhook.active",
        "webhook.delete",
    ]


def test_a_bad_endpoint_is_refused_with_its_reason_and_nothing_kept(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    status, page = add(bursar, "http://erp.kilimani.ac.ke/karo", "payment.received")
    assert status == 422 and "must use https://" in page and 'value="http://erp.kilimani.ac.ke/karo"' in page
    status, page = add(bursar, "https://erp.kilimani.ac.ke/karo")
    assert status == 422 and "choose at least one event" in page
    without_token = bursar.post(
        PAGE, data={"url": "https://erp.kilimani.ac.ke/karo", "events": "payment.received"}
    )
    assert without_token.status_code == 403
    with staffed() as session:
        assert session.scalars(select(WebhookEndpoint)).all() == []
    assert audited(staffed) == []


def test_a_clerk_may_not_see_or_change_webhooks(web: TestClient, staffed: sessionmaker[Session]) -> None:
    assert sign_in(web, CLERK_A).status_code == 303
    assert web.get(PAGE).status_code == 403
    assert "/dashboard/settings/webhooks" not in web.get("/dashboard/settings").text
    token = csrf_of(web.get("/dashboard"))
    answer = web.post(
        PAGE, data={"url": "https://erp.kilimani.ac.ke/k", "events": "payment.received", "csrf_token": token}
    )
    assert answer.status_code == 403 and audited(staffed) == []


def test_the_embedded_default_delivers_a_payment_from_its_own_thread(
    engine: Engine,
    staffed: sessionmaker[Session],
    receiver: Receiver,  # noqa: F811
) -> None:
    """``karo serve`` without Redis: the app's background thread delivers; no worker is involved."""
    services = bootstrap(Settings(database_url="sqlite://", secret_key=SecretStr("e2e")), engine=engine)
    background = Background(send=True, schedule=False, send_every_seconds=0.1)
    with transaction(staffed) as session:
        school = session.scalars(select(School).where(School.slug == "kilimani")).one()
        box = webhook_box(services.settings)
        new = create_endpoint(
            session,
            school.id,
            url=receiver.url,
            events=["payment.received"],
            seal=box.seal,
            actor="t",
            now=NOW,
        )
    with TestClient(create_app(services, background)):
        with transaction(staffed) as session:
            pupil = session.scalars(select(Student).where(Student.school_id == school.id)).one()
            paid = Received(PaymentSource.CASH, "CASH-77", 2_500_00, NOW.date())
            record_payment(session, school.id, paid, pupil, actor="bursar")
        deadline = time.monotonic() + 10
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.05)
    (received,) = receiver.received
    assert received.signed_with(new.secret) and received.json["data"]["reference"] == "CASH-77"
