"""The sandbox (``karo demo``): a feature phone in the browser that dials the real USSD endpoint.

It posts exactly what Africa's Talking posts to ``/at/ussd/{token}``, so what it shows is what a parent
would see. The page carries the webhook token: the app mounts this router only when ``KARO_SANDBOX`` is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.routes.deps import ServicesDep, SessionDep
from ledger.records import Guardian, School, StudentGuardian

BOT = Path(__file__).resolve().parent.parent
TEMPLATES = Jinja2Templates(directory=BOT / "templates")
SCRIPT = BOT / "static" / "sandbox.js"

SHARED_CODE = "*384#"  # any code that is not a school's own: the parent chooses among their schools
PHONES_SHOWN = 30

router = APIRouter()


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
    context = {
        "phones": sandbox_phones(session),
        "codes": dial_codes(session),
        # Without a token every callback is refused, so the page says so instead of dialling.
        "endpoint": f"/at/ussd/{quote(token, safe='')}" if token else None,
    }
    return TEMPLATES.TemplateResponse(request, "sandbox.html", context)


@router.get("/sandbox/phone.js", include_in_schema=False)
def sandbox_script() -> FileResponse:
    return FileResponse(SCRIPT, media_type="text/javascript")
