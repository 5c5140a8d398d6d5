"""Announcements: the head or bursar tells families something (school closes early, a meeting), in English
and Kiswahili, to the whole school, some classes, families owing more than an amount, or leavers' families.

An announcement is keyed by its school, audience and words: the same words to the same audience are one
announcement, however often Send is pressed or the command run, and two sends racing each other write it
once (a unique key, ``insert_or_fetch``). Sending writes one outbox message per family (a guardian's phone
in the school, all its children in one message), keyed by announcement and guardian, at bulk priority, so it
waits for the end of quiet hours (``campaigns.deferral_for``); a family newly in the audience gets it on the
next send, nobody gets it twice. A guardian who stopped announcements or everything gets none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import JSON, ForeignKey, String, Table, Text, UniqueConstraint, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.books.tables import Account
from ledger.bulk import insert_or_fetch
from ledger.db import Base, UtcDateTime, is_postgres
from ledger.errors import LedgerError
from ledger.imports.core import BadRow
from ledger.imports.fields import amount_cents
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage, priority_of
from ledger.money import kes
from ledger.records.consent import may_announce
from ledger.records.parents import ANNOUNCEMENTS, EVERYTHING
from ledger.records.tables import Channel, Guardian, Language, School, SchoolClass, Student, StudentGuardian

MAX_TEXT = 480  # characters a text may have: at most 4 GSM-7 parts with the school's name in front
OUTBOX = cast(Table, OutboxMessage.__table__)


class BadAnnouncement(LedgerError):
    """An announcement that cannot go as asked (no text, an unknown class, a bad amount)."""


class Announcement(Base):
    __tablename__ = "announcements"
    __table_args__ = (UniqueConstraint("school_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))  # of the audience and the words (``announcement_key``)
    author: Mapped[str] = mapped_column(String(254))  # the staff member's email, or "cli:<os user>"
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)  # ``Audience.as_json``
    text_en: Mapped[str] = mapped_column(Text)
    text_sw: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())  # first sent (queued to the outbox)


@dataclass(frozen=True)
class Audience:
    """Who an announcement is for: current students' families (or leavers'), in these classes (none: all),
    whose children in it owe more than ``owing_over`` cents together (None: whatever they owe)."""

    classes: tuple[str, ...] = ()
    owing_over: int | None = None
    leavers: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "owing_over": self.owing_over, "leavers": self.leavers}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(tuple(data.get("classes") or ()), data.get("owing_over"), bool(data.get("leavers")))

    def describe(self) -> str:
        who = "leavers' families" if self.leavers else "all families"
        if self.classes:
            who += " in " + ", ".join(self.classes)
        if self.owing_over is not None:
            who += f" owing over {kes(self.owing_over)}"
        return who


@dataclass(frozen=True)
class Texts:
    en: str
    sw: str | None = None

    def for_language(self, language: Language) -> str:
        """The family's language picks the text; without a Kiswahili one, English."""
        return self.sw if language == Language.SW and self.sw else self.en


@dataclass(frozen=True)
class Family:
    guardian_id: int
    name: str
    phone: str
    language: Language
    opted_out: tuple[str, ...]
    children: tuple[str, ...] = field(default=())
    owed: int = 0  # cents, the children in the audience together
    preferred: Channel = Channel.SMS
    has_email: bool = False  # an address that has not bounced
    consented: bool = True  # False: the school requires consent to announcements and this guardian has none


def checked_texts(text_en: str, text_sw: str | None = None) -> Texts:
    """The texts, whitespace trimmed; BadAnnouncement when the English one is empty or either is too long."""
    en, sw = text_en.strip(), (text_sw or "").strip() or None
    if not en:
        raise BadAnnouncement("the text is empty: write what the families should read")
    for label, text in (("text", en), ("Kiswahili text", sw or "")):
        if len(text) > MAX_TEXT:
            raise BadAnnouncement(f"the {label} has {len(text)} characters; at most {MAX_TEXT}")
    return Texts(en, sw)


def checked_audience(
    session: Session, school: School, classes: Sequence[str], owing_over: str | None, leavers: bool = False
) -> Audience:
    """The audience as asked, with class names as the school spells them; BadAnnouncement for a class the
    school does not have or an amount that is not one."""
    known = {name.casefold(): name for name in session.scalars(select(SchoolClass.name).where(
        SchoolClass.school_id == school.id))}  # fmt: skip
    named = []
    for asked in classes:
        found = known.get(" ".join(asked.split()).casefold())
        if found is None:
            raise BadAnnouncement(f"{school.slug} has no class {asked.strip()!r}")
        if found not in named:
            named.append(found)
    over = None
    if owing_over is not None and owing_over.strip():
        try:
            over = amount_cents(owing_over, "owing over")
        except BadRow as bad:
            raise BadAnnouncement(str(bad)) from None
        if over < 0:
            raise BadAnnouncement(f"owing over: {owing_over.strip()!r} must not be negative")
    return Audience(tuple(named), over, leavers)


