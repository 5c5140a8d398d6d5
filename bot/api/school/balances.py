"""Balances (per student and vote head) and statements, from the journal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.api.pages import Page
from bot.api.problems import PROBLEM_RESPONSES
from bot.api.school.auth import Reader
from bot.api.school.common import DEFAULT, MAX_ID, Cursor, Id, Limit, Since, aware, id_page
from bot.api.school.models import BalanceOut, StatementLineOut, StatementOut, VoteHeadOwed
from bot.api.school.students import school_student
from bot.routes.deps import SessionDep
from ledger.books.balances import student_balance
from ledger.books.statements import statement
from ledger.books.tables import Entry
from ledger.records.tables import Student

router = APIRouter(tags=["balances"], responses=PROBLEM_RESPONSES)


def balance_out(session: Session, student: Student) -> BalanceOut:
    balance = student_balance(session, student)
    return BalanceOut(
        student_id=student.id,
        admission_no=student.admission_no,
        total=balance.total,
        credit=balance.credit,
        due_on=balance.due_on,
        by_vote_head=[VoteHeadOwed(vote_head=h.vote_head, balance=h.balance) for h in balance.by_vote_head],
    )


@router.get("/balances", response_model=Page[BalanceOut])
def list_balances(
    caller: Reader,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT,
    updated_since: Annotated[
        Since,
        Query(description="Only students with a journal entry (a balance change) at or after this time."),
    ] = None,
) -> Page[BalanceOut]:
    """Every student's balance in student id order; with ``updated_since``, those whose balance moved."""
    query = select(Student).where(Student.school_id == caller.school_id)
    since = aware(updated_since)
    if since is not None:
        moved = select(Entry.student_id).where(
            Entry.school_id == caller.school_id, Entry.created_at >= since, Entry.student_id.is_not(None)
        )
        query = query.where(Student.id.in_(moved))
    rows, next_cursor = id_page(session, query, Student.id, cursor, limit)
    return Page[BalanceOut](items=[balance_out(session, s) for s in rows], next_cursor=next_cursor)


@router.get("/students/{student_id}/balance", response_model=BalanceOut)
def get_balance(student_id: Id, caller: Reader, session: SessionDep) -> BalanceOut:
    return balance_out(session, school_student(session, caller.school_id, student_id))


@router.get("/students/{student_id}/statement", response_model=StatementOut)
def get_statement(
    student_id: Id,
    caller: Reader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Latest entries shown.")] = 100,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only entries older than this entry id.")
    ] = None,
) -> StatementOut:
    """The latest entries on the student's account, oldest first, with a running balance."""
    found = statement(
        session, school_student(session, caller.school_id, student_id), limit=limit, before=before
    )
    lines = [
        StatementLineOut(
            entry_id=line.entry_id,
            on=line.on,
            description=line.description,
            kind=line.kind,
            charged=line.charged,
            paid=line.paid,
            balance=line.balance,
            receipt=line.receipt,
        )
        for line in found.lines
    ]
    return StatementOut(student_id=student_id, opening=found.opening, closing=found.closing, lines=lines)
