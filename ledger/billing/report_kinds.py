"""Every report ``karo export`` and the dashboard make: the journal's registers (``ledger.books.registers``)
and bursaries by sponsor (pledged and received between the dates, outstanding at the last), which needs the
sponsors' own records."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ledger.billing.sponsor_periods import sponsor_periods
from ledger.books import registers
from ledger.books.registers import money_column, text_column, with_totals
from ledger.types import Cell, Report

KINDS = (*registers.KINDS, "sponsors")


def sponsors_report(session: Session, school_id: int, first: dt.date, last: dt.date) -> Report:
    """Each sponsor: students, pledged and received between the dates, outstanding and not yet credited
    as at the last (``ledger.billing.sponsor_periods``)."""
    columns = [text_column("Sponsor"), text_column("Kind"), text_column("Students"), money_column("Pledged")]
    columns += [money_column("Received"), money_column("Outstanding"), money_column("Not yet credited")]
    rows: list[tuple[Cell, ...]] = [
        (
            period.sponsor.name,
            period.sponsor.kind.value,
            str(period.students),
            period.pledged,
            period.received,
            period.outstanding,
            period.pending,
        )
        for period in sponsor_periods(session, school_id, first, last)
    ]
    return with_totals("sponsors", f"Bursaries by sponsor {first} to {last}", columns, rows)


def build_report(session: Session, school_id: int, kind: str, first: dt.date, last: dt.date) -> Report:
    """The report of ``kind`` (KINDS); a register is as at ``last``."""
    if kind == "sponsors":
        return sponsors_report(session, school_id, first, last)
    return registers.build_report(session, school_id, kind, first, last)
