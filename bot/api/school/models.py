"""What the school API answers: money in integer cents (KES x 100), dates ISO 8601, times in UTC."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field


class GuardianOut(BaseModel):
    id: int
    name: str
    phone: str
    language: str


class ClassOut(BaseModel):
    id: int
    name: str


class StudentOut(BaseModel):
    id: int
    admission_no: str
    name: str
    school_class: ClassOut = Field(serialization_alias="class")
    status: Literal["active", "left"]
    left_on: dt.date | None = None
    leave_reason: str | None = None
    guardians: list[GuardianOut]
    updated_at: dt.datetime


class TermOut(BaseModel):
    id: int
    code: str = Field(description="YEAR-N, e.g. 2026-1")
    year: int
    number: int
    starts_on: dt.date
    ends_on: dt.date
    due_on: dt.date


class FeeLine(BaseModel):
    class_id: int
    class_name: str
    vote_head: str
    amount: int = Field(description="cents")
    optional: bool


class FeeStructureOut(BaseModel):
    term: TermOut
    lines: list[FeeLine]


class VoteHeadOwed(BaseModel):
    vote_head: str
    balance: int


class BalanceOut(BaseModel):
    student_id: int
    admission_no: str
    total: int = Field(description="cents; positive owed, negative credit carried forward")
    credit: int
    due_on: dt.date | None
    by_vote_head: list[VoteHeadOwed]


class StatementLineOut(BaseModel):
    entry_id: int
    on: dt.date
    description: str
    kind: str
    charged: int
    paid: int
    balance: int
    receipt: str | None


class StatementOut(BaseModel):
    student_id: int
    opening: int
    closing: int
    lines: list[StatementLineOut]


class PaymentOut(BaseModel):
    id: int
    receipt_no: str
    reference: str
    source: str
    amount: int
    student_id: int | None
    received_on: dt.date
    payer: str | None
    recorded_at: dt.datetime
    reversed: bool


class PaymentIn(BaseModel):
    """Money received by hand: cash, a bank deposit or a cheque (M-Pesa arrives by itself)."""

    admission_no: str = Field(min_length=1, max_length=20)
    amount: int = Field(gt=0, le=100_000_000_00, description="cents")
    source: Literal["cash", "bank", "cheque"]
    reference: str | None = Field(
        default=None, max_length=30, description="The deposit slip or cheque number; cash may leave it out."
    )
    received_on: dt.date
    payer: str | None = Field(default=None, max_length=120)


class BursaryOut(BaseModel):
    id: int
    student_id: int
    term_id: int
    sponsor: str
    amount: int | None = Field(description="cents, or None when given as a percentage")
    percent: float | None
    vote_head: str | None
    withdrawn_on: dt.date | None


class MessageOut(BaseModel):
    id: int
    student_id: int | None
    guardian_id: int | None
    phone: str
    channel: str
    category: str
    body: str
    status: str
    failure_reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class WriteReport(BaseModel):
    """What a bulk write did, item by item counted (a bulk write with any bad item writes nothing)."""

    items: int
    created: int
    updated: int
    unchanged: int
