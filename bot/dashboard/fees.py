"""Fee structures by term, and invoicing a class for a term after a preview of what it will post."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bot.dashboard.access import MoneyStaff, Staff, StaffDep
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect, render
from bot.routes.deps import SessionDep
from ledger.billing.invoicing import fee_items, invoice_class
from ledger.books.tables import Entry, EntryKind
from ledger.clock import school_day
from ledger.records.tables import SchoolClass, Student, Term
from ledger.records.terms import current_term

router = APIRouter()


@dataclass(frozen=True)
class ClassFees:
    school_class: SchoolClass
    items: list[tuple[str, int]]  # (vote head, cents), in the order payments are allocated
    per_student: int
    students: int  # active
    invoiced: int  # already invoiced for the term (and not reversed)

    @property
    def to_invoice(self) -> int:
        return max(self.students - self.invoiced, 0)

    @property
    def total(self) -> int:
        """What invoicing now would post, before any sibling discount the school's rules grant."""
        return self.to_invoice * self.per_student


def school_term(session: Session, staff: Staff, term_id: int) -> Term:
    term = session.get(Term, term_id)
    if term is None or term.school_id != staff.school_id:
        raise HTTPException(404, "No such term.")
    return term


def school_class(session: Session, staff: Staff, class_id: int) -> SchoolClass:
    found = session.get(SchoolClass, class_id)
    if found is None or found.school_id != staff.school_id:
        raise HTTPException(404, "No such class.")
    return found


def invoiced_count(session: Session, term: Term, school_class: SchoolClass) -> int:
    reversal = aliased(Entry)
    query = (
        select(func.count(func.distinct(Entry.student_id)))
        .join(Student, Student.id == Entry.student_id)
        .outerjoin(reversal, reversal.reverses_id == Entry.id)
        .where(
            Entry.kind == EntryKind.INVOICE,
            Entry.term_id == term.id,
            Student.class_id == school_class.id,
            Student.active.is_(True),
            reversal.id.is_(None),
        )
    )
    return session.scalar(query) or 0


def class_fees(session: Session, term: Term, school_class: SchoolClass) -> ClassFees:
    rows = fee_items(session, term.id, school_class.id)
    items = [(head.name + (" (optional)" if item.optional else ""), item.amount) for item, head in rows]
    active = select(func.count(Student.id)).where(
        Student.class_id == school_class.id, Student.active.is_(True)
    )
    return ClassFees(
        school_class,
        items,
        sum(item.amount for item, _ in rows if not item.optional),  # optional items: the enrolled only
        session.scalar(active) or 0,
        invoiced_count(session, term, school_class),
    )


def terms_of(session: Session, school_id: int) -> list[Term]:
    query = select(Term).where(Term.school_id == school_id).order_by(Term.year.desc(), Term.number.desc())
    return list(session.scalars(query))


@router.get("/dashboard/fees")
def fees_page(
    request: Request, staff: StaffDep, session: SessionDep, term: str = Query("", max_length=12)
) -> Response:
    terms = terms_of(session, staff.school_id)
    chosen = next((t for t in terms if str(t.id) == term), None)
    chosen = chosen or current_term(session, staff.school_id, school_day(config_of(request).clock()))
    classes = session.scalars(
        select(SchoolClass).where(SchoolClass.school_id == staff.school_id).order_by(SchoolClass.name)
    )
    rows = [class_fees(session, chosen, c) for c in classes] if chosen is not None else []
    context = {"staff": staff, "page": "fees", "terms": terms, "term": chosen, "rows": rows}
    return render(request, "fees.html", context)


@router.get("/dashboard/terms/{term_id}/classes/{class_id}/invoice")
def invoice_preview(
    request: Request, term_id: int, class_id: int, staff: StaffDep, session: SessionDep
) -> Response:
    term, chosen = school_term(session, staff, term_id), school_class(session, staff, class_id)
    context = {"staff": staff, "page": "fees", "term": term, "fees": class_fees(session, term, chosen)}
    return render(request, "invoice_preview.html", context)


@router.post("/dashboard/terms/{term_id}/classes/{class_id}/invoice")
def invoice(
    request: Request, term_id: int, class_id: int, staff: MoneyStaff, session: SessionDep
) -> Response:
    term, chosen = school_term(session, staff, term_id), school_class(session, staff, class_id)
    before = class_fees(session, term, chosen)
    run = invoice_class(session, chosen, term, actor=staff.member.email)
    if run.invoiced:
        staff.audit(
            session,
            action="invoice.class",
            at=config_of(request).clock(),
            target=f"class:{chosen.id}:term:{term.id}",
            before={"class": chosen.name, "term": term.code, "invoiced": before.invoiced},
            after={
                "class": chosen.name,
                "term": term.code,
                "invoiced": before.invoiced + run.invoiced,
                "students": run.invoiced,
                "total": run.total,
            },
        )
    session.commit()
    # Back to the preview, which now reads "0 to invoice" and the new count from the books themselves.
    return redirect(request, f"/dashboard/terms/{term.id}/classes/{chosen.id}/invoice?done=1")
