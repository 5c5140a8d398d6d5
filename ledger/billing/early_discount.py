"""The early-payment discount: a share off a term's fees for a family that pays the term in full at least
N days before its due date.

When: at payment time, inside the same transaction as the posting that pays (``record_payment`` for a
student, ``allocate_suspense``, and so every M-Pesa STK and Paybill path, which go through those two),
and after invoicing, when credit carried forward pays a new invoice. Not in the daily run: at payment
time the day the money arrived and what the term still owes are both known exactly, under the student's
row lock, while a daily run would have to reconstruct from the journal the day a balance reached zero,
and a family would wait a day to see the discount. Each term's discount is posted once per student under
``early-discount:t{term}:s{student}``; a retried payment finds its own entry first and never gets here.

The rule, exactly: with ``D`` = the rule's share of the fees invoiced for the term on the rule's vote
heads (all heads when none are named), rounded half-up to the cent, a term counts as paid in full when
what it still owes is at most ``D``, the money arrived on or before ``due_on - N days``, and the term was
invoiced. The family may pay the fees less the discount and the discount closes the term; if they paid
it all, the discount pays other terms (oldest first) and then becomes credit. A discount the bursar
withdraws (reverses) is not granted again; reversing the payment alone leaves the discount standing
(reverse it too: the statement shows both).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.billing.fee_rules import FeeRules, percent_of, percent_text, rules_for
from ledger.billing.sibling_discount import invoiced_by_head
from ledger.books.accounts import get_account
from ledger.books.allocation import allocate, lock_student, outstanding
from ledger.books.journal import Leg, find_by_key
from ledger.books.posting import post_for_student
from ledger.books.reversals import live_entries
from ledger.books.tables import EARLY_DISCOUNT_KEY, AccountKind, Entry, EntryKind
from ledger.records.tables import Student, Term

MONEY_KINDS = (EntryKind.PAYMENT, EntryKind.SUSPENSE_ALLOCATION)


def grant_early_discounts(session: Session, student: Student, paid_on: dt.date, *, actor: str) -> list[Entry]:
    """Post the discount for every term that money paid on ``paid_on`` has now paid in full, early enough.

    Called in the transaction that has just posted the money (or the invoice)."""
    rules = rules_for(session, student.school_id)
    if not rules.early_discount_bp:
        return []
    lock_student(session, student.id)  # what the term owes must not move while we judge it
    last_day = paid_on + dt.timedelta(days=rules.early_discount_days)
    terms = session.scalars(
        select(Term)
        .where(Term.school_id == student.school_id, Term.due_on >= last_day)
        .order_by(Term.starts_on)
    )
    granted = []
    for term in terms:
        entry, created = _grant(session, student, term, rules, paid_on, actor=actor)
        if entry is not None and created:
            granted.append(entry)
    return granted


def last_money_day(session: Session, student_id: int) -> dt.date | None:
    """The latest day money reached the student: what credit consumed by an invoice was paid by."""
    query = select(Entry.effective_on).where(Entry.student_id == student_id, Entry.kind.in_(MONEY_KINDS))
    return session.scalars(query.order_by(Entry.effective_on.desc()).limit(1)).first()


KEY_PREFIX = EARLY_DISCOUNT_KEY


def early_discount_key(term_id: int, student_id: int) -> str:
    return f"{KEY_PREFIX}t{term_id}:s{student_id}"


def _grant(
    session: Session, student: Student, term: Term, rules: FeeRules, paid_on: dt.date, *, actor: str
) -> tuple[Entry | None, bool]:
    key = early_discount_key(term.id, student.id)
    body = {"term": term.id, "student": student.id}
    existing = find_by_key(session, student.school_id, key, body)
    if existing is not None:
        return existing, False
    discount = sum(
        percent_of(amount, rules.early_discount_bp)
        for invoice in live_entries(session, student.id, term.id, EntryKind.INVOICE)
        for amount in invoiced_by_head(session, invoice, rules.early_vote_heads).values()
    )
    term_owing = [owed for owed in outstanding(session, student.id) if owed.account.term_id == term.id]
    if discount <= 0 or sum(owed.amount for owed in term_owing) > discount:
        return None, False

    def legs() -> list[Leg]:
        shares, left = allocate(discount, term_owing)
        legs = [Leg(get_account(session, student.school_id, AccountKind.BURSARY), debit=discount)]
        legs += [Leg(owed.account, credit=share) for owed, share in shares]
        if left:  # the term was paid in full: the rest pays older terms first, then is credit
            credit = get_account(session, student.school_id, AccountKind.CREDIT, student_id=student.id)
            legs.append(Leg(credit, credit=left))
        return legs

    heads = ", ".join(rules.early_vote_heads) or "term fees"
    share = percent_text(rules.early_discount_bp)
    return post_for_student(
        session,
        student,
        kind=EntryKind.DISCOUNT,
        key=key,
        body=body,
        legs=legs,
        memo=f"Early payment discount {share} on {heads}, term {term.code}",
        effective_on=paid_on,
        actor=actor,
        term_id=term.id,
    )
