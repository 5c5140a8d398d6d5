"""What the student page's charges section shows: the term's optional items with the student's place in
each (taken since, left on, or not taken), and a one-off charge form with a fresh form token."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.billing.enrolments import Enrolment, enrolment_amount
from ledger.records.tables import FeeItem, Student, Term, VoteHead
from ledger.records.terms import current_term


@dataclass(frozen=True)
class OptionalItem:
    head_id: int
    name: str
    amount: int  # a whole term, cents
    taken: bool
    since: dt.date | None
    left_on: dt.date | None


@dataclass(frozen=True)
class ChargeForm:
    form_token: str = field(default_factory=lambda: secrets.token_hex(6).upper())
    vote_head_id: str = ""
    amount: str = ""
    memo: str = ""


@dataclass(frozen=True)
class ChargesPanel:
    term: Term | None
    today: dt.date
    optional: list[OptionalItem]
    heads: list[VoteHead]
    form: ChargeForm
    error: str | None = None
    done: str | None = None  # what the last action did, to confirm it


def charges_panel(
    session: Session, student: Student, today: dt.date, done: str | None = None
) -> ChargesPanel:
    term = current_term(session, student.school_id, today)
    heads = list(
        session.scalars(
            select(VoteHead)
            .where(VoteHead.school_id == student.school_id)
            .order_by(VoteHead.priority, VoteHead.name)
        )
    )
    items = optional_items(session, student, term) if term is not None else []
    return ChargesPanel(term, today, items, heads, ChargeForm(), done=done)


def optional_items(session: Session, student: Student, term: Term) -> list[OptionalItem]:
    """The class's optional items for the term, and any enrolment of the student's own beside them."""
    items = session.scalars(
        select(FeeItem).where(
            FeeItem.term_id == term.id, FeeItem.class_id == student.class_id, FeeItem.optional.is_(True)
        )
    )
    enrolments = {
        e.vote_head_id: e
        for e in session.scalars(
            select(Enrolment).where(Enrolment.student_id == student.id, Enrolment.term_id == term.id)
        )
    }
    amounts = {item.vote_head_id: item.amount for item in items if item.amount > 0}
    shown = []
    for head_id in sorted(set(amounts) | set(enrolments)):
        head = session.get(VoteHead, head_id)
        assert head is not None  # a foreign key
        enrolment = enrolments.get(head_id)
        if enrolment is None:
            shown.append(OptionalItem(head_id, head.name, amounts[head_id], False, None, None))
            continue
        amount = enrolment_amount(session, student, enrolment)
        since = enrolment.starts_on or term.starts_on
        shown.append(OptionalItem(head_id, head.name, amount, enrolment.active, since, enrolment.left_on))
    return shown
