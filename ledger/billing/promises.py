"""A parent's promise to pay by a date: reminders for that child pause until then."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Date, ForeignKey, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.db import Base, UtcDateTime
from ledger.errors import LedgerError


class PromiseToPay(Base):
    __tablename__ = "promises"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id"))
    promised_on: Mapped[dt.date] = mapped_column(Date)
    made_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class InvalidPromise(LedgerError):
    """A promise dated in the past or outside the term."""


def promise_to_pay(
    session: Session,
    *,
    school_id: int,
    student_id: int,
    guardian_id: int,
    on: dt.date,
    today: dt.date,
    term_ends_on: dt.date | None,
    now: dt.datetime,
) -> PromiseToPay:
    """Record a promise; a newer promise for the same child replaces the older one in effect."""
    if on < today:
        raise InvalidPromise("a promise cannot be dated in the past")
    if term_ends_on is not None and on > term_ends_on:
        raise InvalidPromise("a promise must fall within the term")
    promise = PromiseToPay(
        school_id=school_id, student_id=student_id, guardian_id=guardian_id, promised_on=on, made_at=now
    )
    session.add(promise)
    session.flush()
    return promise


def latest_promises(
    session: Session, *, school_id: int | None = None, student_ids: Iterable[int] | None = None
) -> dict[int, dt.date]:
    """Each child's latest promise date (a newer one replaces an older), in a school or for these children."""
    query = select(PromiseToPay.student_id, PromiseToPay.promised_on).order_by(PromiseToPay.id)
    if school_id is not None:
        query = query.where(PromiseToPay.school_id == school_id)
    if student_ids is not None:
        query = query.where(PromiseToPay.student_id.in_(list(student_ids)))
    return {student_id: on for student_id, on in session.execute(query)}


def standing_promises(session: Session, school_id: int, today: dt.date) -> dict[int, dt.date]:
    """The school's children whose latest promise has not yet fallen due, with its date."""
    return {
        student_id: on
        for student_id, on in latest_promises(session, school_id=school_id).items()
        if on >= today
    }
