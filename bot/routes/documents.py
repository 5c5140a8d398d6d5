"""A receipt's PDF at its signed, expiring public link (``bot.documents.links``): what Twilio fetches to
send the document on WhatsApp. Anything but a genuine, unexpired link gets 404, never the document."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from bot.documents.links import PATH, receipt_links
from bot.documents.receipt_pdf import receipt_pdf
from bot.routes.deps import ServicesDep, SessionDep
from ledger.books.tables import Payment
from ledger.payments.receipts import official_receipt

router = APIRouter()
# A link is a bearer key: nothing on the way may keep the document, and no page it opens learns the link.
PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


# HEAD too: a fetcher may ask for the content type before it downloads (Twilio checks it is a PDF).
@router.api_route(PATH, methods=["GET", "HEAD"], include_in_schema=False)
def receipt_document(link: str, services: ServicesDep, session: SessionDep) -> Response:
    links = receipt_links(services.settings)
    payment_id = links.payment_of(link) if links is not None else None
    payment = session.get(Payment, payment_id) if payment_id is not None else None
    if payment is None:
        raise HTTPException(status_code=404, detail="not found")
    receipt = official_receipt(session, payment)
    headers = {"Content-Disposition": f'inline; filename="receipt-{receipt.number}.pdf"', **PRIVATE}
    return Response(receipt_pdf(receipt), media_type="application/pdf", headers=headers)
