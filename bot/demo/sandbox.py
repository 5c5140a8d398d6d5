"""The sandbox (``karo demo``): a feature phone in the browser that dials the real USSD endpoint, beside
a WhatsApp chat and an SMS inbox that go through the vendor simulators, and the email inbox of the phone's
guardians (the local SMTP sink's).

The phone posts exactly what Africa's Talking posts to ``/at/ussd/{token}``; the chat and the inbox ask the
simulators (server-side, so the browser talks to this origin only) to send Karo the webhooks a parent's
message makes, and show what the simulators recorded Karo sending back; the M-Pesa PIN prompt
(``bot.demo.sandbox_mpesa``) answers the Daraja simulator's prompts. The page carries the webhook token:
the app mounts this router only when ``KARO_SANDBOX`` is on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.bootstrap import Services
from bot.demo import sandbox_mpesa
from bot.demo.simulators import ChatLine, SimulatorError, Simulators, Tap
from bot.routes.deps import ServicesDep, SessionDep
from ledger.errors import InvalidPhone
from ledger.phones import normalise_phone
from ledger.records.tables import Guardian, School, StudentGuardian

BOT = Path(__file__).resolve().parent.parent
TEMPLATES = Jinja2Templates(directory=BOT / "templates")
SCRIPT = BOT / "static" / "sandbox.js"
CHAT_SCRIPT = BOT / "static" / "sandbox-chat.js"

SHARED_CODE = "*384#"  # any code that is not a school's own: the parent chooses among their schools
PHONES_SHOWN = 30

T = TypeVar("T")
router = APIRouter()
router.include_router(sandbox_mpesa.router)  # the phone's M-Pesa PIN prompt


@dataclass(frozen=True)
class SandboxPhone:
    phone: str  # E.164, as the gateway sends it
    name: str
    schools: tuple[str, ...]
    code: str  # what to dial first: the school's own code, or the shared one for a phone in several

    @property
    def local(self) -> str:
        """As Kenyans write it (and ``karo demo`` prints it): 0712345678."""
        return "0" + self.phone[4:] if self.phone.startswith("+254") else self.phone


@dataclass(frozen=True)
class DialCode:
    code: str
    label: str


def sandbox_phones(session: Session, limit: int = PHONES_SHOWN) -> list[SandboxPhone]:
    """Guardians' phones worth dialling: those in most schools first, then those with most children."""
    in_schools = func.count(Guardian.school_id.distinct())
    children = func.count(StudentGuardian.student_id.distinct())
    top = session.execute(
        select(Guardian.phone, func.min(Guardian.name))
        .outerjoin(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
        .group_by(Guardian.phone)
        .order_by(in_schools.desc(), children.desc(), Guardian.phone)
        .limit(limit)
    ).all()
    schools: dict[str, list[tuple[str, str | None]]] = {phone: [] for phone, _ in top}
    rows = session.execute(
        select(Guardian.phone, School.name, School.ussd_code)
        .join(School, School.id == Guardian.school_id)
        .where(Guardian.phone.in_(schools))
        .order_by(School.name)
    )
    for phone, school, code in rows:
        schools[phone].append((school, code))
    return [SandboxPhone(phone, name, *_schools_and_code(schools[phone])) for phone, name in top]


def _schools_and_code(schools: list[tuple[str, str | None]]) -> tuple[tuple[str, ...], str]:
    own = schools[0][1] if len(schools) == 1 else None
    return tuple(name for name, _ in schools), own or SHARED_CODE


def dial_codes(session: Session) -> list[DialCode]:
    """Each school's own code, then the shared code."""
    rows = session.execute(
        select(School.ussd_code, School.name).where(School.ussd_code.is_not(None)).order_by(School.name)
    )
    codes = [DialCode(code, f"{code} ({name})") for code, name in rows if code and code != SHARED_CODE]
    return [*codes, DialCode(SHARED_CODE, f"{SHARED_CODE} (shared: choose the school)")]


@router.get("/sandbox", response_class=HTMLResponse)
def sandbox(request: Request, services: ServicesDep, session: SessionDep) -> HTMLResponse:
    token = services.settings.webhook_token
    simulators = Simulators.from_settings(services.settings)
    context = {
        "phones": sandbox_phones(session),
        "codes": dial_codes(session),
        # Without a token every callback is refused, so the page says so instead of dialling.
        "endpoint": f"/at/ussd/{quote(token.get_secret_value(), safe='')}" if token else None,
        # The chat and the inbox need the simulators (`karo demo` starts them when no provider is set).
        "simulated": simulators is not None,
        # The email pane needs the local SMTP sink `karo demo` runs without KARO_SMTP_URL.
        "email": simulators is not None and simulators.email_url is not None,
        # The PIN prompt needs the Daraja simulator, which only `karo demo` (and tests) start.
        "mpesa": simulators is not None and simulators.mpesa_phone is not None,
    }
    return TEMPLATES.TemplateResponse(request, "sandbox.html", context)


@router.get("/sandbox/phone.js", include_in_schema=False)
def sandbox_script() -> FileResponse:
    return FileResponse(SCRIPT, media_type="text/javascript")


@router.get("/sandbox/chat.js", include_in_schema=False)
def chat_script() -> FileResponse:
    return FileResponse(CHAT_SCRIPT, media_type="text/javascript")


class ParentMessage(BaseModel):
    phone: str = Field(max_length=32)
    text: str = Field(min_length=1, max_length=1600)  # Twilio's longest body
    # A tap on a WhatsApp list item or reply button: its id goes back as ListId or ButtonPayload.
    tap_kind: Literal["list", "buttons"] | None = None
    tap_id: str | None = Field(default=None, max_length=200)


@router.post("/sandbox/whatsapp")
def sandbox_whatsapp(message: ParentMessage, services: ServicesDep) -> dict[str, int | None]:
    """The parent writes on WhatsApp: the Twilio simulator posts Karo the signed webhook."""
    simulators, phone = _simulators(services), _phone(message.phone)
    tap = Tap(message.tap_kind, message.tap_id, message.text) if message.tap_kind and message.tap_id else None
    return {"status_code": _asking(lambda: simulators.send_whatsapp(phone, message.text, tap))}


@router.post("/sandbox/sms")
def sandbox_sms(message: ParentMessage, services: ServicesDep) -> dict[str, int | None]:
    """The parent texts the shortcode: the Africa's Talking simulator posts Karo the incoming SMS."""
    simulators, phone = _simulators(services), _phone(message.phone)
    return {"status_code": _asking(lambda: simulators.send_sms(phone, message.text))}


@router.get("/sandbox/chat")
def sandbox_chat(phone: str, services: ServicesDep, session: SessionDep) -> dict[str, list[ChatLine]]:
    """The conversations of ``phone`` with Karo, oldest first, as the simulators recorded them: WhatsApp,
    SMS, and the email its guardians' addresses were sent (the local SMTP sink's inbox)."""
    simulators, number = _simulators(services), _phone(phone)
    addresses = guardian_emails(session, number)
    return _asking(
        lambda: {
            "whatsapp": simulators.whatsapp_chat(number),
            "sms": simulators.sms_chat(number),
            "email": simulators.email_inbox(addresses),
        }
    )


def guardian_emails(session: Session, phone: str) -> list[str]:
    """The addresses of the guardians with this phone (one a school), as the sandbox's email pane shows."""
    query = select(Guardian.email).where(Guardian.phone == phone, Guardian.email.is_not(None))
    return sorted({email for email in session.scalars(query) if email})


def _simulators(services: Services) -> Simulators:
    simulators = Simulators.from_settings(services.settings)
    if simulators is None:
        raise HTTPException(status_code=503, detail="no simulators: run karo demo without provider settings")
    return simulators


def _phone(text: str) -> str:
    try:
        return normalise_phone(text)
    except InvalidPhone as error:
        raise HTTPException(status_code=422, detail=str(error)) from error


def _asking(ask: Callable[[], T]) -> T:
    try:
        return ask()
    except SimulatorError as error:
        raise HTTPException(status_code=502, detail=str(error)) from error
