"""What one phone may see: the schools and children it is a guardian of, and the choices it made."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import Session

from ledger.db import read_rows
from ledger.errors import NotFound
from ledger.records.tables import (
    Channel,
    Guardian,
    Language,
    School,
    SchoolClass,
    Student,
    StudentGuardian,
)
from ledger.types import GuardianRef, SchoolRef, StudentRef

REMINDERS = "reminders"
ANNOUNCEMENTS = "announcements"
EVERYTHING = "all"
# Each optional kind of outbox message and the opt-out that stops it, on every channel. Receipts, notices
# about the family's own money and answers to the parent are never optional.
STOPPED_BY = {"reminder": REMINDERS, "announcement": ANNOUNCEMENTS}
OPTIONAL = frozenset(STOPPED_BY.values())  # what a parent may stop and start one by one


# The phone's reads are built once, with bound parameters, and read as Core rows rather than ORM objects:
# a USSD hop makes one or two of them, and building a statement and loading entities cost more CPU than
# PostgreSQL spends answering it (bench/README "USSD").
SCHOOLS_OF_PHONE = (
    select(School.id, School.slug, School.name, School.paybill, School.ussd_code)
    .join(Guardian, Guardian.school_id == School.id)
    .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
    .join(Student, Student.id == StudentGuardian.student_id)
    .where(Guardian.phone == bindparam("phone"))
    .distinct()
    .order_by(School.name)
)
CHILD_COLUMNS = (Student.id, Student.school_id, Student.admission_no, Student.name, SchoolClass.name)
CHILDREN_OF_PHONE = (
    select(*CHILD_COLUMNS, Student.active)
    .join(SchoolClass, SchoolClass.id == Student.class_id)
    .join(StudentGuardian, StudentGuardian.student_id == Student.id)
    .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
    .where(Guardian.phone == bindparam("phone"), Guardian.school_id == bindparam("school_id"))
    .order_by(Student.name, Student.id)
)


def _of_phone(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """The one check every read about a child goes through: ``:phone`` is a guardian of ``:student_id``
    in the student's own school."""
    return (
        query.join(StudentGuardian, StudentGuardian.student_id == Student.id)
        .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
        .where(
            Student.id == bindparam("student_id"),
            Guardian.phone == bindparam("phone"),
            Guardian.school_id == Student.school_id,
        )
    )


CHILD_OF_PHONE = _of_phone(
    select(*CHILD_COLUMNS, Student.active).outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
)
STUDENT_OF_PHONE = _of_phone(select(Student))


def schools_for_phone(session: Session, phone: str) -> list[SchoolRef]:
    """Schools where ``phone`` (E.164) is a guardian of at least one student (a leaver too), by name."""
    rows = read_rows(session, SCHOOLS_OF_PHONE, {"phone": phone})
    return [SchoolRef(*row) for row in rows]


def school_for_number(session: Session, number: str) -> int | None:
    """The school whose own Twilio SMS number or WhatsApp sender this is; None for the shared ones."""
    if not number:
        return None
    query = select(School.id).where(
        (School.twilio_sms_from == number) | (School.twilio_whatsapp_from == number)
    )
    return session.scalars(query).first()


def find_guardian(session: Session, phone: str, school_id: int) -> Guardian | None:
    return session.scalars(
        select(Guardian).where(Guardian.phone == phone, Guardian.school_id == school_id)
    ).one_or_none()


def guardians_of(session: Session, student_id: int) -> list[Guardian]:
    """The student's guardians, first recorded first."""
    query = (
        select(Guardian)
        .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
        .where(StudentGuardian.student_id == student_id)
        .order_by(Guardian.id)
    )
    return list(session.scalars(query))


GUARDIAN_OF_PHONE = select(
    Guardian.id,
    Guardian.school_id,
    Guardian.phone,
    Guardian.name,
    Guardian.language,
    Guardian.opted_out,
    Guardian.preferred_channel,
    Guardian.email,
    Guardian.email_bounced_at,
).where(Guardian.phone == bindparam("phone"), Guardian.school_id == bindparam("school_id"))


