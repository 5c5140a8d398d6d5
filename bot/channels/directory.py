"""The flows' ports, backed by the ledger: what a parent's phone may read, and the choices it records.

Every read about a student goes through ``ledger.records.parents.child_ref`` first (``own_child``), so a
phone only ever reaches its own children. Each call is one short transaction with indexed reads, or a part
of the hop's one session when the channel passes one in (``hop``): nothing here calls another service.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from bot.mpesa.credentials import can_prompt
from flows.ports import ChildGone, PaymentOutcome, PaymentRequest
from ledger.billing.promises import promise_to_pay
from ledger.books.balances import balance_of
from ledger.books.statements import recent_receipts, statement_of
from ledger.clock import NAIROBI
from ledger.db import read_rows
from ledger.errors import NotFound
from ledger.payments.stk_requests import RequestStatus, close, lock_request, pending_request, record_request
from ledger.records import parents
from ledger.records.attendance import attendance_of
from ledger.records.results import latest_summaries
from ledger.records.tables import Guardian, School
from ledger.records.terms import current_term
from ledger.staff.audit import audit
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

log = logging.getLogger(__name__)
SCHOOL_BY_USSD_CODE = select(School.id).where(School.ussd_code == bindparam("code"))  # built once


def own_child(session: Session, phone: str, student_id: int) -> StudentRef:
    """The student, if a child of ``phone`` (a leaver too: the family still reads the final statement);
    else ChildGone, as the flows' ports promise (the conversation keeps its chosen child, so this check is
    what stops a child no longer this phone's)."""
    try:
        return parents.child_ref(session, phone, student_id)
    except NotFound as gone:
        raise ChildGone(f"student {student_id} is not a child of this phone") from gone


@contextmanager
def hop_read(sessions: sessionmaker[Session], hop: Session | None) -> Iterator[Session]:
    """The hop's own session when the channel passed one in, else a short one of its own."""
    if hop is not None:
        yield hop
        return
    with sessions() as session:
        yield session


class NairobiClock:
    """The school's calendar runs on Nairobi time, whatever the server's zone."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(NAIROBI)

    def today(self) -> dt.date:
        return self.now().date()


class LedgerDirectory:
    """The flows' ``ParentDirectory`` over the ledger: what one phone may read about its own children
    (balance, statement, attendance, exams, the term) and the choices it records (language, reminders, a
    promise to pay), each scoped by ``own_child``.

    It holds the session factory (each write is a short transaction of its own), the Nairobi clock and, for
    a USSD hop, that hop's one read session (``hop``), which every read then shares: one pool checkout and
    one transaction per hop instead of one per call. ``bot.channels.compose`` builds one per conversation
    turn (a chat message) or per hop; the flows call it through ``Ports``, the USSD handler also asks it
    which school a dialled code belongs to.
    """

    def __init__(
        self, sessions: sessionmaker[Session], clock: NairobiClock, hop: Session | None = None
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.hop = hop

    def _read(self) -> AbstractContextManager[Session]:
        return hop_read(self.sessions, self.hop)

    def school_for_ussd_code(self, service_code: str) -> int | None:
        """The school whose own USSD code this is; None for the deployment's shared code."""
        with self._read() as session:
            return read_rows(session, SCHOOL_BY_USSD_CODE, {"code": service_code.strip()}).scalar()

    def schools_for(self, phone: str) -> list[SchoolRef]:
        with self._read() as session:
            return parents.schools_for_phone(session, phone)

    def guardian(self, phone: str, school_id: int) -> GuardianRef | None:
        with self._read() as session:
            return parents.guardian_ref(session, phone, school_id)

    def children(self, phone: str, school_id: int) -> list[StudentRef]:
        with self._read() as session:
            return parents.children_of(session, phone, school_id)

    def balance(self, phone: str, student_id: int) -> Balance:
        with self._read() as session:
            return balance_of(session, own_child(session, phone, student_id))

    def statement(
        self, phone: str, student_id: int, *, before: int | None = None, limit: int = 3
    ) -> Statement:
        with self._read() as session:
            return statement_of(session, own_child(session, phone, student_id), limit=limit, before=before)

    def receipts(self, phone: str, student_id: int, *, limit: int = 3) -> list[Receipt]:
        with self._read() as session:
            return recent_receipts(session, own_child(session, phone, student_id), limit=limit)

    def attendance(self, phone: str, student_id: int) -> AttendanceSummary | None:
        with self._read() as session:
            child = own_child(session, phone, student_id)
            term = current_term(session, child.school_id, self.clock.today())
            return attendance_of(session, child, term) if term else None

    def exams(self, phone: str, student_id: int) -> list[ExamSummary]:
        with self._read() as session:
            return latest_summaries(session, own_child(session, phone, student_id), limit=5)

    def current_term(self, school_id: int) -> TermRef | None:
        with self._read() as session:
            term = current_term(session, school_id, self.clock.today())
            return TermRef(term.code, term.starts_on, term.ends_on, term.due_on) if term else None

    def set_language(self, phone: str, school_id: int, language: str) -> None:
        with self._write() as session:
            parents.set_language(session, phone, school_id, language)

    def set_wanted(self, phone: str, school_id: int, category: str, on: bool) -> None:
        with self._write() as session:
            guardian = _guardian(session, phone, school_id)
            before = _choices(guardian)
            parents.set_wanted(session, phone, school_id, category, on)
            self._audit(session, guardian, f"guardian.{'start' if on else 'stop'}", before)

    def set_channel(self, phone: str, school_id: int, channel: str) -> bool:
        with self._write() as session:
            guardian = _guardian(session, phone, school_id)
            before = _choices(guardian)
            if parents.set_channel(session, phone, school_id, channel) is None:
                return False
            self._audit(session, guardian, "guardian.channel", before)
            return True

    def _audit(self, session: Session, guardian: Guardian, action: str, before: dict[str, object]) -> None:
        """The parent's own choice, in the school's audit log, in the same transaction: the actor is the
        phone."""
        audit(
            session,
            school_id=guardian.school_id,
            actor=f"parent:{guardian.phone}",
            action=action,
            at=self.clock.now(),
            target=f"guardian:{guardian.id}",
            before=before,
            after=_choices(guardian),
        )

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A write of its own, committed; the hop's shared read session then forgets what it had loaded."""
        with self.sessions.begin() as session:
            yield session
        if self.hop is not None:
            self.hop.expire_all()

    def promise_to_pay(self, phone: str, student_id: int, on: dt.date) -> None:
        with self._write() as session:
            child = own_child(session, phone, student_id)
            guardian = parents.find_guardian(session, phone, child.school_id)
            assert guardian is not None  # own_child proved the link
            term = current_term(session, child.school_id, self.clock.today())
            promise_to_pay(
                session,
                school_id=child.school_id,
                student_id=child.id,
                guardian_id=guardian.id,
                on=on,
                today=self.clock.today(),
                term_ends_on=term.ends_on if term else None,
                now=self.clock.now(),
            )


