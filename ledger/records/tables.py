"""Tenants and their people: schools, terms, classes, students, guardians, vote heads, fee structures."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.db import Base, UtcDateTime


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Language(enum.StrEnum):
    EN = "en"
    SW = "sw"


class Channel(enum.StrEnum):
    SMS = "sms"
    WHATSAPP = "whatsapp"
    EMAIL = "email"


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    paybill: Mapped[str | None] = mapped_column(String(12), index=True)
    ussd_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    sms_sender_id: Mapped[str | None] = mapped_column(String(11))
    # The school's own Twilio numbers (E.164; the WhatsApp sender without "whatsapp:"): its messages go from
    # them, and a message to one is to this school. None: the deployment's shared ones.
    twilio_sms_from: Mapped[str | None] = mapped_column(String(16), unique=True)
    twilio_whatsapp_from: Mapped[str | None] = mapped_column(String(16), unique=True)
    admission_prefix: Mapped[str | None] = mapped_column(String(10))
    default_language: Mapped[Language] = mapped_column(_enum(Language), default=Language.EN)
    # Paybill money for an unknown admission number: into suspense (True) or refused (False).
    accept_unknown_accounts: Mapped[bool] = mapped_column(Boolean, default=True)
    # Daraja (issue 5): the shortcode in clear (it is the public Paybill number, and Paybill confirmations
    # are routed by it); the passkey and consumer key/secret as ciphertext only the bot can open.
    daraja_shortcode: Mapped[str | None] = mapped_column(String(12), index=True)
    daraja_passkey_sealed: Mapped[str | None] = mapped_column(Text)
    daraja_consumer_key_sealed: Mapped[str | None] = mapped_column(Text)
    daraja_consumer_secret_sealed: Mapped[str | None] = mapped_column(Text)
    # Reminder policy (ledger.messaging.reminder_plans): on or off, days before due, repeat interval after,
    # cap per term.
    reminders_on: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    remind_days_before_due: Mapped[int] = mapped_column(Integer, default=7)
    remind_every_days: Mapped[int] = mapped_column(Integer, default=14)
    remind_max_per_term: Mapped[int] = mapped_column(Integer, default=4)
    quiet_hours_start: Mapped[int] = mapped_column(Integer, default=20)
    quiet_hours_end: Mapped[int] = mapped_column(Integer, default=7)
    # Holidays (ledger.messaging.holiday_plans): arrears reminders every N days after a term ends, at most
    # a cap per holiday, and the next term's fees told N days before it opens (0: no notice).
    holiday_reminders_on: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    holiday_remind_every_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    holiday_remind_max: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    next_term_notice_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    # Maker-checker (ledger.staff.approvals): a reversal above this many cents waits for the head; None is
    # Karo's default (approvals.DEFAULT_APPROVAL_ABOVE).
    reversal_approval_cents: Mapped[int | None] = mapped_column(BigInteger)
    # Whether leavers' families are still reminded of arrears (many schools hold the leaving certificate
    # until they are cleared); off by default: a leaver's family is not chased (ledger.records.leavers).
    chase_leavers: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The daily close by SMS (ledger.messaging.daily_close_notices): the phones (E.164, comma-separated) that
    # get the day's summary, none when empty, and the Nairobi hour it goes at.
    close_phones: Mapped[str | None] = mapped_column(String(120))
    close_hour: Mapped[int] = mapped_column(Integer, default=18, server_default="18")
    # Retention (Kenya's Data Protection Act, 2019; bot.privacy.retention): days kept of USSD session
    # reports, message bodies (in and out), delivery-report details and audit rows. The journal is kept.
    keep_ussd_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    keep_message_days: Mapped[int] = mapped_column(Integer, default=365, server_default="365")
    keep_delivery_days: Mapped[int] = mapped_column(Integer, default=365, server_default="365")
    keep_audit_days: Mapped[int] = mapped_column(Integer, default=2555, server_default="2555")
    # Announcements go only to guardians who consented (Guardian.consent_*) when this is on; off by default.
    announcements_need_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), server_default=func.now())


class Term(Base):
    __tablename__ = "terms"
    __table_args__ = (UniqueConstraint("school_id", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)

    @property
    def code(self) -> str:
        return term_code(self.year, self.number)


def term_code(year: int, number: int) -> str:
    """A term as schools write it: ``2026-1``."""
    return f"{year}-{number}"


class SchoolClass(Base):
    __tablename__ = "classes"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))


class Student(Base):
    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("school_id", "admission_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    admission_no: Mapped[str] = mapped_column(String(20))
    # Upper-case, no spaces or dashes: what Paybill account numbers are matched against.
    admission_key: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(120))
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    # False once the student has left (ledger.records.leavers keeps it in step with left_on): invoicing,
    # optional charges and reminders follow only active students.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    leave_reason: Mapped[str | None] = mapped_column(String(20))
    # When the student's row last changed (the API's sync reads ``updated_since``); bumped by the database.
    updated_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), server_default=func.now(), onupdate=func.now(), index=True
    )

    school_class: Mapped[SchoolClass] = relationship()
    guardian_links: Mapped[list[StudentGuardian]] = relationship(back_populates="student")


class Guardian(Base):
    """A phone (E.164) in one school: the same phone in two schools is two guardians."""

    __tablename__ = "guardians"
    __table_args__ = (UniqueConstraint("school_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(120))
    language: Mapped[Language] = mapped_column(_enum(Language), default=Language.EN)
    preferred_channel: Mapped[Channel] = mapped_column(_enum(Channel), default=Channel.SMS)
    # Message categories this guardian stopped, e.g. ["reminders"] or ["all"].
    opted_out: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Email as a channel (issue 16): the address, and when mail to it was refused for good (a bounce), so
    # messages go by SMS until the address is changed.
    email: Mapped[str | None] = mapped_column(String(254))
    email_bounced_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # Consent to announcements (marketing-like messages): when given, when withdrawn, and how (sms, ussd,
    # whatsapp, paper, ...); the later of the two moments stands (ledger.records.consent).
    consent_given_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    consent_withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    consent_channel: Mapped[str | None] = mapped_column(String(20))

    student_links: Mapped[list[StudentGuardian]] = relationship(back_populates="guardian")


class StudentGuardian(Base):
    __tablename__ = "student_guardians"
    __table_args__ = (UniqueConstraint("student_id", "guardian_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id"), index=True)
    relation: Mapped[str | None] = mapped_column(String(20))

    student: Mapped[Student] = relationship(back_populates="guardian_links")
    guardian: Mapped[Guardian] = relationship(back_populates="student_links")


class VoteHead(Base):
    """A fee line item (tuition, boarding, activity...). Lower priority numbers are paid first."""

    __tablename__ = "vote_heads"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    priority: Mapped[int] = mapped_column(Integer, default=100)


class FeeItem(Base):
    """One cell of the fee structure: term x class x vote head -> amount in cents."""

    __tablename__ = "fee_items"
    __table_args__ = (UniqueConstraint("term_id", "class_id", "vote_head_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"))
    vote_head_id: Mapped[int] = mapped_column(ForeignKey("vote_heads.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    # Optional (transport, lunch, a trip): billed only to those enrolled in it (ledger.billing.enrolments).
    optional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
