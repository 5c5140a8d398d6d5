"""Maker-checker for reversals: a request to reverse is carried out at once up to the school's amount, and
above it waits for the head, who approves or rejects it; the one who asked never approves their own.

Every request is made once per key (a form's token, or the command's own key): the same key and request
return the first, another request under it is refused. The request, the approval and the rejection are each
an audit row with its actor, so the log names both people.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.books.journal import body_hash
from ledger.books.tables import Entry, Payment
from ledger.clock import school_day
from ledger.db import Base, UtcDateTime
from ledger.errors import IdempotencyConflict, InvalidAmount, LedgerError
from ledger.payments.corrections import (
    Destination,
    check_entry_reversal,
    check_payment_reversal,
    effect_on_student,
    payment_label,
    reverse_other_entry,
    reverse_payment,
)
from ledger.records.tables import School, Student, _enum
from ledger.staff.audit import audit

# A term's fees for one child are commonly KES 10,000 to 40,000: reversing more than KES 10,000 (most of a
# term's payment) takes a second person unless the head sets another amount.
DEFAULT_APPROVAL_ABOVE = 10_000_00
REASON_LENGTH = 200


class RequestStatus(enum.StrEnum):
    PENDING = "pending"  # waits for the head
    DONE = "done"  # reversed (at once, or when approved)
    REJECTED = "rejected"


class ReversalRequest(Base):
    """A request to reverse one payment (with where its money goes) or one other entry."""

    __tablename__ = "reversal_requests"
    __table_args__ = (UniqueConstraint("school_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    key: Mapped[str] = mapped_column(String(120))
    body_hash: Mapped[str] = mapped_column(String(64))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"), index=True)
    destination: Mapped[Destination | None] = mapped_column(_enum(Destination))
    to_student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"))
    what: Mapped[str] = mapped_column(String(200))  # the payment or entry, as the bursar reads it
    amount: Mapped[int] = mapped_column(BigInteger)  # cents
    reason: Mapped[str] = mapped_column(String(REASON_LENGTH))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus))
    requested_by: Mapped[str] = mapped_column(String(254))
    requested_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    result_entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"))


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member's email (with their id) or ``cli:<os user>``."""

    name: str
    staff_id: int | None = None


@dataclass(frozen=True)
class Reversal:
    """What is asked: a payment and where its money goes, or another entry."""

    reason: str
    payment: Payment | None = None
    destination: Destination = Destination.SUSPENSE
    to_student: Student | None = None
    entry: Entry | None = None


def approval_above(school: School) -> int:
    """The amount (cents) above which a reversal waits for the head."""
    if school.reversal_approval_cents is None:
        return DEFAULT_APPROVAL_ABOVE
    return school.reversal_approval_cents


def set_approval_above(
    session: Session, school: School, cents: int, *, actor: Actor, now: dt.datetime
) -> None:
    """The head's control: reversals above ``cents`` need their approval (0: every reversal does)."""
    if cents < 0:
        raise InvalidAmount("the amount cannot be negative")
    before = approval_above(school)
    school.reversal_approval_cents = cents
    _audit(
        session,
        school.id,
        actor,
        "reversal.threshold",
        f"school:{school.id}",
        now,
        {"above": before},
        {"above": cents},
    )


def ask_to_reverse(
    session: Session, school: School, asked: Reversal, *, key: str, actor: Actor, now: dt.datetime
) -> tuple[ReversalRequest, bool]:
    """File the request (once per key) and carry it out at once when within the school's amount.

    Returns (request, created); a request left PENDING waits for ``approve``."""
    reason = " ".join(asked.reason.split())
    if not reason:
        raise LedgerError("give a reason for the reversal")
    if len(reason) > REASON_LENGTH:
        raise LedgerError(f"the reason is longer than {REASON_LENGTH} characters")
    body = _body(asked, reason)
    existing = _find(session, school.id, key, body)
    if existing is not None:
        return existing, False
    request = _new_request(session, school, asked, reason, key=key, body=body, actor=actor, now=now)
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:
        again = _find(session, school.id, key, body)
        if again is None:
            raise
        return again, False
    _audit(
        session, school.id, actor, "reversal.request", f"reversal:{request.id}", now, None, snapshot(request)
    )
    if request.amount <= approval_above(school):
        _carry_out(session, request, actor, now)
    return request, True


def approve(
    session: Session, request: ReversalRequest, *, approver: Actor, now: dt.datetime
) -> ReversalRequest:
    """The head approves: the reversal is made now. Never by the one who asked; approving twice is once."""
    if request.status == RequestStatus.DONE and request.decided_by == approver.name:
        return request
    _decidable(request, approver)
    _carry_out(session, request, approver, now)
    request.decided_by, request.decided_at = approver.name, now
    _audit(
        session,
        request.school_id,
        approver,
        "reversal.approve",
        f"reversal:{request.id}",
        now,
        {"status": "pending", "requested_by": request.requested_by},
        snapshot(request),
    )
    return request


def reject(
    session: Session, request: ReversalRequest, *, approver: Actor, now: dt.datetime
) -> ReversalRequest:
    """The head refuses: nothing is reversed."""
    if request.status == RequestStatus.REJECTED and request.decided_by == approver.name:
        return request
    _decidable(request, approver)
    request.status, request.decided_by, request.decided_at = RequestStatus.REJECTED, approver.name, now
    _audit(
        session,
        request.school_id,
        approver,
        "reversal.reject",
        f"reversal:{request.id}",
        now,
        {"status": "pending", "requested_by": request.requested_by},
        snapshot(request),
    )
    return request


