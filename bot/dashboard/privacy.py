"""Data protection in the dashboard: what the school holds about a parent's phone, on one printable page
(every member may answer a parent's request; each look is audited), and erasure of a guardian who asks
(the head only, after typing ERASE to confirm; the books are not touched)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.dashboard.access import Staff, StaffDep, in_roles
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect, render
from bot.privacy.erasure import erase_guardian
from bot.privacy.export import Document, export_phone
from bot.routes.deps import SessionDep
from ledger.errors import InvalidPhone, NotFound
from ledger.phones import normalise_phone
from ledger.staff.members import Role

router = APIRouter()

PAGE = "/dashboard/privacy/export"
CONFIRM = "ERASE"
HeadStaff = Annotated[Staff, Depends(in_roles(frozenset({Role.HEAD}), "erase a guardian"))]


def _page(
    request: Request,
    staff: Staff,
    *,
    phone: str = "",
    document: Document | None = None,
    error: str | None = None,
    erased: str | None = None,
) -> Response:
    context: dict[str, Any] = {
        "staff": staff,
        "page": "privacy",
        "phone": phone,
        "document": document,
        "error": error,
        "erased": erased,
        "is_head": staff.member.role == Role.HEAD,
    }
    return render(request, "privacy.html", context, status_code=422 if error else 200)


@router.get(PAGE)
def export_page(
    request: Request, staff: StaffDep, session: SessionDep, phone: str = Query("", max_length=30)
) -> Response:
    """The form; with a phone, what this school holds about it (audited, naming guardian rows, not the
    number)."""
    if not phone.strip():
        return _page(request, staff, erased=request.query_params.get("erased"))
    try:
        number = normalise_phone(phone)
    except InvalidPhone as bad:
        return _page(request, staff, phone=phone, error=f"Phone: {bad}.")
    document = export_phone(session, number, staff.school_id)
    _audit_look(session, staff, request, len(document["guardians"]))
    session.commit()
    return _page(request, staff, phone=number, document=document)


def _audit_look(session: Session, staff: Staff, request: Request, found: int) -> None:
    at = config_of(request).clock()
    staff.audit(
        session,
        action="privacy.export",
        at=at,
        target=f"school:{staff.school_id}",
        after={"guardians": found},
    )


@router.post("/dashboard/privacy/erase")
def erase(
    request: Request,
    staff: HeadStaff,
    session: SessionDep,
    phone: Annotated[str, Form(max_length=30)] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        number = normalise_phone(phone)
    except InvalidPhone as bad:
        return _page(request, staff, phone=phone, error=f"Phone: {bad}.")
    if not reason.strip():
        return _page(
            request, staff, phone=phone, error="Reason: say why (e.g. the parent's letter of a date)."
        )
    if confirm.strip() != CONFIRM:
        return _page(
            request, staff, phone=phone, error=f"Type {CONFIRM} to confirm: erasure cannot be undone."
        )
    try:
        done = erase_guardian(
            session,
            staff.school_id,
            number,
            reason=reason.strip(),
            actor=staff.member.email,
            staff_id=staff.member.id,
            now=config_of(request).clock(),
        )
    except NotFound:
        return _page(request, staff, phone=phone, error="Phone: no guardian of this school has it.")
    session.commit()
    return redirect(request, f"{PAGE}?erased={done.guardians}")
