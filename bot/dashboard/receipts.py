"""A payment's official receipt: a page to print (A5 or a narrow till roll) and the same receipt as PDF."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.dashboard.access import StaffDep, school_payment
from bot.dashboard.rendering import render, secured
from bot.documents.receipt_pdf import receipt_pdf
from bot.documents.words import amount_in_words
from bot.routes.deps import SessionDep
from ledger.payments.receipts import official_receipt

router = APIRouter()


@router.get("/dashboard/receipts/{payment_id}")
def receipt_page(request: Request, payment_id: int, staff: StaffDep, session: SessionDep) -> Response:
    payment = school_payment(session, staff, payment_id)
    receipt = official_receipt(session, payment)
    context = {
        "staff": staff,
        "payment": payment,
        "receipt": receipt,
        "words": amount_in_words(receipt.amount),
    }
    return render(request, "receipt_print.html", context)


@router.get("/dashboard/receipts/{payment_id}/pdf")
def receipt_download(request: Request, payment_id: int, staff: StaffDep, session: SessionDep) -> Response:
    receipt = official_receipt(session, school_payment(session, staff, payment_id))
    headers = {"Content-Disposition": f'inline; filename="receipt-{receipt.number}.pdf"'}
    return secured(request, Response(receipt_pdf(receipt), media_type="application/pdf", headers=headers))
