"""Joining or leaving an optional fee item: before the term is invoiced, only the enrolment changes (the
invoice will bill it); after, the invoice stands and the change is a charge or a credit from that day.

Pro rata, by calendar days: a child who takes the bus from the middle of the term pays for the days left
(``amount * days left / days in the term``, half-up to the cent), and one who stops is credited the days
left, so joining and leaving on the same day cost nothing and a term taken whole costs the item's amount.
Schools do charge transport and lunch by the part of the term used; a whole-term charge for a week of
the bus is what families dispute. The amount is known before posting (``preview_change``) and the
dashboard shows it before the bursar confirms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.billing.enrolments import (
    Enrolment,
    EnrolmentRefused,
    enrolment_amount,
    enrolment_of,
    fee_item,
    live_invoice,
)
from ledger.books.accounts import get_account, receivable_account
from ledger.books.allocation import lock_student
from ledger.books.journal import Leg, find_by_key
from ledger.books.posting import post_for_student
from ledger.books.tables import AccountKind, Entry, EntryKind
from ledger.money import kes
from ledger.records.tables import Student, Term, VoteHead


@dataclass(frozen=True)
class ChangePreview:
    """What joining (``join``) or leaving a vote head on ``on`` does: ``amount`` cents charged (joining)
    or credited (leaving), 0 when the term is not invoiced yet (the invoice will bill it) or is over."""

    join: bool
    on: dt.date
    amount: int
    days: int  # days of the term from ``on``
    term_days: int
    invoiced: bool
    unchanged: bool  # already enrolled (joining) or not enrolled (leaving): nothing to do

    def describe(self, head: str) -> str:
        if self.unchanged:
            return f"{head}: {'already taken' if self.join else 'not taken'}; nothing changes"
        if not self.invoiced:
            return f"{head}: {'enrolled' if self.join else 'left'}; billed when the term is invoiced"
        what = "charge" if self.join else "credit"
        amount = kes(self.amount, always_cents=True)
        return f"{head} {'from' if self.join else 'stopped from'} {self.on}: {what} {amount}" + (
            f" ({self.days} of {self.term_days} days)"
        )


def pro_rata(amount: int, term: Term, on: dt.date) -> tuple[int, int, int]:
    """(cents, days left from ``on``, days in the term) for a whole-term ``amount``; half-up."""
    term_days = (term.ends_on - term.starts_on).days + 1
    start = min(max(on, term.starts_on), term.ends_on + dt.timedelta(days=1))
    days = (term.ends_on - start).days + 1
    return (2 * amount * days + term_days) // (2 * term_days), days, term_days


def preview_change(
    session: Session,
    student: Student,
    term: Term,
    head: VoteHead,
    *,
    join: bool,
    on: dt.date,
    amount: int | None = None,
) -> ChangePreview:
    """What ``change_enrolment`` would do now; refuses a join that has nothing to bill."""
    enrolment = enrolment_of(session, student.id, term.id, head.id)
    taken = enrolment is not None and enrolment.active
    invoiced = live_invoice(session, student.id, term.id) is not None
    if join and not taken:
        _check_can_join(session, student, term, head, amount)
    if taken == join:
        return ChangePreview(join, on, 0, 0, 0, invoiced, unchanged=True)
    if join:
        whole = amount if amount is not None else _item_amount(session, student, term, head)
    else:
        assert enrolment is not None  # taken
        whole = enrolment_amount(session, student, enrolment)
    cents, days, term_days = pro_rata(whole, term, on)
    return ChangePreview(join, on, cents if invoiced else 0, days, term_days, invoiced, unchanged=False)


def change_enrolment(
    session: Session,
    student: Student,
    term: Term,
    head: VoteHead,
    *,
    join: bool,
    on: dt.date,
    key: str,
    actor: str,
    amount: int | None = None,
) -> tuple[ChangePreview, Entry | None]:
    """Enrol the student in (``join``) or take them off an optional vote head from ``on``; once the
    term is invoiced, post the pro-rata charge or credit under ``key`` (a retry finds it and changes
    nothing). Returns what was done and the entry posted (None when nothing was posted)."""
    body = {"student": student.id, "term": term.id, "head": head.id, "join": join, "on": on, "amount": amount}
    done = find_by_key(session, student.school_id, key, body)
    if done is not None:
        return ChangePreview(join, on, 0, 0, 0, True, unchanged=True), done
    lock_student(session, student.id)
    preview = preview_change(session, student, term, head, join=join, on=on, amount=amount)
    if preview.unchanged:
        return preview, None
    _record(session, student, term, head, join=join, on=on, amount=amount)
    if not preview.amount:
        return preview, None
    entry, _ = post_for_student(
        session,
        student,
        kind=EntryKind.CHARGE,
        key=key,
        body=body,
        legs=lambda: _legs(session, student, term, head, preview),
        memo=preview.describe(head.name),
        effective_on=max(on, term.starts_on),
        actor=actor,
        term_id=term.id,
    )
    return preview, entry


def _check_can_join(
    session: Session, student: Student, term: Term, head: VoteHead, amount: int | None
) -> None:
    if not student.active:
        raise EnrolmentRefused(f"{student.admission_no} is not an active student: no optional items")
    if amount is not None and amount <= 0:
        raise EnrolmentRefused("an enrolment's own amount must be more than zero")
    item = fee_item(session, term.id, student.class_id, head.id)
    if amount is None and (item is None or item.amount <= 0):
        raise EnrolmentRefused(
            f"{head.name} has no fee for {student.school_class.name} in term {term.code}: give an amount"
        )


def _item_amount(session: Session, student: Student, term: Term, head: VoteHead) -> int:
    item = fee_item(session, term.id, student.class_id, head.id)
    return item.amount if item is not None else 0


def _record(
    session: Session,
    student: Student,
    term: Term,
    head: VoteHead,
    *,
    join: bool,
    on: dt.date,
    amount: int | None,
) -> None:
    enrolment = enrolment_of(session, student.id, term.id, head.id)
    if enrolment is None:
        enrolment = Enrolment(school_id=student.school_id, student_id=student.id, term_id=term.id)
        enrolment.vote_head_id = head.id
        session.add(enrolment)
    if join:
        enrolment.left_on, enrolment.starts_on, enrolment.amount = None, on, amount
    else:
        enrolment.left_on = on
    session.flush()


def _legs(
    session: Session, student: Student, term: Term, head: VoteHead, preview: ChangePreview
) -> list[Leg]:
    receivable = receivable_account(session, student, term.id, head.id)
    income = get_account(session, student.school_id, AccountKind.INCOME, vote_head_id=head.id)
    if preview.join:
        return [Leg(receivable, debit=preview.amount), Leg(income, credit=preview.amount)]
    return [Leg(income, debit=preview.amount), Leg(receivable, credit=preview.amount)]


def stop_optional_items(
    session: Session, student: Student, on: dt.date, *, key: str, actor: str
) -> list[tuple[ChangePreview, Entry | None]]:
    """Take a student who leaves off every optional item of each term not over by ``on`` (for the
    leavers' part to call): a credit for the days left of each one already billed, under ``key:t:v``."""
    rows = session.execute(
        select(Enrolment, Term, VoteHead)
        .join(Term, Term.id == Enrolment.term_id)
        .join(VoteHead, VoteHead.id == Enrolment.vote_head_id)
        .where(Enrolment.student_id == student.id, Enrolment.left_on.is_(None), Term.ends_on >= on)
        .order_by(Term.starts_on, VoteHead.priority)
    ).all()
    return [
        change_enrolment(
            session, student, term, head, join=False, on=on, key=f"{key}:t{term.id}:v{head.id}", actor=actor
        )
        for _, term, head in rows
    ]
