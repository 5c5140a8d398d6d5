"""What a conversation needs from outside, as Protocols: the bot supplies real ones; tests, fakes."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Protocol

from ledger.types import (
    AttendanceSummary,
    Balance,
    ExamSummary,
    GuardianRef,
    Receipt,
    SchoolRef,
    Statement,
    StudentRef,
    TermRef,
)


class ChildGone(Exception):
    """The conversation's child is not (or no longer) reachable from this phone: the conversation starts
    afresh. A directory or payments call about a student raises it when the phone is not its guardian."""


class ParentDirectory(Protocol):
    """Read what a parent may see, and record the choices they make. Every method is scoped to a phone
    (E.164) so that a parent only ever reaches their own children: one about a ``student_id`` that is not
    an active child of the phone raises ``ChildGone``."""

    def schools_for(self, phone: str) -> list[SchoolRef]:
        """Schools where this phone is a guardian of at least one active student."""
        ...

    def guardian(self, phone: str, school_id: int) -> GuardianRef | None: ...

    def children(self, phone: str, school_id: int) -> list[StudentRef]:
        """This phone's children in that school, by name."""
        ...

    def balance(self, phone: str, student_id: int) -> Balance: ...

    def statement(
        self, phone: str, student_id: int, *, before: int | None = None, limit: int = 3
    ) -> Statement:
        """The latest ``limit`` entries, or those before entry id ``before`` (paging with 98)."""
        ...

    def receipts(self, phone: str, student_id: int, *, limit: int = 3) -> list[Receipt]:
        """The student's latest ``limit`` official receipts, newest first, a cancelled one marked."""
        ...

    def attendance(self, phone: str, student_id: int) -> AttendanceSummary | None: ...

    def exams(self, phone: str, student_id: int) -> list[ExamSummary]:
        """The student's exam summaries, latest first."""
        ...

    def current_term(self, school_id: int) -> TermRef | None: ...

    def set_language(self, phone: str, school_id: int, language: str) -> None: ...

    def set_wanted(self, phone: str, school_id: int, category: str, on: bool) -> None:
        """Start or stop one optional kind of message (``REMINDERS``, ``ANNOUNCEMENTS``) on every channel."""
        ...

    def set_channel(self, phone: str, school_id: int, channel: str) -> bool:
        """Make ``channel`` ("sms", "whatsapp", "email") the preferred one; False, changing nothing, when it
        is email and the school has no address for this guardian."""
        ...

    def promise_to_pay(self, phone: str, student_id: int, on: dt.date) -> None: ...


REMINDERS, ANNOUNCEMENTS = "reminders", "announcements"  # as ``ledger.records.parents`` names them
CHANNELS = ("sms", "whatsapp", "email")


class PaymentOutcome(enum.StrEnum):
    QUEUED = "queued"  # an STK prompt will reach the phone shortly
    ALREADY_PENDING = "already_pending"  # one is on its way already: no second prompt
    UNAVAILABLE = "unavailable"  # the school cannot take M-Pesa payments now


@dataclass(frozen=True)
class PaymentRequest:
    phone: str  # E.164 of the paying phone
    student_id: int
    amount: int  # cents, whole shillings


class PaymentRequester(Protocol):
    def stk_available(self, school_id: int) -> bool:
        """Whether the school can send M-Pesa prompts (it has a Daraja app): when not, parents are shown
        its Paybill instead. Read from what the hop already reads, never by calling Daraja."""
        ...

    def request_payment(self, request: PaymentRequest) -> PaymentOutcome: ...


class Clock(Protocol):
    def today(self) -> dt.date: ...


@dataclass(frozen=True)
class Ports:
    directory: ParentDirectory
    payments: PaymentRequester
    clock: Clock
