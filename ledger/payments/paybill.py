"""Paybill (C2B) money: the account number matched to a child, the confirmation posted once per receipt.

The account number is what the payer typed, so it is matched loosely: case, spaces, dashes and the school's
admission prefix do not matter. A number that matches no child is accepted into suspense or refused at
validation, by the school's ``accept_unknown_accounts``.

Paybill confirmations hide the payer's phone: masked (``2547 ***** 126``) or hashed (SHA-256). So a payer
whose money went to suspense can be texted only when the number can be recovered without guessing: a plain
number; a hash that equals the hash of one of the school's guardians or of a recent STK request's phone;
a mask that fits exactly one STK request for the same amount in the last minutes. Otherwise no SMS is sent:
the payment waits in suspense with what the payer typed and the masked number, for the bursar.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ledger.admission import candidate_keys
from ledger.books.allocation import lock_student
from ledger.books.tables import Payment, PaymentSource
from ledger.events import SuspensePaymentReceived, raise_event
from ledger.money import kes
from ledger.payments.recording import Received
from ledger.payments.stk import StkResult, complete_provisional, payment_by_reference, post_once
from ledger.payments.stk_requests import MAX_AMOUNT, PaymentRequestRecord, RequestStatus
from ledger.records.tables import Guardian, School, Student

# A provisional STK payment this old is no longer completed by a Paybill confirmation of the same amount.
PROVISIONAL_WINDOW = dt.timedelta(days=2)
# A masked payer matches an STK request this recent (a prompt and its confirmation are minutes apart).
MASK_WINDOW = dt.timedelta(minutes=15)
_HASH = re.compile(r"[0-9a-fA-F]{64}")
_PLAIN = re.compile(r"\+?254[17]\d{8}")
# What one M-Pesa transaction carries (Daraja: KES 1 to 250,000): any other amount is no real payment.
LIMITS = (1_00, MAX_AMOUNT)


class Verdict(enum.StrEnum):
    ACCEPT = "accept"  # a known child
    SUSPENSE = "suspense"  # unknown account, but the school takes such money into suspense
    UNKNOWN_ACCOUNT = "unknown_account"  # C2B00012
    UNKNOWN_SHORTCODE = "unknown_shortcode"  # C2B00015
    BAD_AMOUNT = "bad_amount"  # C2B00013


@dataclass(frozen=True)
class PaybillPaid:
    """A Paybill confirmation, in the ledger's terms."""

    trans_id: str  # the M-Pesa receipt
    amount: int  # cents
    shortcode: str
    bill_ref: str
    msisdn: str  # masked, hashed, or (rarely) plain
    payer_name: str
    paid_on: dt.date


def within_limits(amount: int) -> bool:
    """Whether ``amount`` (cents) is one M-Pesa transaction can carry."""
    return LIMITS[0] <= amount <= LIMITS[1]


@dataclass(frozen=True)
class ForReview:
    """A confirmation not posted, for the school's bursar to look at: an amount outside M-Pesa's limits,
    or a receipt already posted with another amount or account (a conflicting repeat)."""

    school: School
    reason: str


@dataclass(frozen=True)
class Settled:
    outcome: StkResult
    payment: Payment
    school: School
    texted: str | None = None  # the phone told about suspense, if any


def schools_for_shortcode(session: Session, shortcode: str) -> list[School]:
    """Schools paid through this shortcode: its own Daraja shortcode, else a Paybill number without one."""
    shortcode = shortcode.strip()
    return list(
        session.scalars(
            select(School)
            .where(
                or_(
                    School.daraja_shortcode == shortcode,
                    School.daraja_shortcode.is_(None) & (School.paybill == shortcode),
                )
            )
            .order_by(School.id)
        )
    )


def match_account(session: Session, schools: list[School], bill_ref: str) -> tuple[School, Student | None]:
    """The child an account number names among these schools, else the first school and None (suspense)."""
    for school in schools:
        for key in candidate_keys(bill_ref, school.admission_prefix):
            student = session.scalars(
                select(Student).where(Student.school_id == school.id, Student.admission_key == key)
            ).first()
            if student is not None:
                return school, student
    return schools[0], None


def validate(session: Session, shortcode: str, bill_ref: str, amount: int) -> Verdict:
    """Whether to take a Paybill payment before the money moves."""
    schools = schools_for_shortcode(session, shortcode)
    if not schools:
        return Verdict.UNKNOWN_SHORTCODE
    if not within_limits(amount):
        return Verdict.BAD_AMOUNT
    school, student = match_account(session, schools, bill_ref)
    if student is not None:
        return Verdict.ACCEPT
    return Verdict.SUSPENSE if school.accept_unknown_accounts else Verdict.UNKNOWN_ACCOUNT


