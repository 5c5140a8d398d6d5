"""Tables of the double-entry journal: accounts, entries, lines, and the payments that cause entries."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.db import Base, UtcDateTime
from ledger.records.tables import _enum


class AccountKind(enum.StrEnum):
    RECEIVABLE = "receivable"  # per student x term x vote head: what the family owes
    CREDIT = "credit"  # per student: money paid ahead (a negative balance)
    INCOME = "income"  # per vote head
    MPESA = "mpesa"  # clearing for STK and Paybill
    CASH = "cash"
    BANK = "bank"  # bank deposits and cheques
    SUSPENSE = "suspense"  # money received that no student claims yet
    BURSARY = "bursary"  # bursaries and discounts granted
    OPENING = "opening"  # counterpart of imported opening balances
    SPONSOR = "sponsor"  # per sponsor: bursaries it pledged and has not yet paid
    TRANSFER = "transfer"  # a credit on its way between siblings: its two entries net it to zero at once


STUDENT_KINDS = (AccountKind.RECEIVABLE, AccountKind.CREDIT)


class EntryKind(enum.StrEnum):
    INVOICE = "invoice"
    PAYMENT = "payment"
    SUSPENSE_RECEIPT = "suspense_receipt"
    SUSPENSE_ALLOCATION = "suspense_allocation"
    BURSARY = "bursary"
    DISCOUNT = "discount"
    LATE_FEE = "late_fee"
    OPENING_BALANCE = "opening_balance"
    REVERSAL = "reversal"
    CHARGE = "charge"  # a one-off or optional charge to one student (transport, a uniform, a damage)
    REFUND = "refund"  # a student's credit paid back to the family
    CREDIT_TRANSFER = "credit_transfer"  # a student's credit moved to a sibling
    SPONSOR_RECEIPT = "sponsor_receipt"  # a sponsor's cheque for many students (no student of its own)


# Entries that raise what a family owes (the rest pay, credit, move or reverse).
CHARGE_KINDS = (EntryKind.INVOICE, EntryKind.OPENING_BALANCE, EntryKind.LATE_FEE, EntryKind.CHARGE)


class PaymentSource(enum.StrEnum):
    MPESA_STK = "mpesa_stk"
    MPESA_PAYBILL = "mpesa_paybill"
    CASH = "cash"
    BANK = "bank"
    CHEQUE = "cheque"


# Idempotency-key prefixes of the discounts Karo posts by its own rules (``ledger.billing``): a statement
# names them apart from a discount a bursar grants, though all are entries of kind DISCOUNT.
SIBLING_DISCOUNT_KEY = "sibling-discount:"
EARLY_DISCOUNT_KEY = "early-discount:"


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("school_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[AccountKind] = mapped_column(_enum(AccountKind))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"), index=True)
    term_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id"))
    vote_head_id: Mapped[int | None] = mapped_column(ForeignKey("vote_heads.id"))
    # Debits minus credits, kept only on student accounts (school accounts are hot rows and are summed).
    # ledger.books.checks.verify_cached_balances proves it equals the sum of lines.
    balance: Mapped[int] = mapped_column(BigInteger, default=0)


class Entry(Base):
    """One balanced journal entry. Never updated or deleted: mistakes are fixed by a reversal."""

    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("school_id", "idempotency_key"),
        Index("ix_entries_student_id_id", "student_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    kind: Mapped[EntryKind] = mapped_column(_enum(EntryKind))
    memo: Mapped[str] = mapped_column(String(200))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(80))
    idempotency_key: Mapped[str] = mapped_column(String(120))
    body_hash: Mapped[str] = mapped_column(String(64))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"))
    term_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"), unique=True)

    lines: Mapped[list[Line]] = relationship(back_populates="entry", order_by="Line.id")


class Line(Base):
    __tablename__ = "lines"
    __table_args__ = (
        CheckConstraint("debit >= 0 AND credit >= 0 AND (debit = 0) <> (credit = 0)", name="one_side"),
        Index("ix_lines_account_id_entry_id", "account_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    debit: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)

    entry: Mapped[Entry] = relationship(back_populates="lines")
    account: Mapped[Account] = relationship(lazy="joined")


class Payment(Base):
    """Money received. Its reference (M-Pesa receipt, bank slip, cash receipt no.) is unique per school,
    so one M-Pesa receipt seen by both an STK callback and a Paybill confirmation counts once."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("school_id", "reference"),
        UniqueConstraint("school_id", "receipt_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), index=True)
    source: Mapped[PaymentSource] = mapped_column(_enum(PaymentSource))
    reference: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(BigInteger)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"), index=True)
    account_text: Mapped[str | None] = mapped_column(String(40))  # what the payer typed
    payer: Mapped[str | None] = mapped_column(String(120))  # name or masked phone
    received_on: Mapped[dt.date] = mapped_column(Date)
    allocation_entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"), index=True)
    # The school's official receipt number (ledger.payments.receipts), taken when the payment is recorded.
    receipt_no: Mapped[str] = mapped_column(String(24))
    # Why a bursar should look at this payment (e.g. the M-Pesa statement does not show it); None: nothing.
    review_reason: Mapped[str | None] = mapped_column(String(120))
