"""Reminders as rows and as plans: one ``reminders`` row per family and reminder day, and what a run plans
or leaves alone (``ledger.messaging.reminder_plans`` decides, ``ledger.messaging.campaigns`` writes).

A row is keyed by (guardian, term, slot). A term's reminders are kept under that term, with its reminder
days as slots. A holiday's arrears reminders are kept under the term just ended, with the holiday's reminder
days (all after that term's last day, so they never meet its own slots): that term always exists, while the
next one may not be set up yet (the November-December holiday), and the arrears chased are its arrears. A
next-term notice is kept under the term it announces (which must exist: its fees are in it), with the
notice day as slot; the term's own before-due reminder, should the policy put it on that very day, is then
the notice: one message per family per day.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base, UtcDateTime
from ledger.messaging.families import Family, FamilyChild
from ledger.records.tables import _enum


class ReminderKind(enum.StrEnum):
    BEFORE_DUE = "before_due"
    AFTER_DUE = "after_due"
    INSTALMENT = "instalment"
    HOLIDAY = "holiday_arrears"  # between terms, of what is owed
    NEXT_TERM = "next_term_notice"  # before a term opens, its fees and what is owed


TERM_POLICY = frozenset({ReminderKind.BEFORE_DUE, ReminderKind.AFTER_DUE})  # count to the term's cap


class Reminder(Base):
    """A reminder planned for a family on one reminder day; its message is the outbox row ``message_key``."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("guardian_id", "term_id", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id"), index=True)
    slot: Mapped[dt.date] = mapped_column(Date)  # the reminder day it stands for
    kind: Mapped[ReminderKind] = mapped_column(_enum(ReminderKind))
    message_key: Mapped[str] = mapped_column(String(160), unique=True)
    student_ids: Mapped[list[int]] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(BigInteger)  # cents owed by those children when planned
    planned_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    held_reason: Mapped[str | None] = mapped_column(Text)  # why it was not sent after all


@dataclass(frozen=True)
class Planned:
    family: Family
    kind: ReminderKind
    term_id: int  # the term its row is kept under (see the module's docstring)
    slot: dt.date
    children: tuple[FamilyChild, ...]
    text: str
    amount: int | None = None  # what the message says is due, when it is not what the children owe

    @property
    def total(self) -> int:
        return self.amount if self.amount is not None else sum(c.child.owed for c in self.children)


@dataclass(frozen=True)
class Skipped:
    family: Family
    reason: str