class RecordingPayments:
    """The flows' ``PaymentRequester``: records a pending STK request, then has its push scheduled through
    ``schedule_push`` (the M-Pesa desk's, handed in by the composition; None: no desk here, e.g. a script
    or a test, and the request waits). ``daraja_api_url`` is the deployment's Daraja: whether a school
    without its own app can prompt. ``hop``: the USSD hop's read session, as for ``LedgerDirectory``."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: NairobiClock,
        channel: str,
        daraja_api_url: str | None,
        schedule_push: Callable[[int], None] | None = None,
        hop: Session | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.channel = channel
        self.daraja_api_url = daraja_api_url
        self.schedule_push = schedule_push
        self.hop = hop
        self.last_request_id: int | None = None  # what the last QUEUED outcome recorded

    def stk_available(self, school_id: int) -> bool:
        with hop_read(self.sessions, self.hop) as session:
            school = session.get(School, school_id)
            return school is not None and can_prompt(school, self.daraja_api_url)

    def request_payment(self, request: PaymentRequest) -> PaymentOutcome:
        with self.sessions.begin() as session:
            child = own_child(session, request.phone, request.student_id)
            school = session.get(School, child.school_id)
            if school is None or not can_prompt(school, self.daraja_api_url):
                return PaymentOutcome.UNAVAILABLE
            if pending_request(session, request.phone, self.clock.now()) is not None:
                return PaymentOutcome.ALREADY_PENDING
            request_id = record_request(
                session,
                school_id=child.school_id,
                student_id=child.id,
                phone=request.phone,
                amount=request.amount,
                channel=self.channel,
                now=self.clock.now(),
            ).id
        self.last_request_id = request_id
        return self._schedule(request_id)

    def _schedule(self, request_id: int) -> PaymentOutcome:
        if self.schedule_push is None:
            return PaymentOutcome.QUEUED  # no M-Pesa desk here (a script, a test): the row waits
        try:
            self.schedule_push(request_id)
        except Exception:  # the queue is down: fail the row, so it neither blocks a retry nor lies
            log.exception("could not schedule the STK push for request %s", request_id)
            with self.sessions.begin() as session:
                close(lock_request(session, request_id), RequestStatus.FAILED, now=self.clock.now())
            return PaymentOutcome.UNAVAILABLE
        return PaymentOutcome.QUEUED


def _guardian(session: Session, phone: str, school_id: int) -> Guardian:
    found = parents.find_guardian(session, phone, school_id)
    if found is None:
        raise ChildGone(f"{phone} is no guardian in school {school_id}")
    return found


def _choices(guardian: Guardian) -> dict[str, object]:
    """What a parent chooses about the messages they get, as the audit log keeps it."""
    return {
        "opted_out": sorted(guardian.opted_out or []),
        "preferred_channel": guardian.preferred_channel.value,
    }
