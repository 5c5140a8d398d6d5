"""A student's guardians changed by hand (the dashboard's forms), under the students file's rules: a phone
in any Kenyan form, one guardian per phone in a school, one or two guardians a student.

A phone that stops being a child's guardian's stops reaching the child at that commit: every channel
reads a phone's children through its links (``ledger.records.parents``), an open USSD or chat
conversation included, and ``GuardianAccessEnded`` has messaging withdraw what is still queued to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.errors import InvalidPhone, NotFound
from ledger.events import GuardianAccessEnded, raise_event
from ledger.imports.core import BadRow
from ledger.imports.fields import language_value, text_value
from ledger.imports.phones import register_phone
from ledger.imports.register import GuardianPlan
from ledger.imports.register_edits import RegisterRefused, link_guardian, refused
from ledger.records.emails import InvalidEmail, clean_email, set_email
from ledger.records.parents import SMS, find_guardian
from ledger.records.tables import Channel, Guardian, Student, StudentGuardian

MAX_GUARDIANS = 2  # as the students file has room for: guardian and guardian2


def typed_phone(text: str, field: str = "phone") -> str:
    """A phone typed in any usual Kenyan form, in E.164, or RegisterRefused in the file's words."""
    try:
        return register_phone(text)
    except InvalidPhone as bad:
        message = str(bad)
        raise RegisterRefused(field, message[:1].upper() + message[1:]) from None


def linked_guardian(session: Session, student: Student, guardian_id: int) -> Guardian:
    """The guardian, only if one of this student's; else NotFound (another school's id included)."""
    guardian = session.scalars(
        select(Guardian)
        .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
        .where(
            Guardian.id == guardian_id,
            StudentGuardian.student_id == student.id,
            Guardian.school_id == student.school_id,
        )
    ).one_or_none()
    if guardian is None:
        raise NotFound("no such guardian of this student")
    return guardian


def children_of_guardian(session: Session, guardian_id: int) -> list[int]:
    query = select(StudentGuardian.student_id).where(StudentGuardian.guardian_id == guardian_id)
    return list(session.scalars(query.order_by(StudentGuardian.student_id)))


def add_guardian(session: Session, student: Student, *, name: str, phone: str, language: str) -> str | None:
    """Another guardian for the student (two at most); a phone already of a guardian of the school links
    that guardian (whose name is returned). ``language`` "" leaves a known guardian's as it is."""
    count = session.scalar(
        select(func.count()).select_from(StudentGuardian).where(StudentGuardian.student_id == student.id)
    )
    if (count or 0) >= MAX_GUARDIANS:
        raise RegisterRefused("", f"A student has at most {MAX_GUARDIANS} guardians: remove one first.")
    try:
        plan = GuardianPlan(typed_phone(phone), text_value(name, "name", 120))
        wanted = language_value(language)
    except BadRow as bad:
        raise refused(bad) from None
    taken = find_guardian(session, plan.phone, student.school_id)
    if taken is not None and student.id in children_of_guardian(session, taken.id):
        raise RegisterRefused("phone", f"{plan.phone} is already {taken.name}'s, a guardian of this student.")
    return link_guardian(session, student, plan, wanted)


@dataclass(frozen=True)
class PhoneChange:
    old: str
    new: str
    merged_into: str | None  # the name of the guardian already holding the new phone, whom links moved to
    children: int  # the guardian's children in the school, all of whom follow the new phone


def change_phone(
    session: Session, student: Student, guardian_id: int, phone: str, *, at: dt.datetime
) -> PhoneChange:
    """The guardian's new phone, for every child of theirs in the school (a person changed numbers).

    When another guardian of the school already has that phone, the links move to them instead (one
    guardian per phone). The old phone loses the children at once."""
    guardian = linked_guardian(session, student, guardian_id)
    new = typed_phone(phone)
    old = guardian.phone
    if new == old:
        raise RegisterRefused("phone", f"{new} is already {guardian.name}'s phone.")
    children = children_of_guardian(session, guardian.id)
    holder = find_guardian(session, new, student.school_id)
    if holder is None:
        guardian.phone = new
        # The network's opt-out was the old SIM's; the guardian's own choices (reminders, all) stay.
        guardian.opted_out = [token for token in guardian.opted_out or [] if token != SMS]
    else:
        _move_links(session, guardian, holder)
    session.flush()
    raise_event(session, GuardianAccessEnded(student.school_id, old, None, at))
    return PhoneChange(old, new, holder.name if holder else None, len(children))


def _move_links(session: Session, source: Guardian, target: Guardian) -> None:
    """``source``'s children become ``target``'s; ``source`` is left with none (its history stays)."""
    theirs = set(children_of_guardian(session, target.id))
    for link in session.scalars(select(StudentGuardian).where(StudentGuardian.guardian_id == source.id)):
        if link.student_id in theirs:
            session.delete(link)
        else:
            link.guardian_id = target.id


def remove_guardian(session: Session, student: Student, guardian_id: int, *, at: dt.datetime) -> Guardian:
    """Unlink a guardian from the student; never the last one, who is how the family hears of its fees
    and reaches the child (the students file requires one too). Their other children stay theirs."""
    guardian = linked_guardian(session, student, guardian_id)
    count = session.scalar(
        select(func.count()).select_from(StudentGuardian).where(StudentGuardian.student_id == student.id)
    )
    if (count or 0) <= 1:
        raise RegisterRefused(
            "", f"{guardian.name} is the student's only guardian: add another first, or change the phone."
        )
    link = session.scalars(
        select(StudentGuardian).where(
            StudentGuardian.student_id == student.id, StudentGuardian.guardian_id == guardian.id
        )
    ).one()
    session.delete(link)
    session.flush()
    left = children_of_guardian(session, guardian.id)
    raise_event(
        session,
        GuardianAccessEnded(student.school_id, guardian.phone, None if not left else (student.id,), at),
    )
    return guardian


def set_preferences(
    session: Session,
    student: Student,
    guardian_id: int,
    *,
    language: str,
    channel: str,
    email: str | None = None,
) -> bool:
    """The guardian's language (en or sw), preferred channel (sms, whatsapp or email) and, unless None,
    email address ("" removes it); whether any changed."""
    guardian = linked_guardian(session, student, guardian_id)
    try:
        wanted = language_value(language) or guardian.language
        address = clean_email(email) if email is not None else guardian.email
    except BadRow as bad:
        raise refused(bad) from None
    except InvalidEmail as bad:
        raise RegisterRefused("email", f"{str(bad)[:1].upper()}{str(bad)[1:]}.") from None
    if channel not in {c.value for c in Channel}:
        raise RegisterRefused("channel", f"Channel {channel!r} is not known; use sms, whatsapp or email.")
    before = (guardian.language, guardian.preferred_channel)
    guardian.language, guardian.preferred_channel = wanted, Channel(channel)
    readdressed = set_email(guardian, address)
    session.flush()
    return before != (wanted, Channel(channel)) or readdressed
