"""Students taking optional fee items: ``admission_no,term,vote_head[,amount]``.

Enrolling anyone in a term's vote head makes that head's items for the term optional in every class
(billed only to the enrolled), and the import's summary says which it newly made optional. Importing
fees, then enrolments, then invoicing bills only the enrolled. A row for a student whose term is already
invoiced is a join from the import's day: a pro-rata charge (``ledger.billing.optional_changes``). A row
already true (enrolled at that amount) changes nothing, so importing the file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.billing.enrolments import enrolment_of, fee_item, mark_optional
from ledger.billing.fee_structure import invoiced_students
from ledger.billing.optional_changes import change_enrolment
from ledger.errors import InvalidTerm
from ledger.imports.core import BadRow, Importer, ImportScope, Row, RowChange
from ledger.imports.fields import amount_cents, text_value
from ledger.imports.lookups import known_student, students_by_key
from ledger.money import kes
from ledger.records.tables import FeeItem, SchoolClass, Student, Term, VoteHead
from ledger.records.terms import find_term, parse_term_code


@dataclass(frozen=True)
class EnrolmentPlan:
    student: Student
    term: Term
    head: VoteHead
    amount: int | None  # None: the class's fee item


class EnrolmentsImport(Importer[EnrolmentPlan]):
    """One enrolment per row; the student, term (with its fees) and vote head must exist."""

    required = ("admission_no", "term", "vote_head")
    optional = ("amount",)

    def __init__(self, ctx: ImportScope) -> None:
        super().__init__(ctx)
        self.students = students_by_key(ctx.session, ctx.school.id)
        heads = ctx.session.scalars(select(VoteHead).where(VoteHead.school_id == ctx.school.id))
        self.heads = {h.name.casefold(): h for h in heads}
        self.terms: dict[str, Term | None] = {}
        self.lines: dict[tuple[int, int, int], int] = {}
        self.invoiced: dict[tuple[int, int], bool] = {}
        self.marked: list[str] = []

    def check(self, row: Row) -> EnrolmentPlan:
        student = known_student(row, self.students)
        term, head = self._term(row.get("term")), self._head(row.get("vote_head"))
        amount = amount_cents(row.get("amount")) if row.get("amount") else None
        if amount is not None and amount <= 0:
            raise BadRow(
                f"amount {kes(amount, always_cents=True)} must be more than zero (empty: the class fee)"
            )
        if not student.active:
            raise BadRow(f"{student.admission_no} is not an active student: no optional items")
        earlier = self.lines.setdefault((student.id, term.id, head.id), row.line)
        if earlier != row.line:
            raise BadRow(
                f"{student.admission_no} in {head.name} for term {term.code} is also on line {earlier}"
            )
        item = fee_item(self.ctx.session, term.id, student.class_id, head.id)
        if amount is None and (item is None or item.amount <= 0):
            raise BadRow(
                f"{head.name} has no fee for {student.school_class.name} in term {term.code}; give an amount"
            )
        self._check_can_be_optional(term, head)
        self._check_amount_change(student, term, head, amount)
        return EnrolmentPlan(student, term, head, amount)

    def apply(self, plan: EnrolmentPlan) -> RowChange:
        session = self.ctx.session
        marked = mark_optional(session, plan.term.id, plan.head.id)
        if marked:
            self.marked.append(_marked_note(session, plan, marked))
        enrolment = enrolment_of(session, plan.student.id, plan.term.id, plan.head.id)
        if enrolment is not None and enrolment.active:
            if enrolment.amount == plan.amount:
                return RowChange.UNCHANGED
            enrolment.amount = plan.amount  # not invoiced yet (checked): the invoice will bill it
            return RowChange.UPDATED
        key = f"enrolment:s{plan.student.id}:t{plan.term.id}:v{plan.head.id}:{self.ctx.today}"
        change_enrolment(
            session,
            plan.student,
            plan.term,
            plan.head,
            join=True,
            on=self.ctx.today,
            key=key,
            actor=self.ctx.actor,
            amount=plan.amount,
        )
        return RowChange.CREATED

    def notes(self) -> tuple[str, ...]:
        return tuple(self.marked)

    def _term(self, text: str) -> Term:
        try:
            year, number = parse_term_code(text)
        except InvalidTerm as bad:
            raise BadRow(str(bad)) from None
        code = f"{year}-{number}"
        if code not in self.terms:
            self.terms[code] = find_term(self.ctx.session, self.ctx.school.id, year, number)
        found = self.terms[code]
        if found is None:
            raise BadRow(f"the school has no term {code} yet; import its fees first")
        return found

    def _head(self, text: str) -> VoteHead:
        name = text_value(text, "vote_head", 60)
        head = self.heads.get(name.casefold())
        if head is None:
            known = ", ".join(sorted(h.name for h in self.heads.values())[:10]) or "none yet"
            raise BadRow(f"unknown vote head {name!r}; the school has {known} (a fees import adds them)")
        return head

    def _check_can_be_optional(self, term: Term, head: VoteHead) -> None:
        """A compulsory item of a class already invoiced cannot become optional by import: it was billed."""
        session = self.ctx.session
        compulsory = session.scalars(
            select(FeeItem).where(
                FeeItem.term_id == term.id, FeeItem.vote_head_id == head.id, FeeItem.optional.is_(False)
            )
        )
        for item in compulsory:
            if self._invoiced(term.id, item.class_id):
                raise BadRow(
                    f"{head.name} was billed to the whole class when term {term.code} was invoiced; "
                    "it can only become optional before invoicing"
                )

    def _check_amount_change(self, student: Student, term: Term, head: VoteHead, amount: int | None) -> None:
        enrolment = enrolment_of(self.ctx.session, student.id, term.id, head.id)
        changed = enrolment is not None and enrolment.active and enrolment.amount != amount
        if changed and self._invoiced(term.id, student.class_id):
            raise BadRow(
                f"{student.admission_no} already takes {head.name} in the invoiced term {term.code} at "
                "another amount; take them off and enrol them again from the student page"
            )

    def _invoiced(self, term_id: int, class_id: int) -> bool:
        if (term_id, class_id) not in self.invoiced:
            self.invoiced[term_id, class_id] = bool(invoiced_students(self.ctx.session, term_id, class_id))
        return self.invoiced[term_id, class_id]


def _marked_note(session: Session, plan: EnrolmentPlan, marked: list[FeeItem]) -> str:
    ids = [item.class_id for item in marked]
    names = sorted(session.scalars(select(SchoolClass.name).where(SchoolClass.id.in_(ids))))
    head, code = plan.head.name, plan.term.code
    return f"{head} in term {code} is now optional, billed only to the enrolled: {', '.join(names)}"
