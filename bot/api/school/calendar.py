"""Classes, terms and each term's fee structure (per class and vote head)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from bot.api.pages import Page
from bot.api.problems import PROBLEM_RESPONSES
from bot.api.school.auth import Reader
from bot.api.school.common import DEFAULT, Cursor, Id, IdFilter, Limit, id_page, owned
from bot.api.school.models import ClassOut, FeeLine, FeeStructureOut, TermOut
from bot.routes.deps import SessionDep
from ledger.records.tables import FeeItem, SchoolClass, Term, VoteHead

router = APIRouter(tags=["classes and terms"], responses=PROBLEM_RESPONSES)


def term_out(term: Term) -> TermOut:
    return TermOut(
        id=term.id,
        code=term.code,
        year=term.year,
        number=term.number,
        starts_on=term.starts_on,
        ends_on=term.ends_on,
        due_on=term.due_on,
    )


@router.get("/classes", response_model=Page[ClassOut])
def list_classes(
    caller: Reader, session: SessionDep, cursor: Cursor = None, limit: Limit = DEFAULT
) -> Page[ClassOut]:
    query = select(SchoolClass).where(SchoolClass.school_id == caller.school_id)
    rows, next_cursor = id_page(session, query, SchoolClass.id, cursor, limit)
    return Page[ClassOut](items=[ClassOut(id=c.id, name=c.name) for c in rows], next_cursor=next_cursor)


@router.get("/classes/{class_id}", response_model=ClassOut)
def get_class(class_id: Id, caller: Reader, session: SessionDep) -> ClassOut:
    found = owned(session, SchoolClass, class_id, caller.school_id, "class")
    return ClassOut(id=found.id, name=found.name)


@router.get("/terms", response_model=Page[TermOut])
def list_terms(
    caller: Reader, session: SessionDep, cursor: Cursor = None, limit: Limit = DEFAULT
) -> Page[TermOut]:
    query = select(Term).where(Term.school_id == caller.school_id)
    rows, next_cursor = id_page(session, query, Term.id, cursor, limit)
    return Page[TermOut](items=[term_out(t) for t in rows], next_cursor=next_cursor)


@router.get("/terms/{term_id}", response_model=TermOut)
def get_term(term_id: Id, caller: Reader, session: SessionDep) -> TermOut:
    return term_out(owned(session, Term, term_id, caller.school_id, "term"))


@router.get("/terms/{term_id}/fee-structure", response_model=FeeStructureOut)
def fee_structure(
    term_id: Id,
    caller: Reader,
    session: SessionDep,
    class_id: IdFilter = None,
) -> FeeStructureOut:
    """What each class pays this term, per vote head (optional items billed only to those enrolled)."""
    term = owned(session, Term, term_id, caller.school_id, "term")
    query = (
        select(FeeItem, SchoolClass.name, VoteHead.name)
        .join(SchoolClass, SchoolClass.id == FeeItem.class_id)
        .join(VoteHead, VoteHead.id == FeeItem.vote_head_id)
        .where(FeeItem.term_id == term.id, FeeItem.school_id == caller.school_id)
        .order_by(SchoolClass.name, VoteHead.priority, VoteHead.name)
    )
    if class_id is not None:
        owned(session, SchoolClass, class_id, caller.school_id, "class")
        query = query.where(FeeItem.class_id == class_id)
    lines = [
        FeeLine(
            class_id=item.class_id, class_name=cls, vote_head=head, amount=item.amount, optional=item.optional
        )
        for item, cls, head in session.execute(query)
    ]
    return FeeStructureOut(term=term_out(term), lines=lines)
