"""CSV imports from the browser: the same all-or-nothing imports as ``karo import``, every bad row listed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from bot.dashboard.access import Can, RecordsStaff, Staff, StaffDep, refuse_unless
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import render
from bot.routes.deps import SessionDep
from ledger.clock import school_day
from ledger.imports import KINDS, ImportRefused, ImportReport, decode_csv, import_csv
from ledger.payments.bank_layouts import LAYOUTS

router = APIRouter()

MAX_BYTES = 5 * 1024 * 1024  # a school's whole register is well under this
# Fee structures and opening balances change what families owe: the money role's, not a clerk's.
MONEY_KINDS = frozenset({"fees", "balances", "enrolments", "bank", "mpesa-statement", "bursaries"})
FORMATS = {
    "students": "admission_no,name,class,guardian_name,guardian_phone"
    "[,guardian2_name,guardian2_phone][,language][,guardian_email,guardian2_email]",
    "fees": "term,class,vote_head,amount",
    "balances": "admission_no,amount (positive owes, negative credit)",
    "attendance": "admission_no,date,status[,note]",
    "results": "admission_no,exam,subject,score[,grade]",
    "leavers": "admission_no,date,reason (transferred, graduated, withdrawn or other)",
    "enrolments": "admission_no,term,vote_head[,amount] (students taking an optional fee item)",
    "bank": "date,reference,description,amount (deposits positive), or a bank's own export: "
    + ", ".join(name for name in LAYOUTS if name != "generic"),
    "mpesa-statement": "the Paybill's statement as the M-Pesa org portal exports it (Receipt No., "
    "Completion Time, ..., Paid In, ..., A/C No.)",
    "bursaries": "admission_no,term,sponsor,amount[,vote_head] (amount in KES or NN%)",
}


def needed_for(kind: str) -> Can:
    return Can.MONEY if kind in MONEY_KINDS else Can.RECORDS


def kinds_for(staff: Staff) -> tuple[str, ...]:
    """The kinds of file this member may import, in the usual order."""
    return tuple(kind for kind in KINDS if staff.can(needed_for(kind)))


def _page(
    request: Request,
    staff: Staff,
    *,
    kind: str = "students",
    report: ImportReport | None = None,
    refused: ImportRefused | None = None,
    filename: str = "",
    status: int = 200,
) -> Response:
    context = {
        "staff": staff,
        "page": "imports",
        "kinds": kinds_for(staff),
        "formats": {kind: FORMATS[kind] for kind in kinds_for(staff)},
        "kind": kind,
        "layouts": tuple(LAYOUTS),
        "report": report,
        "refused": refused,
        "filename": filename,
    }
    return render(request, "imports.html", context, status_code=status)


@router.get("/dashboard/imports")
def imports_page(request: Request, staff: StaffDep) -> Response:
    return _page(request, staff)


@router.post("/dashboard/imports")
async def upload(
    request: Request,
    staff: RecordsStaff,
    session: SessionDep,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form(max_length=20)] = "",
    layout: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    refuse_unless(staff, needed_for(kind), f"import {kind}: fees and balances move money")
    name = (file.filename or "the file")[:120]
    data = await file.read(MAX_BYTES + 1)
    try:
        if len(data) > MAX_BYTES:
            raise ImportRefused(
                ImportReport(kind, 0), f"{name} is larger than 5 MB: split it and import each part"
            )
        text = decode_csv(data, kind).removeprefix("\ufeff")  # Excel's byte-order mark
        today = school_day(config_of(request).clock())
        report = import_csv(
            session, staff.school, kind, text, actor=staff.member.email, today=today, layout=layout or None
        )
    except ImportRefused as refused:
        session.rollback()
        return _page(request, staff, kind=kind, refused=refused, filename=name, status=422)
    staff.audit(
        session,
        action=f"import.{report.kind}",
        at=config_of(request).clock(),
        target=f"file:{name}"[:80],
        after={"rows": report.rows, "created": report.created, "updated": report.updated},
    )
    session.commit()
    return _page(request, staff, kind=kind, report=report, filename=name)
