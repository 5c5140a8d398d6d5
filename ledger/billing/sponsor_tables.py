"""Tables of bursaries and sponsorships: who sponsors (a county, NG-CDF, a church, a company, the school
itself), what each awarded a student for a term, and the cheques sponsors pay for many students at once.

The money itself is in the journal: an award credited is a BURSARY entry (Dr the sponsor's account, or the
school's bursary account for its own waivers; Cr the student's receivables), a cheque one entry (Dr bank,
Cr the sponsor's account). These rows say why each entry was posted and what is still only pledged.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base, UtcDateTime
from ledger.records.tables import _enum


class SponsorKind(enum.StrEnum):
    COUNTY = "county"  # a county government bursary
    CDF = "cdf"  # the constituency's NG-CDF bursary
    CHURCH = "church"
    COMPANY = "company"
    SCHOOL = "school"  # the school's own scholarships and waivers: no cheque ever comes
    OTHER = "other"


class Sponsor(Base):
    __tablename__ = "sponsors"
    __table_args__ = (UniqueConstraint("school_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80))  # case-folded, spaces tidied: one sponsor per name
    kind: Mapped[SponsorKind] = mapped_column(_enum(SponsorKind))
    # What the sponsor owes the school (kind SPONSOR); None for the school itself (its waivers are its cost).
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), server_default=func.now())


class BursaryAward(Base):
    """A sponsor's award to one student for one term: a fixed amount or a percentage (basis points) of the
    term's fees, or of one vote head's. Credited (``entry_id``) once the term is invoiced and, when
    conditional, confirmed; never edited after: a mistake is withdrawn (not yet credited) or reversed."""

    __tablename__ = "bursary_awards"
    __table_args__ = (UniqueConstraint("school_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id"))
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    amount: Mapped[int | None] = mapped_column(BigInteger)
    percent_bp: Mapped[int | None] = mapped_column(Integer)
    vote_head_id: Mapped[int | None] = mapped_column(ForeignKey("vote_heads.id"))
    conditional: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_on: Mapped[dt.date | None] = mapped_column(Date)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"), unique=True)
    key: Mapped[str] = mapped_column(String(120))
    body_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), server_default=func.now())


class SponsorCheque(Base):
    """One cheque (or transfer) from a sponsor for many students: one entry, split by its lines."""

    __tablename__ = "sponsor_cheques"
    __table_args__ = (UniqueConstraint("sponsor_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id"))
    reference: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[dt.date] = mapped_column(Date)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), unique=True)


class SponsorChequeLine(Base):
    """What one cheque brought for one student."""

    __tablename__ = "sponsor_cheque_lines"
    __table_args__ = (UniqueConstraint("cheque_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cheque_id: Mapped[int] = mapped_column(ForeignKey("sponsor_cheques.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
