"""Bringing a school's records in from CSV files: students, fees, opening balances, attendance, results,
enrolments in optional fee items.

Every row is checked before anything is written; a file with any bad row imports nothing and is refused
with every bad row as ``line N: reason``. Importing the same file again changes nothing. Writes go into
the caller's session, which the caller commits. Imports the rest of ``ledger``, SQLAlchemy and the
standard library only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from ledger.imports.attendance import AttendanceImport
from ledger.imports.balances import BalancesImport
from ledger.imports.bank import BankImport
from ledger.imports.bursaries import BursariesImport
from ledger.imports.core import Importer, ImportRefused, ImportReport, ImportScope, RowError, run_import
from ledger.imports.enrolments import EnrolmentsImport
from ledger.imports.fees import FeesImport
from ledger.imports.leavers import LeaversImport
from ledger.imports.mpesa_statement import MpesaStatementImport
from ledger.imports.results import ResultsImport
from ledger.imports.students import StudentsImport
from ledger.records.tables import School

__all__ = ["KINDS", "ImportRefused", "ImportReport", "RowError", "decode_csv", "import_csv"]

_IMPORTERS: dict[str, Callable[[ImportScope], Importer[Any]]] = {
    "students": StudentsImport,
    "fees": FeesImport,
    "balances": BalancesImport,
    "attendance": AttendanceImport,
    "results": ResultsImport,
    "leavers": LeaversImport,
    "enrolments": EnrolmentsImport,
    "bursaries": BursariesImport,
    "bank": BankImport,
    "mpesa-statement": MpesaStatementImport,
}
KINDS = tuple(_IMPORTERS)


def import_csv(
    session: Session,
    school: School,
    kind: str,
    text: str,
    *,
    actor: str,
    today: dt.date,
    layout: str | None = None,
) -> ImportReport:
    """Import one CSV file of ``kind`` into the school, all rows or none.

    ``today`` places opening balances and results in the current term; ``layout`` names a bank
    statement's layout (found from its header when None). Raises ImportRefused (with the
    report) for an unknown kind, a header without a required column, or any bad row.
    """
    make = _IMPORTERS.get(kind.strip().lower())
    if make is None:
        message = f"unknown import kind {kind!r}; choose one of {', '.join(KINDS)}"
        raise ImportRefused(ImportReport(kind, 0), message)
    scope = ImportScope(session, school, actor, today, layout)
    return run_import(make(scope), kind.strip().lower(), text)


def decode_csv(data: bytes, kind: str = "csv") -> str:
    """The file's text as UTF-8 (a byte-order mark is dropped later), or ImportRefused if it is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as bad:
        message = (
            f"the {kind} file is not UTF-8 (byte {bad.start + 1}); "
            "save it from the spreadsheet as 'CSV UTF-8' and try again"
        )
        raise ImportRefused(ImportReport(kind, 0), message) from None
