"""Invoicing a class, or one student, for a term from the school's fee structure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.billing.bursaries import credit_awards_due
from ledger.billing.early_discount import grant_early_discounts, last_money_day
from ledger.billing.enrolments import billed_fees
from ledger.billing.sibling_discount import apply_sibling_discount
from ledger.books.accounts import get_account, receivable_account
from ledger.books.journal import Leg, live_key, posted_entry
from ledger.books.posting import post_for_student
from ledger.books.tables import AccountKind, Entry, EntryKind
from ledger.events import ClassInvoiced, raise_event
from ledger.records.leavers import refuse_term_after_leaving
from ledger.records.tables import FeeItem, SchoolClass, Student, Term, VoteHead


@dataclass(frozen=True)
class InvoiceRun:
    term: str
    class_name: str
    invoiced: int  # students invoiced by this run
    already: int  # students invoiced before, left as they were
    total: int  # cents invoiced by this run


def fee_items(session: Session, term_id: int, class_id: int) -> list[tuple[FeeItem, VoteHead]]:
    rows = session.execute(
        select(FeeItem, VoteHead)
        .join(VoteHead, VoteHead.id == FeeItem.vote_head_id)
        .where(FeeItem.term_id == term_id, FeeItem.class_id == class_id, FeeItem.amount > 0)
        .order_by(VoteHead.priority, VoteHead.name)
    )
    return [(item, head) for item, head in rows]


def invoice_student(
    session: Session, student: Student, term: Term, *, actor: str
) -> tuple[Entry | None, bool]:
    """Post the term's fees for one student (once: its compulsory items and the optional ones they are
    enrolled in, ``ledger.billing.enrolments``), consuming any credit they carry; then the school's
    fee rules that apply at invoicing: the sibling discount, and the early-payment discount when credit
    paid the term (dated the last day money reached the student).

    Returns (entry, created) for the invoice; (None, False) when the class has no fees for the term.
    A leaver is not invoiced for a term that began after they left (StudentLeft).
    """
    refuse_term_after_leaving(student, term.code, term.starts_on)
    items = billed_fees(session, student, term, fee_items(session, term.id, student.class_id))
    if not items:
        return None, False
    key = live_key(session, student.school_id, f"invoice:t{term.id}:s{student.id}")
    body = {"fees": sorted((head.name, amount) for head, amount in items)}

    def legs() -> list[Leg]:
        legs: list[Leg] = []
        for head, amount in items:
            receivable = receivable_account(session, student, term.id, head.id)
            income = get_account(session, student.school_id, AccountKind.INCOME, vote_head_id=head.id)
            legs += [Leg(receivable, debit=amount), Leg(income, credit=amount)]
        return legs

    # Once posted, an invoice stands as it was: a fee changed or an optional item joined since is a
    # charge or credit of its own (ledger.billing.fee_structure, optional_changes), not a new body.
    posted = posted_entry(session, student.school_id, key)
    entry, created = (
        (posted, False)
        if posted is not None
        else post_for_student(
            session,
            student,
            kind=EntryKind.INVOICE,
            key=key,
            body=body,
            legs=legs,
            memo=f"Fees for term {term.code}",
            effective_on=term.starts_on,
            actor=actor,
            term_id=term.id,
        )
    )
    _, discounted = apply_sibling_discount(session, student, term, entry, actor=actor)
    credit_awards_due(session, student, term, on=entry.effective_on, actor=actor)  # bursaries waiting
    if created or discounted:
        money_day = last_money_day(session, student.id)
        if money_day is not None:
            grant_early_discounts(session, student, money_day, actor=actor)
    return entry, created


def invoice_class(
    session: Session,
    school_class: SchoolClass,
    term: Term,
    *,
    actor: str,
    notify: bool = True,
    now: dt.datetime | None = None,
) -> InvoiceRun:
    """Invoice every active student of a class; running it again adds nothing.

    With ``notify``, each family of a child this run invoiced is told the term's fees, in the same
    transaction (``ledger.messaging.family_notices``; once per family and set of children).
    """
    students = session.scalars(
        select(Student)
        .where(Student.class_id == school_class.id, Student.active.is_(True))
        .order_by(Student.id)
    )
    invoiced = already = total = 0
    for student in students:
        entry, created = invoice_student(session, student, term, actor=actor)
        if entry is None:
            continue
        if created:
            invoiced += 1
            total += sum(line.debit for line in entry.lines if line.account.kind == AccountKind.RECEIVABLE)
        else:
            already += 1
    if notify and invoiced:
        raise_event(session, ClassInvoiced(school_class.id, term.id, now or dt.datetime.now(dt.UTC)))
    return InvoiceRun(term.code, school_class.name, invoiced, already, total)
