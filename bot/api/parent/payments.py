"""A child's payments: the list (newest first), stats, and one payment's official receipt with a link to
its PDF (``bot.documents.links``, when the deployment has a public URL and a secret)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select

from bot.api.pages import Page, decode_cursor, encode_cursor
from bot.api.parent.deps import MAX_ID, Cursor, Db, Id, Limit, Phone, own_child, services_of
from bot.api.problems import PROBLEM_RESPONSES, Problem
from bot.documents.links import receipt_links
from ledger.books.statements import recent_receipts
from ledger.books.tables import Payment
from ledger.payments.receipts import official_receipt
from ledger.types import Receipt

router = APIRouter(
    prefix="/parent/children/{child_id}/payments", tags=["parent: payments"], responses=PROBLEM_RESPONSES
)
EVERY = 10_000  # more payments than one family makes in its years at a school


class PaymentOut(BaseModel):
    id: int
    receipt_no: str
    reference: str
    method: str  # mpesa_stk, mpesa_paybill, cash, bank, cheque
    amount: int  # cents
    received_on: dt.date
    reversed: bool

    @classmethod
    def of(cls, receipt: Receipt) -> PaymentOut:
        return cls(
            id=receipt.payment_id,
            receipt_no=receipt.number,
            reference=receipt.reference,
            method=receipt.source,
            amount=receipt.amount,
            received_on=receipt.received_on,
            reversed=receipt.reversed,
        )


class PaymentStats(BaseModel):
    total_paid: int  # cents, reversed payments left out
    count: int
    by_method: dict[str, int]  # cents per method
    last_payment: PaymentOut | None


class SpreadLine(BaseModel):
    vote_head: str
    term: str | None  # None: carried forward as credit
    amount: int


class PaymentDetail(PaymentOut):
    payer: str | None
    school: str
    spread: list[SpreadLine]
    receipt_url: str | None  # the receipt's PDF, a signed link valid 48 hours (None: no public URL here)


@router.get("", response_model=Page[PaymentOut])
def payments(
    child_id: Id, phone: Phone, session: Db, cursor: Cursor = None, limit: Limit = 50
) -> Page[PaymentOut]:
    child = own_child(session, phone, child_id)
    before = _before(decode_cursor(cursor))
    found = recent_receipts(session, child, limit=limit + 1, before=before)
    page, more = found[:limit], len(found) > limit
    last = page[-1] if page else None
    return Page[PaymentOut](
        items=[PaymentOut.of(r) for r in page],
        next_cursor=encode_cursor([last.received_on.isoformat(), last.payment_id]) if more and last else None,
    )


def _before(key: list[object] | None) -> tuple[dt.date, int] | None:
    if key is None:
        return None
    try:
        on, payment_id = key
        assert isinstance(on, str) and isinstance(payment_id, int) and 0 < payment_id <= MAX_ID
        return dt.date.fromisoformat(on), payment_id
    except (ValueError, AssertionError):
        raise Problem(400, "Bad cursor", "The cursor is not one this API handed out.") from None


@router.get("/stats", response_model=PaymentStats)
def stats(child_id: Id, phone: Phone, session: Db) -> PaymentStats:
    every = recent_receipts(session, own_child(session, phone, child_id), limit=EVERY)
    kept = [r for r in every if not r.reversed]
    by_method: Counter[str] = Counter()
    for receipt in kept:
        by_method[receipt.source] += receipt.amount
    return PaymentStats(
        total_paid=sum(r.amount for r in kept),
        count=len(kept),
        by_method=dict(by_method),
        last_payment=PaymentOut.of(kept[0]) if kept else None,
    )


@router.get("/{payment_id}", response_model=PaymentDetail)
def payment(child_id: Id, payment_id: Id, phone: Phone, session: Db, request: Request) -> PaymentDetail:
    child = own_child(session, phone, child_id)
    found = session.scalars(
        select(Payment).where(Payment.id == payment_id, Payment.student_id == child.id)
    ).one_or_none()
    if found is None:
        raise Problem(404, "Not found", f"No payment {payment_id} for this child.")
    receipt, links = official_receipt(session, found), receipt_links(services_of(request).settings)
    return PaymentDetail(
        id=found.id,
        receipt_no=receipt.number,
        reference=receipt.reference,
        method=found.source.value,
        amount=receipt.amount,
        received_on=receipt.received_on,
        reversed=receipt.cancelled,
        payer=receipt.payer,
        school=receipt.school,
        spread=[SpreadLine(vote_head=s.vote_head, term=s.term, amount=s.amount) for s in receipt.spread],
        receipt_url=links.url(found.id) if links is not None else None,
    )