def guardian_ref(session: Session, phone: str, school_id: int) -> GuardianRef | None:
    """The phone as a guardian in this school, as the flows see it (Core rows: no ``Guardian`` loaded)."""
    row = read_rows(session, GUARDIAN_OF_PHONE, {"phone": phone, "school_id": school_id}).one_or_none()
    if row is None:
        return None
    guardian_id, school, phone, name, language, opted, channel, email, bounced_at = row
    opted_out = set(opted or [])
    return GuardianRef(
        id=guardian_id,
        school_id=school,
        phone=phone,
        name=name,
        language=language.value,
        reminders_on=not opted_out & {REMINDERS, EVERYTHING},
        announcements_on=not opted_out & {ANNOUNCEMENTS, EVERYTHING},
        channel=channel.value,
        has_email=bool(working_email(email, bounced_at)),
    )


def email_of(guardian: Guardian) -> str | None:
    """The guardian's working email address: one on file that has not bounced (``ledger.messaging.routing``
    sends SMS instead of email to a bounced one)."""
    return working_email(guardian.email, guardian.email_bounced_at)


def working_email(email: str | None, bounced_at: dt.datetime | None) -> str | None:
    address = (email or "").strip()
    return address if address and bounced_at is None else None


def children_of(session: Session, phone: str, school_id: int) -> list[StudentRef]:
    """The students of ``school_id`` this phone is a guardian of, by name: leavers too (marked ``left``),
    so the family can still read the final statement and balance."""
    rows = read_rows(session, CHILDREN_OF_PHONE, {"phone": phone, "school_id": school_id})
    return [_child(row) for row in rows]


def child_ref(session: Session, phone: str, student_id: int) -> StudentRef:
    """``child_of`` as the reference a parent's screens need (one statement, no ORM objects): the
    student, only if ``phone`` is one of their guardians; otherwise NotFound (naming nobody)."""
    row = read_rows(session, CHILD_OF_PHONE, {"phone": phone, "student_id": student_id}).first()
    if row is None:
        raise NotFound("no such child for this phone")
    return _child(row)


def _child(row: Row[*tuple[Any, ...]]) -> StudentRef:
    student_id, school_id, admission_no, name, class_name, active = row
    return StudentRef(student_id, school_id, admission_no, name, class_name or "", left=not active)


def child_of(session: Session, phone: str, student_id: int) -> Student:
    """The student, only if ``phone`` is one of their guardians; otherwise NotFound (naming nobody)."""
    student: Student | None = session.scalars(
        STUDENT_OF_PHONE, {"phone": phone, "student_id": student_id}
    ).first()
    if student is None:
        raise NotFound("no such child for this phone")
    return student


def set_language(session: Session, phone: str, school_id: int, language: str) -> None:
    guardian = find_guardian(session, phone, school_id)
    if guardian is None:
        raise NotFound("no such guardian")
    guardian.language = Language(language)


def set_wanted(session: Session, phone: str, school_id: int, category: str, on: bool) -> Guardian:
    """Turn one optional category (``reminders``, ``announcements``) on or off for this phone in this
    school, on every channel (receipts still go either way)."""
    if category not in OPTIONAL:
        raise ValueError(f"{category!r} cannot be stopped on its own")
    guardian = find_guardian(session, phone, school_id)
    if guardian is None:
        raise NotFound("no such guardian")
    opted_out = set(guardian.opted_out or []) - {category}
    if not on:
        opted_out.add(category)
    guardian.opted_out = sorted(opted_out)
    return guardian


def set_channel(session: Session, phone: str, school_id: int, channel: str) -> Guardian | None:
    """Make ``channel`` this phone's preferred one in this school; None (nothing changed) when it is email
    and no address is on file."""
    guardian = find_guardian(session, phone, school_id)
    if guardian is None:
        raise NotFound("no such guardian")
    wanted = Channel(channel)
    if wanted is Channel.EMAIL and email_of(guardian) is None:
        return None
    guardian.preferred_channel = wanted
    return guardian


SMS = "sms"  # the phone refused our SMS sender id (Africa's Talking's opt-out callback)


def opt_out_everywhere(session: Session, phone: str, token: str) -> int:
    """Record an opt-out (``reminders``, ``sms`` or ``all``) for this phone in every school it is in."""
    guardians = list(session.scalars(select(Guardian).where(Guardian.phone == phone)))
    for guardian in guardians:
        guardian.opted_out = sorted(set(guardian.opted_out or []) | {token})
    return len(guardians)


def refuses(opted_out: list[str] | None, category: str, channel: str) -> bool:
    """Whether a guardian with these opt-outs must not be sent a ``category`` message on ``channel``."""
    tokens = set(opted_out or [])
    if EVERYTHING in tokens or (channel == SMS and SMS in tokens):
        return category != "reply"  # a parent who writes to us still gets the answer they asked for
    return STOPPED_BY.get(category) in tokens
