"""Where Karo holds a phone: the queries both the export and the erasure walk, so they cannot disagree."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, cast, or_, select
from sqlalchemy.orm import Session

from ledger.books.tables import Payment
from ledger.payments.stk_requests import PaymentRequestRecord
from ledger.staff.audit import AuditEntry


def phone_forms(phone: str) -> list[str]:
    """The forms a phone is written in across Karo's tables: E.164, M-Pesa's MSISDN and the local 07..."""
    digits = phone.lstrip("+")
    forms = [phone, digits]
    if digits.startswith("254"):
        forms.append("0" + digits[3:])
    return forms


def payments_of(phone: str, school_id: int | None) -> ColumnElement[bool]:
    """Payments this phone made: through an STK request from it, or naming it as the payer."""
    paid_by_request = select(PaymentRequestRecord.payment_id).where(
        PaymentRequestRecord.phone == phone, PaymentRequestRecord.payment_id.is_not(None)
    )
    naming = or_(*(Payment.payer.contains(form, autoescape=True) for form in phone_forms(phone)))
    condition = or_(Payment.id.in_(paid_by_request), naming)
    return condition if school_id is None else condition & (Payment.school_id == school_id)


def audit_naming(
    session: Session, phone: str, guardian_ids: list[int], school_id: int | None
) -> list[AuditEntry]:
    """Audit rows about one of these guardians, or with the phone in what they recorded."""
    targets = [f"guardian:{gid}" for gid in guardian_ids]
    mentions = [
        cast(column, String).contains(form, autoescape=True)
        for column in (AuditEntry.before, AuditEntry.after, AuditEntry.target)
        for form in phone_forms(phone)
    ]
    query = select(AuditEntry).where(or_(AuditEntry.target.in_(targets), *mentions))
    if school_id is not None:
        query = query.where(AuditEntry.school_id == school_id)
    return list(session.scalars(query.order_by(AuditEntry.id)))
