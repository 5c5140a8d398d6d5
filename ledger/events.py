"""Domain events: what the books say happened, for the parts above them (messaging) to act on.

A money operation raises an event on its session instead of importing what the event causes; the message
bus (``ledger.messaging.bus``), wired onto the session factory by ``bot.bootstrap`` (and the tests), handles
the events just before the commit, so a receipt's outbox row commits in the same transaction as its payment.
An event raised inside a savepoint that is then rolled back (a concurrent duplicate in ``journal.once``) is
dropped with it, as the rows it describes are.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy.orm import Session, SessionTransaction

PENDING = "ledger.events"  # the Session.info key of the events raised and not yet handled
HANDLER = "ledger.events.handler"  # the Session.info key of the bus's handler (ledger.db)


class Event:
    """Base of every domain event (frozen dataclasses below)."""


@dataclass(frozen=True)
class PaymentReachedStudent(Event):
    """Money was posted to a student (recorded, or allocated from suspense): their families get a receipt."""

    payment_id: int
    at: dt.datetime
    tell_family: bool = True
    # What the student owed right after this payment, when the posting knew it: the receipt and the webhook
    # need not read it again. None: read it when the event is handled.
    owed_after: int | None = None


@dataclass(frozen=True)
class SuspensePaymentReceived(Event):
    """Paybill money that matched no student went to suspense; ``phone`` is the payer's, when known."""

    payment_id: int
    phone: str
    at: dt.datetime


@dataclass(frozen=True)
class PaymentReversed(Event):
    """A payment that had reached a student was taken off their account (voided, back to suspense or moved
    to another child; ``reversal_id`` the entry that undid it): the family receipted for it is told."""

    payment_id: int
    student_id: int
    reversal_id: int
    reason: str
    at: dt.datetime


class FailureReason(enum.StrEnum):
    """Why an M-Pesa prompt ended without money, in a parent's words (``ledger.payments.stk`` maps codes)."""

    CANCELLED = "cancelled"  # 1032
    UNREACHABLE = "unreachable"  # 1037
    FUNDS = "funds"  # 1
    WRONG_PIN = "wrong_pin"  # 2001
    BUSY = "busy"  # 1001, or "unable to lock subscriber" when pushing
    EXPIRED = "expired"  # 1019
    LIMITS = "limits"  # 2, 3, 4
    SAME_AMOUNT = "same_amount"  # 17
    PIN_LOCKED = "pin_locked"  # 8006
    NOT_SENT = "not_sent"  # the prompt could not be sent (Daraja down, refused our request...)
    OTHER = "other"


@dataclass(frozen=True)
class PaymentRequestFailed(Event):
    """An STK prompt ended without money: the phone that asked is told why."""

    request_id: int
    reason: FailureReason
    at: dt.datetime


@dataclass(frozen=True)
class ClassInvoiced(Event):
    """A class was invoiced for a term (some children for the first time): families are told the fees."""

    class_id: int
    term_id: int
    at: dt.datetime


@dataclass(frozen=True)
class LateFeesCharged(Event):
    """Late fees were charged for a term: each family charged is told, once. ``fees``: (student id, cents)."""

    term_id: int
    fees: tuple[tuple[int, int], ...]
    at: dt.datetime


@dataclass(frozen=True)
class GuardianAccessEnded(Event):
    """A phone stopped being a guardian's of these children (None: of any child in the school): what is
    still queued to it about them is withdrawn."""

    school_id: int
    phone: str
    student_ids: tuple[int, ...] | None
    at: dt.datetime


@dataclass(frozen=True)
class BursaryCredited(Event):
    """A bursary was credited to a student (``ledger.billing.bursaries``): their families are told, once."""

    award_id: int
    at: dt.datetime


@dataclass(frozen=True)
class StudentBalanceChanged(Event):
    """An entry changed what a student's family owes by ``change`` cents (positive: owes more), raised by
    ``ledger.books.journal.post_entry`` for every entry whatever its kind: the school's system is told."""

    school_id: int
    student_id: int
    entry_id: int
    kind: str  # the entry's kind (invoice, payment, bursary...)
    change: int
    at: dt.datetime


def raise_event(session: Session, event: Event) -> None:
    """Record ``event`` for the bus, tied to the (innermost) transaction it happened in."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(PENDING, []).append((transaction, event))


def handle_now(session: Session) -> None:
    """Hand the events raised so far to the message bus at once, as a savepoint's release does: the
    messages of a posting that read the books (a family's total owed after *this* payment) must not wait
    for a commit that may come after further postings (a bank statement's payments in one transaction)."""
    handler = session.info.get(HANDLER)
    if handler is not None:
        handler(session)


def take_events(session: Session) -> list[Event]:
    """The events raised and not yet handled, oldest first; they are handled once."""
    pending: list[tuple[SessionTransaction | None, Event]] = session.info.pop(PENDING, [])
    return [event for _, event in pending]


def drop_rolled_back(session: Session, rolled_back: SessionTransaction) -> None:
    """Forget the events of a transaction (or savepoint) that was rolled back, and of those inside it."""
    pending: list[tuple[SessionTransaction | None, Event]] = session.info.get(PENDING, [])
    session.info[PENDING] = [(tx, e) for tx, e in pending if not _within(tx, rolled_back)]


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False