def pending_requests(
    session: Session, school_id: int, *, student_id: int | None = None
) -> list[ReversalRequest]:
    """Requests waiting for the head (only those touching ``student_id`` when given), oldest first."""
    query = select(ReversalRequest).where(
        ReversalRequest.school_id == school_id, ReversalRequest.status == RequestStatus.PENDING
    )
    if student_id is not None:
        query = query.where(
            or_(ReversalRequest.student_id == student_id, ReversalRequest.to_student_id == student_id)
        )
    return list(session.scalars(query.order_by(ReversalRequest.id)))


def decided_requests(session: Session, school_id: int, *, limit: int = 20) -> list[ReversalRequest]:
    """The latest requests done or rejected, newest first."""
    query = (
        select(ReversalRequest)
        .where(ReversalRequest.school_id == school_id, ReversalRequest.status != RequestStatus.PENDING)
        .order_by(ReversalRequest.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def snapshot(request: ReversalRequest) -> dict[str, Any]:
    return {
        "what": request.what,
        "amount": request.amount,
        "reason": request.reason,
        "destination": request.destination.value if request.destination else None,
        "status": request.status.value,
        "requested_by": request.requested_by,
        "decided_by": request.decided_by,
    }


def _new_request(
    session: Session,
    school: School,
    asked: Reversal,
    reason: str,
    *,
    key: str,
    body: dict[str, Any],
    actor: Actor,
    now: dt.datetime,
) -> ReversalRequest:
    """The request row, after checking the reversal can be made and nothing else waits on the same money."""
    request = ReversalRequest(
        school_id=school.id,
        key=key,
        body_hash=body_hash(body),
        reason=reason,
        status=RequestStatus.PENDING,
        requested_by=actor.name,
        requested_at=now,
    )
    target = asked.payment or asked.entry
    if target is None:
        raise LedgerError("name a payment or an entry to reverse")
    if target.school_id != school.id:
        raise LedgerError("that is not this school's")
    if asked.payment is not None:
        payment = asked.payment
        check_payment_reversal(session, payment, asked.destination, asked.to_student)
        request.payment_id, request.student_id, request.amount = (
            payment.id,
            payment.student_id,
            payment.amount,
        )
        request.destination, request.what = asked.destination, payment_label(payment)
        request.to_student_id = asked.to_student.id if asked.to_student else None
        waiting = ReversalRequest.payment_id == payment.id
    else:
        entry = asked.entry
        assert entry is not None  # target is the payment or this
        check_entry_reversal(session, entry)
        request.entry_id, request.student_id, request.what = entry.id, entry.student_id, entry.memo
        request.amount = abs(effect_on_student(session, entry))
        waiting = ReversalRequest.entry_id == entry.id
    waits = session.scalar(
        select(ReversalRequest.id).where(waiting, ReversalRequest.status == RequestStatus.PENDING)
    )
    if waits is not None:
        raise LedgerError(f"a reversal of {request.what} already waits for the head's approval (#{waits})")
    return request


def _carry_out(session: Session, request: ReversalRequest, actor: Actor, now: dt.datetime) -> None:
    on = school_day(now)
    if request.payment_id is not None:
        payment = session.get_one(Payment, request.payment_id)
        to = session.get(Student, request.to_student_id) if request.to_student_id else None
        assert request.destination is not None
        posted = reverse_payment(
            session,
            payment,
            request.destination,
            reason=request.reason,
            actor=actor.name[:80],
            now=now,
            on=on,
            to_student=to,
        )
        result = posted[0]
    else:
        entry = session.get_one(Entry, request.entry_id)
        result = reverse_other_entry(session, entry, reason=request.reason, actor=actor.name[:80], on=on)
    request.status, request.result_entry_id = RequestStatus.DONE, result.id
    session.flush()


def _decidable(request: ReversalRequest, approver: Actor) -> None:
    if request.status != RequestStatus.PENDING:
        raise LedgerError(f"request #{request.id} was {request.status.value} already")
    if approver.name == request.requested_by:
        raise LedgerError("you asked for this reversal: another person must approve it")


def _body(asked: Reversal, reason: str) -> dict[str, Any]:
    return {
        "payment": asked.payment.id if asked.payment else None,
        "entry": asked.entry.id if asked.entry else None,
        "destination": asked.destination.value if asked.payment else None,
        "to": asked.to_student.id if asked.to_student else None,
        "reason": reason,
    }


def _find(session: Session, school_id: int, key: str, body: dict[str, Any]) -> ReversalRequest | None:
    found = session.scalars(
        select(ReversalRequest).where(ReversalRequest.school_id == school_id, ReversalRequest.key == key)
    ).one_or_none()
    if found is not None and found.body_hash != body_hash(body):
        raise IdempotencyConflict(key)
    return found


def _audit(
    session: Session,
    school_id: int,
    actor: Actor,
    action: str,
    target: str,
    now: dt.datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    audit(
        session,
        school_id=school_id,
        staff_id=actor.staff_id,
        actor=actor.name,
        action=action,
        at=now,
        target=target,
        before=before,
        after=after,
    )