def settle_paybill(session: Session, paid: PaybillPaid, *, now: dt.datetime) -> Settled | ForReview | None:
    """Post a confirmation once per receipt (to the child, or to suspense); None for an unknown shortcode.

    A receipt already posted (its STK callback came first) is not posted again; a provisional STK payment
    for this child and amount gets this receipt instead of a second posting. An amount outside M-Pesa's
    limits, or a receipt posted before with another amount or account, is not posted: it is for review.
    """
    schools = schools_for_shortcode(session, paid.shortcode)
    if not schools:
        return None
    school, student = match_account(session, schools, paid.bill_ref)
    if not within_limits(paid.amount):
        return ForReview(
            school, f"{kes(paid.amount, always_cents=True)} is outside M-Pesa's limits: not posted"
        )
    if student is not None:
        lock_student(session, student.id)
    existing = payment_by_reference(session, school.id, paid.trans_id)
    if existing is not None:
        return _repeated(existing, paid, student, school)
    if student is not None and (request := _provisional_request(session, school.id, student.id, paid, now)):
        complete_provisional(session, request, paid.trans_id, None, now)
        payment = session.get(Payment, request.payment_id)
        assert payment is not None
        return Settled(StkResult.COMPLETED, payment, school)
    payment, created = post_once(session, school.id, _received(paid), student, now=now)
    if not created:
        return _repeated(payment, paid, student, school)
    texted = _tell_about_suspense(session, school, payment, paid, now) if student is None else None
    return Settled(StkResult.POSTED, payment, school, texted)


def _repeated(
    existing: Payment, paid: PaybillPaid, student: Student | None, school: School
) -> Settled | ForReview:
    """A receipt seen before: the same payment again (nothing to do), or a conflicting repeat."""
    differences = []
    if existing.amount != paid.amount:
        differences.append(
            f"{kes(paid.amount, always_cents=True)}, posted as {kes(existing.amount, always_cents=True)}"
        )
    typed = _received(paid).account_text
    if existing.source == PaymentSource.MPESA_PAYBILL and existing.account_text != typed:
        differences.append(f"account {typed!r}, posted with {existing.account_text!r}")
    elif student is not None and existing.student_id not in (None, student.id):
        differences.append(f"account {typed!r} names another child than the one posted")
    if differences:
        reason = f"conflicting repeat of {existing.reference}: " + "; ".join(differences) + ": not posted"
        return ForReview(school, reason)
    return Settled(StkResult.ALREADY, existing, school)


def _received(paid: PaybillPaid) -> Received:
    payer = " ".join(part for part in (paid.msisdn, paid.payer_name) if part)
    return Received(
        PaymentSource.MPESA_PAYBILL, paid.trans_id, paid.amount, paid.paid_on, paid.bill_ref[:40], payer[:120]
    )


def _provisional_request(
    session: Session, school_id: int, student_id: int, paid: PaybillPaid, now: dt.datetime
) -> PaymentRequestRecord | None:
    return session.scalars(
        select(PaymentRequestRecord)
        .where(
            PaymentRequestRecord.school_id == school_id,
            PaymentRequestRecord.student_id == student_id,
            PaymentRequestRecord.status == RequestStatus.PAID,
            PaymentRequestRecord.payment_id.is_not(None),
            PaymentRequestRecord.receipt.is_(None),
            PaymentRequestRecord.amount == paid.amount,
            PaymentRequestRecord.created_at >= now - PROVISIONAL_WINDOW,
        )
        .order_by(PaymentRequestRecord.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _tell_about_suspense(
    session: Session, school: School, payment: Payment, paid: PaybillPaid, now: dt.datetime
) -> str | None:
    phone = payer_phone(session, school, paid, now)
    if phone is None:
        return None
    raise_event(session, SuspensePaymentReceived(payment.id, phone, now))
    return phone


def payer_phone(session: Session, school: School, paid: PaybillPaid, now: dt.datetime) -> str | None:
    """The payer's phone (E.164) when it can be known for sure from a masked or hashed MSISDN, else None."""
    msisdn = paid.msisdn.strip()
    if _PLAIN.fullmatch(msisdn):
        return "+" + msisdn.lstrip("+")
    if _HASH.fullmatch(msisdn):
        return _phone_with_hash(session, school, msisdn.lower(), now)
    digits = re.sub(r"\s+", "", msisdn)
    if "*" in digits:
        head, tail = digits.split("*", 1)[0], digits.rsplit("*", 1)[-1]
        phones = {
            request.phone
            for request in _recent_requests(session, school, now)
            if request.amount == paid.amount
            and request.phone.lstrip("+").startswith(head)
            and request.phone.endswith(tail)
        }
        return phones.pop() if len(phones) == 1 else None
    return None


def _phone_with_hash(session: Session, school: School, digest: str, now: dt.datetime) -> str | None:
    guardians = session.scalars(select(Guardian.phone).where(Guardian.school_id == school.id))
    candidates = set(guardians) | {request.phone for request in _recent_requests(session, school, now)}
    matches = {
        phone for phone in candidates if hashlib.sha256(phone.lstrip("+").encode()).hexdigest() == digest
    }
    return matches.pop() if len(matches) == 1 else None


def _recent_requests(session: Session, school: School, now: dt.datetime) -> list[PaymentRequestRecord]:
    return list(
        session.scalars(
            select(PaymentRequestRecord).where(
                PaymentRequestRecord.school_id == school.id,
                PaymentRequestRecord.created_at >= now - MASK_WINDOW,
            )
        )
    )
