"""Optional items and one-off charges from the dashboard (the bursar's, audited, once per form token).

On the student page: start or stop an optional item from a date (shown as the charge or credit it makes
before it is confirmed), and charge the student once (an admission fee, a damage). For a class: one
charge to every active student. Each form carries a token made when it was shown; its key is made from
it, so a double submit posts once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.dashboard.access import MoneyStaff, Staff, school_student
from bot.dashboard.charges_panel import ChargeForm, charges_panel
from bot.dashboard.cookies import config_of
from bot.dashboard.fees import school_class
from bot.dashboard.ids import row_id
from bot.dashboard.payments import FORM_TOKEN
from bot.dashboard.rendering import redirect, render
from bot.dashboard.student import student_context
from bot.routes.deps import SessionDep
from ledger.billing.charges import Charge, charge_class, charge_student
from ledger.billing.optional_changes import change_enrolment, preview_change
from ledger.clock import school_day
from ledger.errors import LedgerError
from ledger.imports.core import BadRow
from ledger.imports.fields import amount_cents, date_value
from ledger.records.tables import SchoolClass, Student, Term, VoteHead
from ledger.records.terms import current_term

router = APIRouter()


class BadForm(ValueError):
    """What is wrong with a form, in the bursar's words."""


def school_vote_head(session: Session, staff: Staff, vote_head_id: int) -> VoteHead:
    head = session.get(VoteHead, vote_head_id)
    if head is None or head.school_id != staff.school_id:
        raise HTTPException(404, "No such vote head.")
    return head


def the_term(session: Session, staff: Staff, today: dt.date) -> Term:
    term = current_term(session, staff.school_id, today)
    if term is None:
        raise BadForm("No term is set for today: set the term's dates first.")
    return term


def day_in(term: Term, day: dt.date) -> dt.date:
    """A day to start or stop an item from: within the term (a day before it counts the whole term)."""
    if day > term.ends_on:
        raise BadForm(f"Term {term.code} ends on {term.ends_on}: choose a day in the term.")
    return day


def charge_of(session: Session, staff: Staff, form: ChargeForm, term: Term, today: dt.date) -> Charge:
    """The charge a form asks for, or BadForm saying what to fix."""
    if not FORM_TOKEN.fullmatch(form.form_token):
        raise BadForm("This form is out of date: open the page again.")
    head_id = row_id(form.vote_head_id)
    head = session.get(VoteHead, head_id) if head_id is not None else None
    if head is None or head.school_id != staff.school_id:
        raise BadForm("Choose the vote head to charge.")
    try:
        amount = amount_cents(form.amount, "Amount")
    except BadRow as bad:
        raise BadForm(f"{bad}.") from None
    memo = " ".join(form.memo.split())
    if amount <= 0:
        raise BadForm("Amount must be more than zero.")
    if not memo:
        raise BadForm("Say what the charge is for (the family sees it on the statement).")
    return Charge(term, head, amount, memo[:120], today)


def _snapshot(charge: Charge, students: list[Student]) -> dict[str, object]:
    return {
        "vote_head": charge.head.name,
        "term": charge.term.code,
        "amount": charge.amount,
        "memo": charge.memo,
        "students": [s.admission_no for s in students],
        "total": charge.amount * len(students),
    }


