"""Late fees: charged once per term to a student who still owes that term after its due date and grace.

The rule, as a bursar would say it: on any day after ``due_on + grace days`` (and until the term ends),
every active student who still owes something for the term is charged the school's late fee: a fixed
amount, or a percentage of what they owe for the term at that moment (the late fee itself excluded),
rounded half-up to the cent. It is posted to the term's "Late fee" vote head (made when first needed,
paid after every other vote head), under the key ``late-fee:t{term}:s{student}``.

A family keeping its word is not charged: while the child's payment plan for the term is kept (every
instalment due so far paid) or the latest promise to pay has not fallen due, there is no late fee. A missed
instalment or a broken promise makes it due from that day: the next run charges it. Each family charged
is told, in its language, by one bulk message written with the charge (``ledger.messaging.family_notices``).

Once per term means once, ever: running the schedule again, or twice at once, finds the key and posts
nothing; a late fee the bursar waives (reverses with ``ledger.books.reversals``) is not charged again. A rule
turned on mid-year does not reach back into terms that have ended.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.billing.fee_rules import LATE_FEE_PRIORITY, FeeRules, percent_of, percent_text, rules_for
from ledger.billing.payment_plans import PlanState, plan_statuses
from ledger.billing.promises import standing_promises
from ledger.books.accounts import get_account, receivable_account
from ledger.books.allocation import lock_student, receivables
from ledger.books.journal import Leg, find_by_key
from ledger.books.posting import post_for_student
from ledger.books.tables import Account, AccountKind, Entry, EntryKind
from ledger.bulk import insert_or_fetch
from ledger.events import LateFeesCharged, raise_event
from ledger.money import kes
from ledger.records.tables import Student, Term, VoteHead


@dataclass(frozen=True)
class LateFeeRun:
    charged: int  # students charged by this run
    total: int  # cents charged by this run
    terms: tuple[str, ...]  # the terms past their grace period today


def apply_late_fees(
    session: Session, school_id: int, today: dt.date, *, actor: str, now: dt.datetime | None = None
) -> LateFeeRun:
    """Charge every late fee due ``today`` in the school (the daily schedule, or ``karo fees late``),
    and tell each family charged."""
    rules = rules_for(session, school_id)
    if not rules.late_fee_on:
        return LateFeeRun(0, 0, ())
    terms = late_terms(session, school_id, today, rules.late_fee_grace_days)
    charged = total = 0
    for term in terms:
        fees: dict[int, int] = {}
        for student in _students_due(session, term, today):
            entry, created = charge_late_fee(session, student, term, today, actor=actor, rules=rules)
            if entry is not None and created:
                fees[student.id] = _charged(entry)
        if fees:
            at = now or dt.datetime.now(dt.UTC)
            raise_event(session, LateFeesCharged(term.id, tuple(fees.items()), at))
        charged += len(fees)
        total += sum(fees.values())
    return LateFeeRun(charged, total, tuple(term.code for term in terms))


def late_terms(session: Session, school_id: int, today: dt.date, grace_days: int) -> list[Term]:
    """The school's terms whose grace period has passed by ``today`` and that have not ended."""
    terms = session.scalars(select(Term).where(Term.school_id == school_id).order_by(Term.starts_on))
    grace = dt.timedelta(days=grace_days)
    return [term for term in terms if term.due_on + grace < today <= term.ends_on]


def charge_late_fee(
    session: Session,
    student: Student,
    term: Term,
    today: dt.date,
    *,
    actor: str,
    rules: FeeRules | None = None,
) -> tuple[Entry | None, bool]:
    """Charge one student's late fee for a term, once; (None, False) when nothing is owed or due yet,
    (the earlier entry, False) when it was charged before."""
    rules = rules or rules_for(session, student.school_id)
    key = late_fee_key(term.id, student.id)
    body = {"term": term.id, "student": student.id}
    # Lock first, then look: a concurrent run that charged this student has committed by the time the
    # lock is ours, so we see its entry and post nothing.
    lock_student(session, student.id)
    head = late_fee_vote_head(session, student.school_id, rules.late_fee_vote_head)
    owed = term_owed(session, student.id, term.id, excluding_head=head.id)
    amount = rules.late_fee_cents or percent_of(owed, rules.late_fee_bp)
    grace_over = term.due_on + dt.timedelta(days=rules.late_fee_grace_days) < today
    if not (grace_over and rules.late_fee_on and owed > 0 and amount > 0):
        return find_by_key(session, student.school_id, key, body), False

    def legs() -> list[Leg]:
        receivable = receivable_account(session, student, term.id, head.id)
        income = get_account(session, student.school_id, AccountKind.INCOME, vote_head_id=head.id)
        return [Leg(receivable, debit=amount), Leg(income, credit=amount)]

    return post_for_student(
        session,
        student,
        kind=EntryKind.LATE_FEE,
        key=key,
        body=body,
        legs=legs,
        memo=_memo(rules, owed, term),
        effective_on=today,
        actor=actor,
        term_id=term.id,
    )


def late_fee_key(term_id: int, student_id: int) -> str:
    return f"late-fee:t{term_id}:s{student_id}"


def term_owed(session: Session, student_id: int, term_id: int, *, excluding_head: int | None = None) -> int:
    """What the student still owes for one term (never below zero: money paid ahead is credit)."""
    return sum(
        max(owed.amount, 0)
        for owed in receivables(session, student_id)
        if owed.account.term_id == term_id and owed.account.vote_head_id != excluding_head
    )


def late_fee_vote_head(session: Session, school_id: int, name: str) -> VoteHead:
    """The vote head late fees are charged to, made on first use (safely when two runs race)."""
    query = select(VoteHead).where(VoteHead.school_id == school_id, VoteHead.name == name)
    values = {"school_id": school_id, "name": name, "priority": LATE_FEE_PRIORITY}
    head, _ = insert_or_fetch(session, VoteHead, values, lambda: session.scalars(query).one_or_none())
    return head


def _students_due(session: Session, term: Term, today: dt.date) -> list[Student]:
    """Active students with something owed for the term, not yet charged its late fee, whose family is
    not keeping its word."""
    charged = set(
        session.scalars(
            select(Entry.student_id).where(
                Entry.school_id == term.school_id, Entry.kind == EntryKind.LATE_FEE, Entry.term_id == term.id
            )
        )
    )
    owing = (
        select(Student)
        .join(Account, Account.student_id == Student.id)
        .where(
            Account.term_id == term.id,
            Account.kind == AccountKind.RECEIVABLE,
            Account.balance > 0,
            Student.active.is_(True),
        )
        .distinct()
        .order_by(Student.id)
    )
    spared = charged | _keeping_their_word(session, term, today)
    return [student for student in session.scalars(owing) if student.id not in spared]


def _keeping_their_word(session: Session, term: Term, today: dt.date) -> set[int]:
    """Students whose plan for the term is kept (or done), or whose latest promise to pay still stands."""
    kept = {
        plan.student_id
        for plan, status in plan_statuses(session, term.school_id, today)
        if plan.term_id == term.id and status.state != PlanState.MISSED
    }
    return kept | set(standing_promises(session, term.school_id, today))


def _charged(entry: Entry) -> int:
    return sum(line.credit for line in entry.lines if line.account.kind == AccountKind.INCOME)


def _memo(rules: FeeRules, owed: int, term: Term) -> str:
    if rules.late_fee_bp:
        return f"Late fee {percent_text(rules.late_fee_bp)} of {kes(owed, always_cents=True)} overdue"
    return f"Late fee, term {term.code}"