def announcement_key(audience: Audience, texts: Texts) -> str:
    asked = [audience.as_json(), texts.en, texts.sw]
    return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()


def body_for(school: School, texts: Texts, language: Language) -> str:
    """The message a family gets: the school's name first, since the sender ID may be Karo's shared one."""
    return f"{school.name}: {texts.for_language(language)}"


def families(session: Session, school: School, audience: Audience) -> list[Family]:
    """The school's families in the audience, one per guardian phone, by guardian name."""
    query = (
        select(Guardian, Student)
        .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
        .join(Student, Student.id == StudentGuardian.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Student.school_id == school.id, Guardian.school_id == school.id)
        .where(Student.active.is_(not audience.leavers))
        .order_by(Guardian.name, Guardian.id, Student.name)
    )
    if audience.classes:
        query = query.where(SchoolClass.name.in_(audience.classes))
    grouped: dict[int, tuple[Guardian, list[Student]]] = {}
    for guardian, student in session.execute(query):
        grouped.setdefault(guardian.id, (guardian, []))[1].append(student)
    owed = _owed(session, [s.id for _, children in grouped.values() for s in children])
    found = []
    for guardian, children in grouped.values():
        total = sum(owed.get(child.id, 0) for child in children)
        if audience.owing_over is not None and total <= audience.owing_over:
            continue
        found.append(
            Family(
                guardian.id,
                guardian.name,
                guardian.phone,
                guardian.language,
                tuple(guardian.opted_out or ()),
                tuple(child.name for child in children),
                total,
                guardian.preferred_channel,
                bool(guardian.email) and guardian.email_bounced_at is None,
                may_announce(school, guardian),
            )
        )
    return found


def _owed(session: Session, student_ids: list[int]) -> dict[int, int]:
    if not student_ids:
        return {}
    rows = session.execute(
        select(Account.student_id, func.sum(Account.balance))
        .where(Account.student_id.in_(student_ids))
        .group_by(Account.student_id)
    )
    return {student_id: int(total) for student_id, total in rows if student_id is not None}


def stopped(family: Family) -> bool:
    """Whether the guardian stopped announcements (or every message), or never consented where the school
    requires consent."""
    return bool({ANNOUNCEMENTS, EVERYTHING} & set(family.opted_out)) or not family.consented


def announce(
    session: Session, school: School, audience: Audience, texts: Texts, *, author: str, now: dt.datetime
) -> tuple[Announcement, int]:
    """Send the announcement (the same audience and words: the one already made): one outbox message to
    each family in the audience that has not had it; returns (announcement, messages newly queued).
    BadAnnouncement when no family in the audience may be sent it (nothing is recorded then)."""
    reached = [family for family in families(session, school, audience) if not stopped(family)]
    if not reached:
        raise BadAnnouncement(f"no family to send to among {audience.describe()}: nothing sent")
    key = announcement_key(audience, texts)
    values = {
        "school_id": school.id,
        "key": key,
        "author": author,
        "audience": audience.as_json(),
        "text_en": texts.en,
        "text_sw": texts.sw,
        "created_at": now,
        "sent_at": None,
    }
    announcement, _ = insert_or_fetch(session, Announcement, values, lambda: _by_key(session, school.id, key))
    wanted = {message_key(announcement.id, family.guardian_id): family for family in reached}
    known = set(session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(wanted))))
    rows = [
        _message_row(school, family, dedupe, body_for(school, texts, family.language), now)
        for dedupe, family in wanted.items()
        if dedupe not in known
    ]
    if announcement.sent_at is None:
        announcement.sent_at = now
    return announcement, _insert_new(session, rows)


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert the messages whose key is free (a racing send's rows are left as they are): how many were."""
    if not rows:
        return 0
    dialect = postgresql if is_postgres(session) else sqlite
    statement = dialect.insert(OUTBOX).on_conflict_do_nothing().returning(OUTBOX.c.id)
    return len(session.execute(statement, rows).all())


def _by_key(session: Session, school_id: int, key: str) -> Announcement | None:
    query = select(Announcement).where(Announcement.school_id == school_id, Announcement.key == key)
    return session.scalars(query).one_or_none()


def key_prefix(announcement_id: int) -> str:
    return f"announcement:a{announcement_id}:g"


def message_key(announcement_id: int, guardian_id: int) -> str:
    return f"{key_prefix(announcement_id)}{guardian_id}"


def _message_row(school: School, family: Family, key: str, body: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "school_id": school.id,
        "guardian_id": family.guardian_id,
        "student_id": None,
        "phone": family.phone,
        "channel": "auto",
        "category": Category.ANNOUNCEMENT.value,
        "dedupe_key": key,
        "body": body,
        "status": MessageStatus.QUEUED.value,
        "priority": priority_of(Category.ANNOUNCEMENT),  # bulk: waits for quiet hours to end
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


def texts_of(announcement: Announcement) -> Texts:
    return Texts(announcement.text_en, announcement.text_sw)


def audience_of(announcement: Announcement) -> Audience:
    return Audience.from_json(announcement.audience)