@router.post("/dashboard/students/{student_id}/charge")
def charge_one(
    request: Request,
    student_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    form_token: Annotated[str, Form(max_length=40)] = "",
    vote_head: Annotated[str, Form(max_length=12)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    memo: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    student = school_student(session, staff, student_id)
    form = ChargeForm(form_token, vote_head, amount, memo)
    now = config_of(request).clock()
    try:
        charge = charge_of(session, staff, form, the_term(session, staff, school_day(now)), school_day(now))
        _, created = charge_student(
            session, student, charge, key=f"charge:{form.form_token}", actor=staff.member.email
        )
        if created:
            target = f"student:{student.id}:term:{charge.term.id}"
            staff.audit(
                session, action="charge.post", at=now, target=target, after=_snapshot(charge, [student])
            )
        session.commit()
    except (BadForm, LedgerError) as refused:
        session.rollback()
        context = student_context(request, staff, session, student)
        panel = charges_panel(session, student, school_day(now))
        context["charges"] = replace(panel, form=form, error=str(refused))
        return render(request, "student.html", context, status_code=422)
    return redirect(request, f"/dashboard/students/{student.id}?charged=1#charges")


@router.get("/dashboard/students/{student_id}/optional/{vote_head_id}")
def optional_preview(
    request: Request,
    student_id: int,
    vote_head_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    on: str = Query("", max_length=20),
) -> Response:
    student = school_student(session, staff, student_id)
    head = school_vote_head(session, staff, vote_head_id)
    today = school_day(config_of(request).clock())
    context: dict[str, object] = {"staff": staff, "page": "students", "student": student, "head": head}
    try:
        term = the_term(session, staff, today)
        day = day_in(term, date_value(on, "Date") if on else today)
        taken = any(i.head_id == head.id and i.taken for i in charges_panel(session, student, today).optional)
        shown = preview_change(session, student, term, head, join=not taken, on=day)
    except (BadForm, BadRow, LedgerError) as refused:
        context["error"] = str(refused)
        return render(request, "optional_change.html", context, status_code=422)
    context.update(
        term=term, preview=shown, said=shown.describe(head.name), form_token=ChargeForm().form_token
    )
    return render(request, "optional_change.html", context)


@router.post("/dashboard/students/{student_id}/optional/{vote_head_id}")
def optional_change(
    request: Request,
    student_id: int,
    vote_head_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    form_token: Annotated[str, Form(max_length=40)] = "",
    join: Annotated[str, Form(max_length=5)] = "",
    on: Annotated[str, Form(max_length=20)] = "",
    expected: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    student = school_student(session, staff, student_id)
    head = school_vote_head(session, staff, vote_head_id)
    now = config_of(request).clock()
    try:
        if not FORM_TOKEN.fullmatch(form_token):
            raise BadForm("This form is out of date: open it again from the student's page.")
        term = the_term(session, staff, school_day(now))
        day = day_in(term, date_value(on, "Date"))
        joining = join == "1"
        shown = preview_change(session, student, term, head, join=joining, on=day)
        if not shown.unchanged and str(shown.amount) != expected:
            raise BadForm("The amount changed since it was shown: look again before confirming.")
        done, entry = change_enrolment(
            session,
            student,
            term,
            head,
            join=joining,
            on=day,
            key=f"enrol:{form_token}",
            actor=staff.member.email,
        )
        if not done.unchanged:
            after = {"vote_head": head.name, "term": term.code, "on": day.isoformat(), "amount": done.amount}
            after["entry"] = entry.id if entry is not None else None
            action = "enrolment.join" if joining else "enrolment.leave"
            staff.audit(
                session, action=action, at=now, target=f"student:{student.id}:term:{term.id}", after=after
            )
        session.commit()
    except (BadForm, BadRow, LedgerError) as refused:
        session.rollback()
        context = {
            "staff": staff,
            "page": "students",
            "student": student,
            "head": head,
            "error": str(refused),
        }
        return render(request, "optional_change.html", context, status_code=422)
    return redirect(request, f"/dashboard/students/{student.id}?charged=1#charges")


def _class_page(
    request: Request, staff: Staff, session: Session, chosen: SchoolClass, form: ChargeForm, **extra: object
) -> Response:
    today = school_day(config_of(request).clock())
    active = select(func.count(Student.id)).where(Student.class_id == chosen.id, Student.active.is_(True))
    heads = session.scalars(
        select(VoteHead).where(VoteHead.school_id == staff.school_id).order_by(VoteHead.name)
    )
    context = {
        "staff": staff,
        "page": "fees",
        "school_class": chosen,
        "term": current_term(session, staff.school_id, today),
        "students": session.scalar(active) or 0,
        "heads": list(heads),
        "form": form,
        "error": None,
        "done": request.query_params.get("done"),
    }
    return render(
        request, "class_charge.html", context | extra, status_code=422 if extra.get("error") else 200
    )


@router.get("/dashboard/classes/{class_id}/charge")
def class_charge_form(request: Request, class_id: int, staff: MoneyStaff, session: SessionDep) -> Response:
    return _class_page(request, staff, session, school_class(session, staff, class_id), ChargeForm())


@router.post("/dashboard/classes/{class_id}/charge")
def class_charge(
    request: Request,
    class_id: int,
    staff: MoneyStaff,
    session: SessionDep,
    form_token: Annotated[str, Form(max_length=40)] = "",
    vote_head: Annotated[str, Form(max_length=12)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    memo: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    chosen = school_class(session, staff, class_id)
    form = ChargeForm(form_token, vote_head, amount, memo)
    now = config_of(request).clock()
    try:
        charge = charge_of(session, staff, form, the_term(session, staff, school_day(now)), school_day(now))
        run = charge_class(session, chosen, charge, key=f"charge:{form.form_token}", actor=staff.member.email)
        if run.charged:
            after = _snapshot(charge, [s for s, _ in run.charged])
            target = f"class:{chosen.id}:term:{charge.term.id}"
            staff.audit(session, action="charge.post", at=now, target=target, after=after)
        session.commit()
    except (BadForm, LedgerError) as refused:
        session.rollback()
        return _class_page(request, staff, session, chosen, form, error=str(refused))
    return redirect(
        request, f"/dashboard/classes/{chosen.id}/charge?done={len(run.charged) + len(run.already)}"
    )
