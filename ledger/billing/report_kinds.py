"""Every report ``karo export`` and the dashboard make: the journal's registers (``ledger.books.registers``)
and bursaries by sponsor (pledged, received, outstanding), which needs the sponsors' own records."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ledger.billing.sponsors import sponsor_totals
from ledger.books import registers
from ledger.books.registers import money_column, text_column, with_totals
from ledger.types import Cell, Report

KINDS = (*registers.KINDS, "sponsors")


def sponsors_report(session: Session, school_id: int, as_of: dt.date) -> Report:
    """Each sponsor: students, pledged (credited), received (cheques), outstanding, not yet credited."""
    columns = [text_column("Sponsor"), text_column("Kind"), text_column("Students"), money_column("Pledged")]
    columns += [money_column("Received"), money_column("Outstanding"), money_column("Not yet credited")]
    rows: list[tuple[Cell, ...]] = [
        (
            totals.sponsor.name,
            totals.sponsor.kind.value,
            str(totals.students),
            totals.pledged,
            totals.received,
            totals.outstanding,
            totals.pending,
        )
        for totals in sponsor_totals(session, school_id)
    ]
    return with_totals("sponsors", f"Bursaries by sponsor as at {as_of}", columns, rows)


def build_report(session: Session, school_id: int, kind: str, first: dt.date, last: dt.date) -> Report:
    """The report of ``kind`` (KINDS); a register is as at ``last``."""
    if kind == "sponsors":
        return sponsors_report(session, school_id, last)
    return registers.build_report(session, school_id, kind, first, last)
