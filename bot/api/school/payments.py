"""Payments: read them (paged, ``updated_since`` for sync) and record money taken by hand, once per
``Idempotency-Key``."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated

from fastapi import APIRouter, Header, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.api.pages import Page
from bot.api.problems import PROBLEM_RESPONSES, Problem
from bot.api.school.auth import Caller, Reader, Writer
from bot.api.school.common import DEFAULT, Cursor, Id, IdFilter, Limit, Since, aware, id_page, owned
from bot.api.school.models import PaymentIn, PaymentOut
from bot.routes.deps import SessionDep
from ledger.admission import admission_key
from ledger.books.balances import total_owed
from ledger.books.tables import Entry, Payment, PaymentSource
from ledger.clock import school_day
from ledger.errors import IdempotencyConflict, LedgerError
from ledger.payments.api_requests import KEY_LENGTH, payment_once
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import Student
from ledger.staff.audit import audit, payment_recorded

router = APIRouter(tags=["payments"], responses=PROBLEM_RESPONSES)


def payments_out(session: Session, payments: list[Payment]) -> list[PaymentOut]:
    entry_ids = [p.entry_id for p in payments]
    recorded = {
        id_: at
        for id_, at in session.execute(select(Entry.id, Entry.created_at).where(Entry.id.in_(entry_ids)))
    }
    reversed_ids = set(session.scalars(select(Entry.reverses_id).where(Entry.reverses_id.in_(entry_ids))))
    return [
        PaymentOut(
            id=p.id,
            receipt_no=p.receipt_no,
            reference=p.reference,
            source=p.source.value,
            amount=p.amount,
            student_id=p.student_id,
            received_on=p.received_on,
            payer=p.payer,
            recorded_at=recorded[p.entry_id],
            reversed=p.entry_id in reversed_ids,
        )
        for p in payments
    ]


@router.get("/payments", response_model=Page[PaymentOut])
def list_payments(
    caller: Reader,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT,
    updated_since: Since = None,
    student_id: IdFilter = None,
) -> Page[PaymentOut]:
    """The school's payments in the order they were recorded."""
    query = select(Payment).where(Payment.school_id == caller.school_id)
    since = aware(updated_since)
    if since is not None:
        query = query.join(Entry, Entry.id == Payment.entry_id).where(Entry.created_at >= since)
    if student_id is not None:
        query = query.where(Payment.student_id == student_id)
    rows, next_cursor = id_page(session, query, Payment.id, cursor, limit)
    return Page[PaymentOut](items=payments_out(session, rows), next_cursor=next_cursor)


@router.get("/payments/{payment_id}", response_model=PaymentOut)
def get_payment(payment_id: Id, caller: Reader, session: SessionDep) -> PaymentOut:
    return payments_out(session, [owned(session, Payment, payment_id, caller.school_id, "payment")])[0]


IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=KEY_LENGTH,
        description="Any unique text per payment: sent again with the same body it answers with the first "
        "payment; with another body it is refused (409).",
    ),
]


@router.post(
    "/payments",
    response_model=PaymentOut,
    status_code=201,
    responses={200: {"model": PaymentOut, "description": "The payment this key recorded before"}},
)
def create_payment(
    body: PaymentIn, idempotency_key: IdempotencyKey, caller: Writer, session: SessionDep, response: Response
) -> PaymentOut:
    """Record cash, a bank deposit or a cheque for a student: allocated, receipted and audited as the
    dashboard's payment form does."""
    now = dt.datetime.now(dt.UTC)
    student = _student(session, caller.school_id, body.admission_no)
    source = PaymentSource(body.source)
    reference = " ".join((body.reference or "").split()).upper()
    if source is not PaymentSource.CASH and not reference:
        raise _invalid("reference", f"A {body.source} payment needs its slip or cheque number.")
    if body.received_on > school_day(now):
        raise _invalid("received_on", "The date received is in the future.")
    if not reference:
        reference = "CASH-API-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:12].upper()
    received = Received(source, reference, body.amount, body.received_on, student.admission_no, body.payer)
    request_body = body.model_dump(mode="json")

    def record() -> Payment:
        before = total_owed(session, student.id)
        payment, created = record_payment(
            session, caller.school_id, received, student, actor=caller.actor, now=now
        )
        if not created:
            raise Problem(409, "Conflict", f"Reference {reference} was already recorded for another payment.")
        _audit(session, caller, payment, student, before, now)
        return payment

    try:
        payment, created = payment_once(
            session, caller.school_id, idempotency_key, request_body, record, now=now
        )
    except IdempotencyConflict as conflict:
        if conflict.key == idempotency_key:
            raise Problem(
                409, "Conflict", "This Idempotency-Key was used before with another body."
            ) from None
        detail = f"Reference {reference} was already recorded for another payment."
        raise Problem(409, "Conflict", detail) from None
    except LedgerError as refused:
        raise Problem(409, "Conflict", str(refused)) from None
    session.commit()
    response.status_code = 201 if created else 200
    return payments_out(session, [payment])[0]


def _student(session: Session, school_id: int, admission_no: str) -> Student:
    found = session.scalars(
        select(Student).where(
            Student.school_id == school_id, Student.admission_key == admission_key(admission_no)
        )
    ).one_or_none()
    if found is None:
        raise _invalid("admission_no", f"No student {admission_no.strip()!r} in this school.")
    return found


def _invalid(field: str, message: str) -> Problem:
    return Problem(
        422, "Invalid request", message, errors=[{"location": f"body.{field}", "message": message}]
    )


def _audit(
    session: Session, caller: Caller, payment: Payment, student: Student, before: int, now: dt.datetime
) -> None:
    was, now_is = payment_recorded(session, student, payment, before)
    audit(
        session,
        school_id=caller.school_id,
        actor=caller.actor,
        action="payment.record",
        at=now,
        target=f"payment:{payment.id}",
        before=was,
        after=now_is,
    )
