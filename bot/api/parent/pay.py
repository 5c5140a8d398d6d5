"""Starting an M-Pesa STK push for a child from the API, by the conversations' rules: the payment port's
``request_payment`` (the school must be able to prompt, one open prompt per phone at a time), whole
shillings within M-Pesa's limits (``flows.pay``). ``Idempotency-Key``: the same key and body answers with the
first request again; the same key with another body is a 409."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.api.parent.deps import Id, Phone, own_child, services_of
from bot.api.parent.tables import ParentPayKey
from bot.api.problems import PROBLEM_RESPONSES, Problem
from bot.channels.directory import NairobiClock, RecordingPayments
from flows.pay import MAX_CENTS, MIN_CENTS
from flows.ports import ChildGone, PaymentOutcome, PaymentRequest
from ledger.bulk import insert_or_fetch
from ledger.clock import utc_now

router = APIRouter(prefix="/parent/children/{child_id}", tags=["parent: pay"], responses=PROBLEM_RESPONSES)
REFUSED = {
    PaymentOutcome.ALREADY_PENDING: "An M-Pesa prompt is already on its way to this phone; answer it first.",
    PaymentOutcome.UNAVAILABLE: "The school cannot take M-Pesa prompts now; pay through its Paybill.",
}


class PayRequest(BaseModel):
    amount: int = Field(ge=MIN_CENTS // 100, le=MAX_CENTS // 100, description="Whole KES.")


class PayStarted(BaseModel):
    request_id: int
    amount: int  # cents
    status: str = "queued"
    detail: str = "An M-Pesa prompt is on its way to this phone: enter your PIN to pay."


@router.post("/pay", status_code=202, response_model=PayStarted)
def pay(
    child_id: Id,
    body: PayRequest,
    phone: Phone,
    request: Request,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> JSONResponse:
    """Send an M-Pesa prompt to the signed-in phone for this child (answered 202: the push is queued)."""
    services, wanted = services_of(request), f"{child_id}:{body.amount}"
    with services.sessions() as session:
        own_child(session, phone, child_id)
        if idempotency_key is not None:
            earlier = _earlier(session, phone, idempotency_key)
            if earlier is not None:
                if earlier.body != wanted or earlier.request_id is None:
                    raise Problem(409, "Conflict", "This Idempotency-Key was used for another payment.")
                return _started(earlier.request_id, body.amount)
    payments = RecordingPayments(
        services.sessions,
        NairobiClock(),
        "api",
        services.settings.daraja_api_url,
        getattr(request.app.state, "schedule_push", None),
    )
    try:
        outcome = payments.request_payment(PaymentRequest(phone, child_id, body.amount * 100))
    except ChildGone:
        raise Problem(404, "Not found", f"No child {child_id} for this phone.") from None
    if outcome != PaymentOutcome.QUEUED or payments.last_request_id is None:
        raise Problem(409, "Conflict", REFUSED.get(outcome, "The prompt could not be sent; try again."))
    if idempotency_key is not None:
        with services.sessions.begin() as session:
            values = {
                "phone": phone,
                "key": idempotency_key,
                "body": wanted,
                "request_id": payments.last_request_id,
                "outcome": outcome.value,
                "created_at": utc_now(),
            }
            insert_or_fetch(session, ParentPayKey, values, lambda: _earlier(session, phone, idempotency_key))
    return _started(payments.last_request_id, body.amount)


def _earlier(session: Session, phone: str, key: str) -> ParentPayKey | None:
    return session.scalars(
        select(ParentPayKey).where(ParentPayKey.phone == phone, ParentPayKey.key == key)
    ).one_or_none()


def _started(request_id: int, amount: int) -> JSONResponse:
    return JSONResponse(PayStarted(request_id=request_id, amount=amount * 100).model_dump(), status_code=202)
