"""Bursaries from a CSV file: ``admission_no,term,sponsor,amount[,vote_head]``, the amount in KES or ``NN%``.

Each row is an award (``ledger.billing.bursaries``) keyed by what it asks for, so importing the file again
changes nothing; a sponsor named for the first time is made, its kind guessed from its name.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.billing.award_limits import AwardTerms, check_within_fees
from ledger.billing.bursaries import award_bursary, fresh_award_key, request_key, standing_award
from ledger.billing.fee_rules import WHOLE
from ledger.billing.sponsors import InvalidSponsor, find_sponsor, sponsor_named, tidy_name
from ledger.errors import InvalidTerm, LedgerError
from ledger.imports.core import (
    BadRow,
    Importer,
    ImportRefused,
    ImportReport,
    ImportScope,
    Row,
    RowChange,
    RowError,
    header_name,
)
from ledger.imports.fields import amount_cents, text_value
from ledger.imports.lookups import known_student, students_by_key
from ledger.records.tables import Student, Term, VoteHead
from ledger.records.terms import find_term, parse_term_code

_PERCENT = re.compile(r"(\d{1,3}(\.\d{1,2})?)\s*%")


def award_amount(text: str, column: str = "amount") -> tuple[int | None, int | None]:
    """``5,000`` or ``KES 5000.50`` -> (cents, None); ``50%`` or ``12.5%`` -> (None, basis points)."""
    cleaned = text.strip()
    percent = _PERCENT.fullmatch(cleaned)
    if percent:
        basis_points = int(Decimal(percent[1]) * 100)
        if not 0 < basis_points <= WHOLE:
            raise BadRow(f"{column} {cleaned} must be more than 0% and at most 100%")
        return None, basis_points
    if cleaned.endswith("%"):
        raise BadRow(f"{column} {cleaned!r} is not a percentage (like 50% or 12.5%)")
    cents = amount_cents(cleaned, column)
    if cents <= 0:
        raise BadRow(f"{column} must be more than zero")
    return cents, None


@dataclass(frozen=True)
class AwardPlan:
    student: Student
    term: Term
    sponsor_name: str
    terms: AwardTerms
    standing: bool  # the same award stands already: nothing to do


class BursariesImport(Importer[AwardPlan]):
    required = ("admission_no", "term", "sponsor", "amount")
    optional = ("vote_head",)

    def __init__(self, ctx: ImportScope) -> None:
        super().__init__(ctx)
        self.students = students_by_key(ctx.session, ctx.school.id)
        heads = ctx.session.scalars(select(VoteHead).where(VoteHead.school_id == ctx.school.id))
        self.heads = {head.name.casefold(): head for head in heads}
        self.lines: dict[tuple[int, int, str, AwardTerms], int] = {}
        self.taken: dict[tuple[int, int], int] = defaultdict(int)

    def check(self, row: Row) -> AwardPlan:
        student = known_student(row, self.students)
        term = self._term(row.get("term"))
        try:
            sponsor_name = tidy_name(row.get("sponsor"))
        except InvalidSponsor as bad:
            raise BadRow(f"sponsor: {bad}") from None
        amount, percent = award_amount(row.get("amount"))
        terms = AwardTerms(amount=amount, percent_bp=percent, vote_head=self._head(row.get("vote_head")))
        same = (student.id, term.id, sponsor_name.casefold(), terms)
        earlier = self.lines.setdefault(same, row.line)
        if earlier != row.line:
            raise BadRow(f"the same award is also on line {earlier}")
        if self._standing(student, term, sponsor_name, terms):
            return AwardPlan(student, term, sponsor_name, terms, standing=True)
        try:
            taken = self.taken[(student.id, term.id)]
            self.taken[(student.id, term.id)] += check_within_fees(
                self.ctx.session, student, term, terms, taken
            )
        except LedgerError as bad:
            raise BadRow(str(bad)) from None
        return AwardPlan(student, term, sponsor_name, terms, standing=False)

    def apply(self, plan: AwardPlan) -> RowChange:
        if plan.standing:
            return RowChange.UNCHANGED
        session, school_id = self.ctx.session, self.ctx.school.id
        sponsor, _ = sponsor_named(session, school_id, plan.sponsor_name)
        key = fresh_award_key(session, school_id, request_key(plan.student, plan.term, sponsor, plan.terms))
        _, made = award_bursary(
            session,
            plan.student,
            plan.term,
            sponsor,
            plan.terms,
            key=key,
            actor=self.ctx.actor,
            on=self.ctx.today,
        )
        return RowChange.CREATED if made else RowChange.UNCHANGED

    def _standing(self, student: Student, term: Term, sponsor_name: str, terms: AwardTerms) -> bool:
        sponsor = find_sponsor(self.ctx.session, self.ctx.school.id, sponsor_name)
        if sponsor is None:
            return False
        key = request_key(student, term, sponsor, terms)
        return standing_award(self.ctx.session, self.ctx.school.id, key) is not None

    def _term(self, text: str) -> Term:
        try:
            year, number = parse_term_code(text)
        except InvalidTerm as bad:
            raise BadRow(str(bad)) from None
        term = find_term(self.ctx.session, self.ctx.school.id, year, number)
        if term is None:
            raise BadRow(f"term {year}-{number} has no fees in this school yet; import its fees first")
        return term

    def _head(self, text: str) -> VoteHead | None:
        if not text.strip():
            return None
        head = self.heads.get(text_value(text, "vote_head", 60).casefold())
        if head is None:
            known = ", ".join(sorted(h.name for h in self.heads.values()))
            raise BadRow(f"no vote head {text.strip()!r} in this school (known: {known})")
        return head


def cheque_lines(session: Session, school_id: int, text: str) -> list[tuple[Student, int]]:
    """A cheque's split, ``admission_no,amount`` a line (a header line is optional), as students and cents;
    ImportRefused listing every bad line."""
    students = students_by_key(session, school_id)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    lines: list[tuple[Student, int]] = []
    errors: list[RowError] = []
    seen: dict[int, int] = {}
    for number, cells in enumerate(rows, start=1):
        if not any(cell.strip() for cell in cells) or (
            number == 1 and header_name(cells[0]) == "admission_no"
        ):
            continue
        try:
            if len(cells) != 2:
                raise BadRow("needs an admission number and an amount, separated by a comma")
            row = Row(number, {"admission_no": cells[0], "amount": cells[1]})
            student = known_student(row, students)
            amount, percent = award_amount(row.get("amount"))
            if amount is None:
                raise BadRow("a cheque line is an amount in KES, not a percentage")
            earlier = seen.setdefault(student.id, number)
            if earlier != number:
                raise BadRow(f"{student.admission_no} is also on line {earlier}")
            lines.append((student, amount))
        except BadRow as bad:
            errors.append(RowError(number, str(bad)))
    if errors or not lines:
        problems = tuple(errors) or (RowError(1, "no students: one line per student, admission_no,amount"),)
        raise ImportRefused(ImportReport("cheque", len(rows), errors=problems))
    return lines
