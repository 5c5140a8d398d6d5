"""The approvals page: reversals waiting for the head (maker-checker), the latest decided, and the amount
above which a reversal waits. Everyone reads it; only the head approves, rejects or changes the amount, and
never a request they made themselves (``ledger.staff.approvals`` holds that rule)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.dashboard.access import ApprovingStaff, Can, Staff, StaffDep, refuse_unless
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect, render
from bot.routes.deps import SessionDep
from ledger.errors import LedgerError
from ledger.imports.core import BadRow
from ledger.imports.fields import amount_cents
from ledger.staff.approvals import (
    Actor,
    ReversalRequest,
    approval_above,
    approve,
    decided_requests,
    pending_requests,
    reject,
    set_approval_above,
)

router = APIRouter()


def _approvals_page(request: Request, staff: Staff, session: Session, error: str | None = None) -> Response:
    context = {
        "staff": staff,
        "page": "approvals",
        "pending": pending_requests(session, staff.school_id),
        "decided": decided_requests(session, staff.school_id),
        "above": approval_above(staff.school),
        "can_approve": staff.can(Can.APPROVE),
        "error": error,
        "done": request.query_params.get("done"),
    }
    return render(request, "approvals.html", context, status_code=422 if error else 200)


@router.get("/dashboard/approvals")
def approvals_page(request: Request, staff: StaffDep, session: SessionDep) -> Response:
    return _approvals_page(request, staff, session)


@router.post("/dashboard/approvals/{request_id}/approve")
def approve_request(request: Request, request_id: int, staff: StaffDep, session: SessionDep) -> Response:
    return _decide(request, request_id, staff, session, approving=True)


@router.post("/dashboard/approvals/{request_id}/reject")
def reject_request(request: Request, request_id: int, staff: StaffDep, session: SessionDep) -> Response:
    return _decide(request, request_id, staff, session, approving=False)


def _decide(
    request: Request, request_id: int, staff: Staff, session: Session, *, approving: bool
) -> Response:
    asked = session.get(ReversalRequest, request_id)
    if asked is None or asked.school_id != staff.school_id:  # another school's: as if it did not exist
        raise HTTPException(404, "No such request.")
    refuse_unless(staff, Can.APPROVE, "approve or reject a reversal")
    decide = approve if approving else reject
    try:
        decide(
            session,
            asked,
            approver=Actor(staff.member.email, staff.member.id),
            now=config_of(request).clock(),
        )
        session.commit()
    except LedgerError as refused:
        session.rollback()
        return _approvals_page(request, staff, session, f"Request #{request_id}: {refused}.")
    return redirect(request, f"/dashboard/approvals?done={'approved' if approving else 'rejected'}")


@router.post("/dashboard/approvals/amount")
def set_amount(
    request: Request,
    staff: ApprovingStaff,
    session: SessionDep,
    above: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    try:
        cents = amount_cents(above, "Amount")
        set_approval_above(
            session,
            staff.school,
            cents,
            actor=Actor(staff.member.email, staff.member.id),
            now=config_of(request).clock(),
        )
        session.commit()
    except (BadRow, LedgerError) as refused:
        session.rollback()
        return _approvals_page(request, staff, session, f"{refused}.")
    return redirect(request, "/dashboard/approvals?done=amount")
