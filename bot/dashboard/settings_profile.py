"""The school's profile on the settings pages: name, SMS sender ID, Paybill, USSD code (checked as ``karo
school create`` checks them: ``ledger.records.profile``), and its own Daraja app, whose secrets are sealed as
``karo school mpesa`` seals them and never shown again: the page says only whether each is set."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.crypto import SecretKeyMissing
from bot.dashboard.access import Staff, StaffDep
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect, render
from bot.dashboard.settings_index import SettingsStaff, may_change_settings
from bot.mpesa.setup import save_credentials
from bot.routes.deps import ServicesDep, SessionDep
from ledger.records.profile import (
    PAYBILL,
    InvalidProfile,
    checked_profile,
    checked_senders,
    profile_of,
    save_profile,
    save_senders,
    senders_of,
)
from ledger.records.tables import School
from providers.daraja_types import Shortcode

router = APIRouter()

PAGE = "/dashboard/settings/profile"
SECRET = Annotated[str, Form(max_length=500)]


def daraja_snapshot(school: School) -> dict[str, str | None]:
    """The Daraja app as the page and the audit log show it: the shortcode, and whether each secret is set."""

    def state(sealed: str | None) -> str:
        return "set" if sealed else "not set"

    return {
        "shortcode": school.daraja_shortcode,
        "paybill": school.paybill,
        "passkey": state(school.daraja_passkey_sealed),
        "consumer_key": state(school.daraja_consumer_key_sealed),
        "consumer_secret": state(school.daraja_consumer_secret_sealed),
    }


def _page(
    request: Request,
    staff: Staff,
    session: Session,
    *,
    typed: dict[str, str] | None = None,
    error: str | None = None,
    daraja_error: str | None = None,
    shortcode: str | None = None,
    senders: dict[str, str | None] | None = None,
    senders_error: str | None = None,
    status: int = 200,
) -> Response:
    school = staff.school
    context = {
        "staff": staff,
        "page": "settings",
        "may_change": may_change_settings(staff),
        "typed": typed or {k: v or "" for k, v in profile_of(school).snapshot().items()},
        "error": error,
        "daraja": daraja_snapshot(school),
        "daraja_error": daraja_error,
        "senders": senders or senders_of(school).snapshot(),
        "senders_error": senders_error,
        "shortcode": shortcode if shortcode is not None else school.daraja_shortcode or "",
        "saved": request.query_params.get("saved"),
    }
    return render(request, "settings_profile.html", context, status_code=status)


@router.get("/dashboard/settings/profile")
def profile_page(request: Request, staff: StaffDep, session: SessionDep) -> Response:
    return _page(request, staff, session)


@router.post("/dashboard/settings/profile")
def save_school_profile(
    request: Request,
    staff: SettingsStaff,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
    paybill: Annotated[str, Form(max_length=40)] = "",
    ussd_code: Annotated[str, Form(max_length=40)] = "",
    # Not "sms_sender_id": a form field named *_id is taken for a row id (bot.dashboard.ids).
    sms_sender: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    typed = {"name": name, "paybill": paybill, "ussd_code": ussd_code, "sms_sender_id": sms_sender}
    school = staff.school
    before = profile_of(school).snapshot()
    try:
        save_profile(session, school, checked_profile(name, paybill, ussd_code, sms_sender))
    except InvalidProfile as bad:
        session.rollback()
        return _page(request, staff, session, typed=typed, error=str(bad), status=422)
    after = profile_of(school).snapshot()
    at, target = config_of(request).clock(), f"school:{school.id}"
    staff.audit_change(session, action="school.profile", at=at, target=target, before=before, after=after)
    session.commit()
    return redirect(request, f"{PAGE}?saved=profile")


@router.post("/dashboard/settings/profile/senders")
def save_school_senders(
    request: Request,
    staff: SettingsStaff,
    session: SessionDep,
    twilio_sms_from: Annotated[str, Form(max_length=40)] = "",
    twilio_whatsapp_from: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    """The school's own Twilio SMS number and WhatsApp sender (``ledger.records.profile.save_senders``)."""
    school = staff.school
    before = senders_of(school).snapshot()
    try:
        save_senders(session, school, checked_senders(twilio_sms_from, twilio_whatsapp_from))
    except InvalidProfile as bad:
        session.rollback()
        typed: dict[str, str | None] = {
            "twilio_sms_from": twilio_sms_from,
            "twilio_whatsapp_from": twilio_whatsapp_from,
        }
        return _page(request, staff, session, senders=typed, senders_error=str(bad), status=422)
    after = senders_of(school).snapshot()
    at, target = config_of(request).clock(), f"school:{school.id}"
    staff.audit_change(session, action="school.senders", at=at, target=target, before=before, after=after)
    session.commit()
    return redirect(request, f"{PAGE}?saved=senders")


@router.post("/dashboard/settings/profile/daraja")
def save_daraja(
    request: Request,
    staff: SettingsStaff,
    session: SessionDep,
    services: ServicesDep,
    shortcode: Annotated[str, Form(max_length=40)] = "",
    passkey: SECRET = "",
    consumer_key: SECRET = "",
    consumer_secret: SECRET = "",
) -> Response:
    shortcode = shortcode.strip()
    given = {"Passkey": passkey, "Consumer key": consumer_key, "Consumer secret": consumer_secret}
    missing = [label for label, value in given.items() if not value.strip()]
    error = None
    if not PAYBILL.fullmatch(shortcode):
        error = f"Shortcode: {shortcode!r} should be a 5 to 7 digit business number."
    elif missing:
        error = f"{missing[0]}: give the value from the Daraja portal (all three are needed)."
    school = staff.school
    before = daraja_snapshot(school)
    if error is None:
        creds = Shortcode(shortcode, passkey.strip(), consumer_key.strip(), consumer_secret.strip())
        try:
            save_credentials(school, creds, services.settings)
        except SecretKeyMissing as no_key:
            error = f"Not saved: {no_key}."
    if error is not None:
        return _page(request, staff, session, daraja_error=error, shortcode=shortcode, status=422)
    after = daraja_snapshot(school)  # never the secrets themselves
    at = config_of(request).clock()
    staff.audit(
        session, action="school.mpesa", at=at, target=f"school:{school.id}", before=before, after=after
    )
    session.commit()
    return redirect(request, f"{PAGE}?saved=daraja")
