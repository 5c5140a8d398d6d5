"""The sandbox phone's M-Pesa PIN prompt: the STK prompts Karo's pushes opened on the chosen phone in the
Daraja simulator, and the person's answer (a PIN and OK, or Cancel) sent back to it, which calls Karo.

The browser asks this origin only; these routes ask the simulator server-side. Polling the prompts is
cheap: one in-memory listing at the simulator, and a database read only while a prompt is open.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.bootstrap import Services
from bot.demo.simulated_mpesa import (
    CANCELLED,
    PAID,
    WRONG_PIN,
    MpesaPhone,
    PromptNotOpen,
    SimulatorUnreachable,
    pin_result,
)
from bot.demo.simulators import Simulators
from bot.routes.deps import ServicesDep, SessionDep
from ledger.errors import InvalidPhone
from ledger.money import kes
from ledger.payments.stk_requests import by_checkout_id
from ledger.phones import msisdn
from ledger.records.tables import School

SCRIPT = Path(__file__).resolve().parent.parent / "static" / "sandbox-mpesa.js"
CHECKOUT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what Daraja's CheckoutRequestIDs look like
PIN = re.compile(r"\d{4}")  # an M-Pesa PIN is four digits
ANSWERED = {
    PAID: "PIN accepted: M-Pesa is paying the school. The receipt follows by message.",
    CANCELLED: "You cancelled the payment.",
    WRONG_PIN: "Wrong PIN: M-Pesa refused the payment.",
}

T = TypeVar("T")
router = APIRouter()


class PromptShown(BaseModel):
    id: str
    text: str  # as the phone shows it
    amount: int  # whole KES
    to: str  # the school's name, else the shortcode
    account: str
    created_at: str


class PromptAnswer(BaseModel):
    phone: str = Field(max_length=32)
    answer: Literal["ok", "cancel"]
    pin: str | None = Field(default=None, max_length=12)


@router.get("/sandbox/mpesa.js", include_in_schema=False)
def mpesa_script() -> FileResponse:
    return FileResponse(SCRIPT, media_type="text/javascript")


@router.get("/sandbox/mpesa")
def open_prompts(phone: str, services: ServicesDep, session: SessionDep) -> dict[str, list[PromptShown]]:
    """The M-Pesa prompts waiting on ``phone``, oldest first, worded as the phone shows them."""
    mpesa, number = _mpesa_phone(services), _msisdn(phone)
    prompts = _asking(lambda: mpesa.open_prompts(number))
    return {"prompts": [_shown(session, prompt) for prompt in prompts]}


@router.post("/sandbox/mpesa/{checkout_id}")
def answer_prompt(checkout_id: str, answer: PromptAnswer, services: ServicesDep) -> dict[str, int | str]:
    """The person answers the prompt: OK with a PIN (``0000`` is a wrong PIN), or Cancel."""
    mpesa, number = _mpesa_phone(services), _msisdn(answer.phone)
    code = CANCELLED if answer.answer == "cancel" else pin_result(_pin(answer.pin))
    open_here = _asking(lambda: mpesa.open_prompts(number)) if CHECKOUT_ID.fullmatch(checkout_id) else []
    if checkout_id not in {prompt.get("checkout_request_id") for prompt in open_here}:
        detail = f"no M-Pesa prompt {checkout_id!r} is open on {_local(number)}"
        raise HTTPException(status_code=404, detail=detail)
    try:
        _asking(lambda: mpesa.answer(checkout_id, code))
    except PromptNotOpen as error:  # it timed out (or was answered) between the two calls
        raise HTTPException(status_code=409, detail=f"the prompt was already answered: {error}") from error
    return {"result_code": code, "text": ANSWERED[code]}


def _shown(session: Session, prompt: dict[str, object]) -> PromptShown:
    amount, account = int(str(prompt["amount"])), str(prompt["account_reference"])
    to = _payee(session, str(prompt["checkout_request_id"]), str(prompt["shortcode"]))
    return PromptShown(
        id=str(prompt["checkout_request_id"]),
        text=f"Pay {kes(amount * 100)} to {to} account {account}? Enter M-Pesa PIN",
        amount=amount,
        to=to,
        account=account,
        created_at=str(prompt["created_at"]),
    )


def _payee(session: Session, checkout_id: str, shortcode: str) -> str:
    """The school the push was for (by its request), else the one school on that shortcode, else the
    shortcode itself, as a phone shows a business it has no name for."""
    request = by_checkout_id(session, checkout_id)
    school = session.get(School, request.school_id) if request is not None else None
    if school is not None:
        return school.name
    on_shortcode = or_(School.daraja_shortcode == shortcode, School.paybill == shortcode)
    names = session.scalars(select(School.name).where(on_shortcode).limit(2)).all()
    return names[0] if len(names) == 1 else shortcode


def _mpesa_phone(services: Services) -> MpesaPhone:
    simulators = Simulators.from_settings(services.settings)
    phone = simulators.mpesa_phone if simulators is not None else None
    if phone is None:
        detail = "no Daraja simulator: run karo demo without KARO_DARAJA_API_URL"
        raise HTTPException(status_code=503, detail=detail)
    return phone


def _msisdn(text: str) -> str:
    try:
        return msisdn(text)
    except InvalidPhone as error:
        raise HTTPException(status_code=422, detail=str(error)) from error


def _pin(pin: str | None) -> str:
    if pin is None or not PIN.fullmatch(pin):
        raise HTTPException(status_code=422, detail="the M-Pesa PIN is four digits")
    return pin


def _local(number: str) -> str:
    """2547XXXXXXXX as Kenyans write it: 07XXXXXXXX."""
    return "0" + number[3:]


def _asking(ask: Callable[[], T]) -> T:
    try:
        return ask()
    except SimulatorUnreachable as error:
        raise HTTPException(status_code=502, detail=str(error)) from error
