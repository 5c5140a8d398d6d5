"""What the school's system is told: the bus's handlers that turn money events into webhook deliveries,
one per subscribed endpoint, in the transaction of the money itself.

Each delivery's key names its cause (the payment and the entry that brought it to the student, the
reversal, the student and the first entry of the transaction), so a cause seen again never delivers again.
A transaction that moves one student's balance several times (a payment and its early-payment discount)
makes one ``student.balance_changed`` with every entry listed, its before and after true for the whole.
Amounts go as integer cents and as KES strings ("1500.00"); a balance is positive when the family owes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ledger.books.balances import total_owed
from ledger.books.tables import Payment
from ledger.db import per_transaction
from ledger.events import PaymentReachedStudent, PaymentReversed, StudentBalanceChanged
from ledger.messaging.webhook_deliveries import enqueue, payload
from ledger.messaging.webhook_tables import WebhookDelivery, WebhookEndpoint
from ledger.messaging.webhooks import BALANCE_CHANGED, PAYMENT_RECEIVED, PAYMENT_REVERSED, active_endpoints
from ledger.money import kes
from ledger.records.tables import School, Student

_ENDPOINTS = "ledger.webhooks.endpoints"  # Session.info: the schools' endpoints, read once per transaction
_BALANCES = "ledger.webhooks.balances"  # Session.info: this transaction's balance deliveries per student


def kes_string(cents: int) -> str:
    """``150050`` -> ``"1500.50"``: Karo's one formatter (``ledger.money``), as a decimal a school system
    parses exactly (no thousands separator)."""
    return kes(cents, label=False, always_cents=True).replace(",", "")


def amounts(name: str, cents: int) -> dict[str, Any]:
    return {f"{name}_cents": cents, f"{name}_kes": kes_string(cents)}


def subscribed(session: Session, school_id: int, event_type: str) -> list[WebhookEndpoint]:
    """The school's enabled endpoints that want ``event_type``: one query per school and transaction,
    so invoicing a thousand students of a school without endpoints costs one query."""
    endpoints = per_transaction(session, _ENDPOINTS)
    if school_id not in endpoints:
        endpoints[school_id] = active_endpoints(session, school_id)
    return [e for e in endpoints[school_id] if event_type in e.events]


def _student(session: Session, student_id: int) -> dict[str, Any]:
    student = session.get_one(Student, student_id)
    return {"admission_no": student.admission_no, "student_name": student.name}


def _payment(payment: Payment) -> dict[str, Any]:
    return {
        "payment_id": payment.id,
        "receipt_no": payment.receipt_no,
        "reference": payment.reference,
        "method": payment.source.value,
        **amounts("amount", payment.amount),
        "received_on": payment.received_on.isoformat(),
        "payer": payment.payer,
    }


def tell_payment_received(session: Session, event: PaymentReachedStudent) -> None:
    payment = session.get_one(Payment, event.payment_id)
    endpoints = subscribed(session, payment.school_id, PAYMENT_RECEIVED)
    if not endpoints or payment.student_id is None:
        return
    data = {
        **_payment(payment),
        **_student(session, payment.student_id),
        **amounts("balance_after", _owed_after(session, payment.student_id, event.owed_after)),
    }
    # The entry that brought the money to this student: a payment moved to a sibling is received again.
    key = f"{PAYMENT_RECEIVED}:{payment.id}:{payment.allocation_entry_id or payment.entry_id}"
    for endpoint in endpoints:
        enqueue(session, endpoint, event_type=PAYMENT_RECEIVED, key=key, data=data, at=event.at)


def _owed_after(session: Session, student_id: int, known: int | None) -> int:
    return known if known is not None else total_owed(session, student_id)


def tell_payment_reversed(session: Session, event: PaymentReversed) -> None:
    payment = session.get_one(Payment, event.payment_id)
    endpoints = subscribed(session, payment.school_id, PAYMENT_REVERSED)
    if not endpoints:
        return
    moved_to = payment.student_id if payment.student_id != event.student_id else None
    data = {
        **_payment(payment),
        **_student(session, event.student_id),
        "reason": event.reason,
        "reversal_entry_id": event.reversal_id,
        "moved_to_admission_no": _student(session, moved_to)["admission_no"] if moved_to else None,
        **amounts("balance_after", total_owed(session, event.student_id)),
    }
    key = f"{PAYMENT_REVERSED}:{payment.id}:{event.reversal_id}"
    for endpoint in endpoints:
        enqueue(session, endpoint, event_type=PAYMENT_REVERSED, key=key, data=data, at=event.at)


@dataclass
class _BalanceDeliveries:
    """A student's balance deliveries in this transaction, rewritten as each further entry is handled."""

    key: str
    at: dt.datetime
    deliveries: list[WebhookDelivery]
    causes: list[dict[str, Any]] = field(default_factory=list)


def tell_balance_changed(session: Session, event: StudentBalanceChanged) -> None:
    endpoints = subscribed(session, event.school_id, BALANCE_CHANGED)
    if not endpoints:
        return
    pending: dict[int, _BalanceDeliveries] = per_transaction(session, _BALANCES)
    kept = pending.get(event.student_id)
    if kept is None:
        kept = _BalanceDeliveries(f"{BALANCE_CHANGED}:{event.student_id}:{event.entry_id}", event.at, [])
        pending[event.student_id] = kept
    kept.causes.append({"entry_id": event.entry_id, "kind": event.kind, **amounts("change", event.change)})
    change = sum(cause["change_cents"] for cause in kept.causes)
    after = total_owed(session, event.student_id)  # handled at commit: after every entry of the transaction
    data = {
        **_student(session, event.student_id),
        **amounts("balance_before", after - change),
        **amounts("change", change),
        **amounts("balance_after", after),
        "causes": kept.causes,
    }
    if not kept.deliveries:
        for endpoint in endpoints:
            delivery, _ = enqueue(
                session, endpoint, event_type=BALANCE_CHANGED, key=kept.key, data=data, at=kept.at
            )
            kept.deliveries.append(delivery)
        return
    school = session.get_one(School, event.school_id)
    for delivery in kept.deliveries:  # not sent yet: it commits with this transaction
        delivery.body = payload(school, BALANCE_CHANGED, kept.key, kept.at, data)
    session.flush()
