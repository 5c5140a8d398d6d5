"""A bursar awards a bursary from a student's page, confirms a sponsor's pledge, or withdraws an award not
yet credited (a credited one is reversed, as any entry is). Each change is audited; a clerk gets 403."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.dashboard.access import MoneyStaff, Staff, school_student
from bot.dashboard.bursary_view import BadBursaryForm, BursaryForm, award_terms_of
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect, render
from bot.dashboard.student import student_context
from bot.routes.deps import SessionDep
from ledger.billing.award_limits import credited_amount
from ledger.billing.bursaries import award_bursary, award_state, confirm_award, withdraw_award
from ledger.billing.sponsor_tables import BursaryAward
from ledger.billing.sponsors import sponsor_named
from ledger.books.balances import total_owed
from ledger.clock import school_day
from ledger.errors import IdempotencyConflict, LedgerError
from ledger.records.tables import Student

router = APIRouter()


def _refused(
    request: Request, staff: Staff, session: Session, student: Student, form: BursaryForm, error: str
) -> Response:
    context = student_context(request, staff, session, student)
    context.update(bursary_form=form, bursary_error=error[:1].upper() + error[1:].rstrip(".") + ".")
    return render(request, "student.html", context, status_code=422)


@router.post("/dashboard/students/{student_id}/bursaries")
def add_bursary(
    request: Request,
    student_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    form_token: Annotated[str, Form(max_length=40)] = "",
    sponsor: Annotated[str, Form(max_length=120)] = "",
    term_id: Annotated[str, Form(max_length=12)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    vote_head_id: Annotated[str, Form(max_length=12)] = "",
    conditional: Annotated[str, Form(max_length=5)] = "",
    valid_from: Annotated[str, Form(max_length=20)] = "",
    valid_until: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    student = school_student(session, staff, student_id)
    form = BursaryForm(
        form_token, sponsor, term_id, amount, vote_head_id, bool(conditional), valid_from, valid_until
    )
    now = config_of(request).clock()
    today = school_day(now)
    try:
        term, terms = award_terms_of(session, form, student)
        before = total_owed(session, student.id)
        found, _ = sponsor_named(session, staff.school_id, form.sponsor)
        award, made = award_bursary(
            session, student, term, found, terms, key=f"bursary-form:{form.form_token}",
            actor=staff.member.email, on=today, at=now,
        )  # fmt: skip
    except IdempotencyConflict:
        session.rollback()
        return _refused(request, staff, session, student, form, "This form was sent already: open it again")
    except (BadBursaryForm, LedgerError) as refused:
        session.rollback()
        return _refused(request, staff, session, student, form, str(refused))
    if made:
        staff.audit(
            session,
            action="bursary.add",
            at=now,
            target=f"award:{award.id}",
            before={"student": student.admission_no, "balance": before},
            after={
                "student": student.admission_no,
                "term": term.code,
                "sponsor": found.name,
                "amount": terms.amount,
                "percent_bp": terms.percent_bp,
                "state": award_state(session, award, today).value,
                "credited": credited_amount(session, award),
                "balance": total_owed(session, student.id),
            },
        )
    session.commit()
    return redirect(request, f"/dashboard/students/{student.id}?bursary=added#bursaries")


@router.post("/dashboard/students/{student_id}/bursaries/{award_id}/confirm")
def confirm(
    request: Request, student_id: int, award_id: int, staff: MoneyStaff, session: SessionDep
) -> Response:
    def change(award: BursaryAward, today: dt.date) -> None:
        confirm_award(session, award, on=today, actor=staff.member.email, at=config_of(request).clock())

    return _change(request, staff, session, student_id, award_id, "confirmed", change)


@router.post("/dashboard/students/{student_id}/bursaries/{award_id}/withdraw")
def withdraw(
    request: Request, student_id: int, award_id: int, staff: MoneyStaff, session: SessionDep
) -> Response:
    def change(award: BursaryAward, today: dt.date) -> None:
        withdraw_award(session, award, on=today)

    return _change(request, staff, session, student_id, award_id, "withdrawn", change)


def _change(
    request: Request,
    staff: Staff,
    session: Session,
    student_id: int,
    award_id: int,
    done: str,
    change: Callable[[BursaryAward, dt.date], None],
) -> Response:
    """Make one change to an award (409 with the ledger's reason if it cannot be made), audited."""
    student, award = _award(session, staff, student_id, award_id)
    now = config_of(request).clock()
    try:
        change(award, school_day(now))
    except LedgerError as refused:
        session.rollback()
        raise HTTPException(409, str(refused)) from None
    after = {
        "state": award_state(session, award, school_day(now)).value,
        "credited": credited_amount(session, award),
    }
    action = "bursary.confirm" if done == "confirmed" else "bursary.withdraw"
    staff.audit(session, action=action, at=now, target=f"award:{award.id}", after=after)
    session.commit()
    return redirect(request, f"/dashboard/students/{student.id}?bursary={done}#bursaries")


def _award(session: Session, staff: Staff, student_id: int, award_id: int) -> tuple[Student, BursaryAward]:
    student = school_student(session, staff, student_id)
    award = session.get(BursaryAward, award_id)
    if award is None or award.student_id != student.id:
        raise HTTPException(404, "No such award.")
    return student, award
