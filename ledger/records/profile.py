"""A school's profile: its name, Paybill, USSD code and SMS sender ID, checked the same way by ``karo school``
and the dashboard's settings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.errors import LedgerError
from ledger.records.tables import School

PAYBILL = re.compile(r"\d{5,7}")
USSD_CODE = re.compile(r"\*\d{2,4}(\*\d{1,4})*#")
# Africa's Talking alphanumeric sender IDs: at most 11 letters and digits.
SENDER_ID = re.compile(r"[A-Za-z0-9]{1,11}")


class InvalidProfile(LedgerError):
    """A school's name, Paybill, USSD code or sender ID that cannot be right, or a USSD code taken."""


@dataclass(frozen=True)
class Profile:
    name: str
    paybill: str | None
    ussd_code: str | None
    sms_sender_id: str | None

    def snapshot(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "paybill": self.paybill,
            "ussd_code": self.ussd_code,
            "sms_sender_id": self.sms_sender_id,
        }


def profile_of(school: School) -> Profile:
    return Profile(school.name, school.paybill, school.ussd_code, school.sms_sender_id)


def checked_profile(name: str, paybill: str, ussd_code: str, sms_sender_id: str) -> Profile:
    """What was typed, tidied (an empty field is None) and checked; else InvalidProfile naming the field."""
    name = " ".join(name.split())
    if not 0 < len(name) <= 120:
        raise InvalidProfile("Name: give the school's name (at most 120 characters).")
    number, code, sender = paybill.strip(), ussd_code.strip(), sms_sender_id.strip()
    if number and not PAYBILL.fullmatch(number):
        raise InvalidProfile(f"Paybill: {number!r} should be a 5 to 7 digit business number.")
    if code and not USSD_CODE.fullmatch(code):
        raise InvalidProfile(f"USSD code: {code!r} should look like *384*25#.")
    if sender and not SENDER_ID.fullmatch(sender):
        raise InvalidProfile(f"SMS sender ID: {sender!r} should be 1 to 11 letters and digits, no spaces.")
    return Profile(name, number or None, code or None, sender or None)


def ussd_code_owner(session: Session, ussd_code: str) -> School | None:
    return session.scalars(select(School).where(School.ussd_code == ussd_code)).first()


def save_profile(session: Session, school: School, profile: Profile) -> None:
    """Give the school this (checked) profile; a USSD code another school dials is refused."""
    if profile.ussd_code is not None:
        owner = ussd_code_owner(session, profile.ussd_code)
        if owner is not None and owner.id != school.id:
            raise InvalidProfile(f"USSD code: {profile.ussd_code} already belongs to another school.")
    try:
        with session.begin_nested():  # another school saving the same code at this moment: theirs stands
            school.name, school.paybill = profile.name, profile.paybill
            school.ussd_code, school.sms_sender_id = profile.ussd_code, profile.sms_sender_id
    except IntegrityError:
        raise InvalidProfile(f"USSD code: {profile.ussd_code} already belongs to another school.") from None


# A Twilio number, SMS or WhatsApp: E.164 (any country: Twilio's numbers are often not Kenyan).
TWILIO_NUMBER = re.compile(r"\+[1-9]\d{7,14}")


@dataclass(frozen=True)
class Senders:
    """A school's own Twilio SMS number and WhatsApp sender; None: the deployment's shared ones."""

    twilio_sms_from: str | None
    twilio_whatsapp_from: str | None

    def snapshot(self) -> dict[str, str | None]:
        return {"twilio_sms_from": self.twilio_sms_from, "twilio_whatsapp_from": self.twilio_whatsapp_from}


def senders_of(school: School) -> Senders:
    return Senders(school.twilio_sms_from, school.twilio_whatsapp_from)


def checked_senders(sms_from: str, whatsapp_from: str) -> Senders:
    """What was typed, tidied (spaces, dashes and a ``whatsapp:`` prefix dropped; empty is None) and
    checked; else InvalidProfile naming the field."""
    checked: list[str | None] = []
    for label, typed in (("Twilio SMS number", sms_from), ("WhatsApp sender", whatsapp_from)):
        number = re.sub(r"[\s\-()]", "", typed.strip().removeprefix("whatsapp:"))
        if number and not TWILIO_NUMBER.fullmatch(number):
            raise InvalidProfile(f"{label}: {typed.strip()!r} should be a number with its country code, +...")
        checked.append(number or None)
    return Senders(checked[0], checked[1])


def save_senders(session: Session, school: School, senders: Senders) -> None:
    """Give the school these (checked) numbers; one another school sends from is refused, since a parent
    writing to it must reach one school."""
    for label, number, column in (
        ("Twilio SMS number", senders.twilio_sms_from, School.twilio_sms_from),
        ("WhatsApp sender", senders.twilio_whatsapp_from, School.twilio_whatsapp_from),
    ):
        other = select(School.id).where(column == number, School.id != school.id)
        if number is not None and session.scalars(other).first() is not None:
            raise InvalidProfile(f"{label}: {number} already belongs to another school.")
    try:
        with session.begin_nested():  # another school saving the same number at this moment: theirs stands
            school.twilio_sms_from, school.twilio_whatsapp_from = (
                senders.twilio_sms_from,
                senders.twilio_whatsapp_from,
            )
    except IntegrityError:
        raise InvalidProfile("Twilio numbers: one of them already belongs to another school.") from None
