"""What the rest of Karo reads from the ledger: frozen dataclasses, no SQLAlchemy.

Amounts are integer cents (KES x 100). Flows import this module and nothing else of the ledger.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Karo's own vote head for late fees (unless a school names its own): a parent's screens show it in their
# language, as they show Karo's discounts (entry kinds late_fee, sibling_discount, early_discount).
LATE_FEE_HEAD = "Late fee"

# The most one amount a person types may hold (a fee row, an opening balance, a payment keyed in): KES 10
# million, above a year at Kenya's dearest schools (about KES 4 million) and far inside a BIGINT, so a slip
# of the finger is refused in words instead of landing or overflowing a column.
MAX_AMOUNT_CENTS = 10_000_000 * 100


@dataclass(frozen=True)
class SchoolRef:
    id: int
    slug: str
    name: str
    paybill: str | None
    ussd_code: str | None


@dataclass(frozen=True)
class StudentRef:
    id: int
    school_id: int
    admission_no: str
    name: str
    class_name: str
    left: bool = False  # the student has left the school: the family still reads the final statement


@dataclass(frozen=True)
class VoteHeadBalance:
    vote_head: str
    balance: int  # still owed on this head, all terms together


@dataclass(frozen=True)
class Balance:
    student: StudentRef
    total: int  # positive: owed; negative: credit carried forward
    by_vote_head: tuple[VoteHeadBalance, ...]
    credit: int  # unallocated credit (>= 0)
    due_on: dt.date | None  # due date of the oldest term still owing; None when nothing is owed


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    on: dt.date
    description: str
    kind: str
    charged: int  # raised what is owed
    paid: int  # lowered what is owed
    balance: int  # running balance after this line
    receipt: str | None = None  # the official receipt number of the payment it posts (or reverses)


@dataclass(frozen=True)
class Statement:
    student: StudentRef
    opening: int
    lines: tuple[StatementLine, ...]
    closing: int


@dataclass(frozen=True)
class Receipt:
    payment_id: int
    number: str  # the school's official receipt number
    reference: str
    source: str
    amount: int
    received_on: dt.date
    reversed: bool


@dataclass(frozen=True)
class ReceiptLine:
    """Part of a payment applied to one term's vote head (or carried forward as credit: ``term`` None)."""

    vote_head: str
    term: str | None
    amount: int


@dataclass(frozen=True)
class OfficialReceipt:
    """A payment as its official receipt shows it: who paid what, how, and how it was spread."""

    number: str
    school: str
    received_on: dt.date
    amount: int
    method: str  # "M-Pesa", "Cash", "Bank", "Cheque"
    reference: str
    payer: str | None
    student: StudentRef | None  # None: received but not yet matched to a student (suspense)
    spread: tuple[ReceiptLine, ...]
    cancelled: bool  # the payment was reversed: the number stays, marked cancelled
    recorded_by: str


@dataclass(frozen=True)
class ArrearsRow:
    student: StudentRef
    total: int
    buckets: tuple[int, int, int, int]  # 0-30, 31-60, 61-90, 90+ days past due
    not_yet_due: int


@dataclass(frozen=True)
class TermTotals:
    term: str
    invoiced: int  # fees and opening balances charged, net of reversals
    collected: int  # payments (and credit carried in) applied to this term
    credited: int  # bursaries and discounts
    outstanding: int  # invoiced - collected - credited

    @property
    def collection_rate(self) -> float:
        """Share of invoiced fees collected, in percent (for display; money itself is never a float)."""
        return round(100 * self.collected / self.invoiced, 1) if self.invoiced else 0.0


@dataclass(frozen=True)
class AttendanceSummary:
    student: StudentRef
    term: str
    days_recorded: int
    present: int  # present or late
    absent: int
    late: int
    excused: int
    recent_absences: tuple[dt.date, ...]  # newest first

    @property
    def percent_present(self) -> float:
        return round(100 * self.present / self.days_recorded, 1) if self.days_recorded else 0.0


@dataclass(frozen=True)
class SubjectScore:
    subject: str
    score: int
    grade: str
    points: int | None


@dataclass(frozen=True)
class ExamSummary:
    student: StudentRef
    exam: str
    term: str
    subjects: tuple[SubjectScore, ...]
    mean_score: float
    mean_grade: str
    strongest: str | None
    weakest: str | None


@dataclass(frozen=True)
class GuardianRef:
    """A phone as a guardian in one school, with the choices they made."""

    id: int
    school_id: int
    phone: str  # E.164
    name: str
    language: str  # "en" or "sw"
    reminders_on: bool
    announcements_on: bool = True
    channel: str = "sms"  # the preferred channel: "sms", "whatsapp" or "email"
    has_email: bool = False  # an address on file, so email may be chosen


@dataclass(frozen=True)
class TermRef:
    code: str  # YEAR-N
    starts_on: dt.date
    ends_on: dt.date
    due_on: dt.date


Cell = str | int | dt.date  # a report's cell: text, cents, or a date


@dataclass(frozen=True)
class ReportColumn:
    name: str
    kind: str  # "text", "date" or "money" (cents)


@dataclass(frozen=True)
class Report:
    """A table for a bursar's spreadsheet: money in cents, dates as dates, and a totals row summing every
    money column (None where a total would mean nothing)."""

    name: str  # the kind, as ``karo export`` names it
    title: str
    columns: tuple[ReportColumn, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[Cell, ...] | None
