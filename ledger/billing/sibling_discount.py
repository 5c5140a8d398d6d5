"""The sibling discount: a share off the tuition of every child of a family but the first-admitted.

Family, precisely: two active students of the same school are siblings when they share a guardian (a
guardian is one phone in one school, so: the same guardian phone). A student gets the discount when
they have an active sibling admitted before them, i.e. with a lower student id (the order Karo enrolled
them: an import adds rows in file order). So the first-admitted child pays full and a sibling who joins
late is simply the next child: the discount is posted when they are invoiced, and nobody else's
invoice changes. When a sibling leaves (made inactive), entries already posted stand (the journal is
never edited); from the next invoice on, the next-admitted child still enrolled is the one who pays full.

The discount is worked out per vote head named in the rules, as a share of what that head was invoiced,
rounded half-up to the cent, and posted as its own DISCOUNT entry right after the invoice, under the
key ``sibling-discount:{invoice key}``. Invoicing again finds it and posts nothing; a discount the bursar
withdraws (reverses) stays withdrawn for that invoice; an invoice reversed and posted afresh gets a new
discount only if the old one was reversed too, so a family never has two live sibling discounts a term.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ledger.billing.fee_rules import FeeRules, percent_of, percent_text, rules_for
from ledger.books.accounts import get_account, receivable_account
from ledger.books.journal import Leg, find_by_key
from ledger.books.posting import post_for_student
from ledger.books.reversals import live_entries
from ledger.books.tables import SIBLING_DISCOUNT_KEY, Account, AccountKind, Entry, EntryKind, Line
from ledger.records.tables import Student, StudentGuardian, Term, VoteHead

KEY_PREFIX = SIBLING_DISCOUNT_KEY


def apply_sibling_discount(
    session: Session,
    student: Student,
    term: Term,
    invoice: Entry,
    *,
    actor: str,
    rules: FeeRules | None = None,
) -> tuple[Entry | None, bool]:
    """Post the sibling discount on a (live) invoice, once; (None, False) when none is due."""
    rules = rules or rules_for(session, student.school_id)
    key = KEY_PREFIX + invoice.idempotency_key
    body = {"invoice": invoice.id}
    existing = find_by_key(session, student.school_id, key, body)
    if existing is not None:
        return existing, False
    if not rules.sibling_discount_bp or elder_sibling(session, student) is None:
        return None, False
    if live_sibling_discount(session, student.id, term.id) is not None:
        return None, False
    by_head = invoiced_by_head(session, invoice, rules.sibling_vote_heads)
    shares = {head: percent_of(amount, rules.sibling_discount_bp) for head, amount in by_head.items()}
    shares = {head: share for head, share in shares.items() if share > 0}
    if not shares:
        return None, False

    def legs() -> list[Leg]:
        bursary = get_account(session, student.school_id, AccountKind.BURSARY)
        return [Leg(bursary, debit=sum(shares.values()))] + [
            Leg(_receivable(session, student, term, head), credit=share) for head, share in shares.items()
        ]

    names = ", ".join(head.name for head in sorted(shares, key=lambda h: (h.priority, h.name)))
    return post_for_student(
        session,
        student,
        kind=EntryKind.DISCOUNT,
        key=key,
        body=body,
        legs=legs,
        memo=f"Sibling discount {percent_text(rules.sibling_discount_bp)} on {names}",
        effective_on=invoice.effective_on,
        actor=actor,
        term_id=term.id,
    )


def elder_sibling(session: Session, student: Student) -> Student | None:
    """The first-admitted active sibling enrolled before ``student``, or None for a family's first child."""
    theirs = aliased(StudentGuardian)
    guardians = select(StudentGuardian.guardian_id).where(StudentGuardian.student_id == student.id)
    query = (
        select(Student)
        .join(theirs, theirs.student_id == Student.id)
        .where(
            theirs.guardian_id.in_(guardians),
            Student.school_id == student.school_id,
            Student.id < student.id,
            Student.active.is_(True),
        )
        .order_by(Student.id)
        .limit(1)
    )
    return session.scalars(query).first()


def live_sibling_discount(session: Session, student_id: int, term_id: int) -> Entry | None:
    """A sibling discount for this student and term that has not been reversed."""
    live = live_entries(session, student_id, term_id, EntryKind.DISCOUNT, key_prefix=KEY_PREFIX)
    return live[0] if live else None


def invoiced_by_head(session: Session, invoice: Entry, head_names: list[str] | None) -> dict[VoteHead, int]:
    """What an invoice charged per vote head, for the heads named (None or empty: every head)."""
    query = (
        select(VoteHead, Line.debit)
        .join(Account, Account.vote_head_id == VoteHead.id)
        .join(Line, Line.account_id == Account.id)
        .where(Line.entry_id == invoice.id, Account.kind == AccountKind.RECEIVABLE, Line.debit > 0)
    )
    if head_names:
        query = query.where(VoteHead.name.in_(head_names))
    totals: dict[VoteHead, int] = defaultdict(int)
    for head, debit in session.execute(query):
        totals[head] += debit
    return dict(totals)


def _receivable(session: Session, student: Student, term: Term, head: VoteHead) -> Account:
    return receivable_account(session, student, term.id, head.id)
