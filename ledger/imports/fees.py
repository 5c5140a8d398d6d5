"""The fee structure: what each class pays per vote head in a term."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ledger.billing.enrolments import fee_item
from ledger.billing.fee_structure import invoiced_students
from ledger.errors import InvalidTerm
from ledger.imports.core import BadRow, Importer, ImportScope, Row, RowChange
from ledger.imports.fields import amount_cents, text_value
from ledger.imports.lookups import classes_by_name
from ledger.money import kes
from ledger.records.tables import FeeItem, SchoolClass, Term, VoteHead
from ledger.records.terms import find_term, get_or_create_term, parse_term_code

# New vote heads are paid in the order the file first names them, leaving gaps to slot others between.
PRIORITY_STEP = 10


@dataclass(frozen=True)
class FeePlan:
    term_code: str
    school_class: SchoolClass
    vote_head: str
    priority: int  # used only if the vote head is new: an existing one keeps its priority
    amount: int


class FeesImport(Importer[FeePlan]):
    """Upserts one fee item per row; classes must exist, terms and vote heads are made on first use."""

    required = ("term", "class", "vote_head", "amount")

    def __init__(self, ctx: ImportScope) -> None:
        super().__init__(ctx)
        self.classes = classes_by_name(ctx.session, ctx.school.id)
        heads = ctx.session.scalars(select(VoteHead).where(VoteHead.school_id == ctx.school.id))
        self.heads = {h.name.casefold(): h for h in heads}
        self.priorities: dict[str, int] = {}
        self.lines_by_cell: dict[tuple[str, int, str], int] = {}
        self.terms: dict[str, Term] = {}

    def check(self, row: Row) -> FeePlan:
        try:
            year, number = parse_term_code(row.get("term"))
        except InvalidTerm as bad:
            raise BadRow(str(bad)) from None
        school_class = self._known_class(text_value(row.get("class"), "class", 40))
        head = text_value(row.get("vote_head"), "vote_head", 60)
        amount = amount_cents(row.get("amount"))
        if amount < 0:
            raise BadRow(f"fee amount {kes(amount, always_cents=True)} is negative; a fee is zero or more")
        code = f"{year}-{number}"
        earlier = self.lines_by_cell.setdefault((code, school_class.id, head.casefold()), row.line)
        if earlier != row.line:
            raise BadRow(f"{head} for {school_class.name} in term {code} is also on line {earlier}")
        self._check_not_invoiced(code, school_class, head, amount)
        priority = self.priorities.setdefault(head.casefold(), PRIORITY_STEP * (len(self.priorities) + 1))
        return FeePlan(code, school_class, head, priority, amount)

    def _check_not_invoiced(self, code: str, school_class: SchoolClass, head: str, amount: int) -> None:
        """Once a class is invoiced for a term, its fees change on the dashboard (a charge or credit to
        each student, previewed), not by a file that would leave the invoices and the structure apart."""
        term = find_term(self.ctx.session, self.ctx.school.id, *parse_term_code(code))
        known = self.heads.get(head.casefold())
        if term is None or known is None:
            return
        item = fee_item(self.ctx.session, term.id, school_class.id, known.id)
        if (item.amount if item else 0) != amount and invoiced_students(
            self.ctx.session, term.id, school_class.id
        ):
            raise BadRow(
                f"{school_class.name} is already invoiced for term {code}: change {head} on the dashboard's "
                "fee structure (a charge or credit to each student)"
            )

    def _known_class(self, name: str) -> SchoolClass:
        found = self.classes.get(name.casefold())
        if found is None:
            names = sorted(c.name for c in self.classes.values())
            known = f"the school has {', '.join(names[:10])}" if names else "the school has no classes yet"
            raise BadRow(f"unknown class {name!r}; {known} (a students import adds classes)")
        return found

    def apply(self, plan: FeePlan) -> RowChange:
        term, head = self._term(plan.term_code), self._vote_head(plan)
        session = self.ctx.session
        item = session.scalars(
            select(FeeItem).where(
                FeeItem.term_id == term.id,
                FeeItem.class_id == plan.school_class.id,
                FeeItem.vote_head_id == head.id,
            )
        ).one_or_none()
        if item is None:
            fields = {"term_id": term.id, "class_id": plan.school_class.id, "vote_head_id": head.id}
            session.add(FeeItem(school_id=self.ctx.school.id, amount=plan.amount, **fields))
            session.flush()
            return RowChange.CREATED
        if item.amount == plan.amount:
            return RowChange.UNCHANGED
        item.amount = plan.amount
        return RowChange.UPDATED

    def _term(self, code: str) -> Term:
        if code not in self.terms:
            self.terms[code] = get_or_create_term(self.ctx.session, self.ctx.school.id, code)
        return self.terms[code]

    def _vote_head(self, plan: FeePlan) -> VoteHead:
        head = self.heads.get(plan.vote_head.casefold())
        if head is None:
            head = VoteHead(school_id=self.ctx.school.id, name=plan.vote_head, priority=plan.priority)
            self.ctx.session.add(head)
            self.ctx.session.flush()
            self.heads[plan.vote_head.casefold()] = head
        return head
