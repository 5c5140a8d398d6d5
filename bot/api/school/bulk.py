"""Bulk writes run through the CSV imports (``ledger.imports``), so the API checks each item exactly as
a file's row is checked, and writes all items or none. Item i is the file's line i + 2 (after the header)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.api.problems import Problem
from bot.api.school.auth import Caller
from bot.api.school.models import WriteReport
from ledger.clock import school_day
from ledger.imports import ImportRefused, import_csv
from ledger.records.tables import School
from ledger.staff.audit import audit

FIRST_LINE = 2  # the header is line 1


def _cell(value: str | int | None) -> str:
    # One physical line per item: a line break inside a value would shift every later line number.
    return "" if value is None else " ".join(str(value).split())


def as_csv(header: Sequence[str], rows: Sequence[Sequence[str | int | None]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return out.getvalue()


def write_items(
    session: Session,
    caller: Caller,
    kind: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str | int | None]],
    *,
    items: str,
) -> WriteReport:
    """Import the items as a ``kind`` file; any bad item refuses them all with a 422 naming each one."""
    now = dt.datetime.now(dt.UTC)
    school = session.get(School, caller.school_id)
    assert school is not None  # a live key's school exists (keys reference it)
    try:
        report = import_csv(
            session, school, kind, as_csv(header, rows), actor=caller.actor, today=school_day(now)
        )
    except ImportRefused as refused:
        errors = [
            {"location": f"body.{items}.{error.line - FIRST_LINE}", "message": error.reason}
            for error in refused.report.errors
        ]
        detail = f"Nothing was written: {len(errors)} bad item(s)." if errors else str(refused)
        raise Problem(422, "Invalid items", detail, errors=errors or None) from None
    written = WriteReport(
        items=report.rows, created=report.created, updated=report.updated, unchanged=report.unchanged
    )
    if report.created or report.updated:
        audit(
            session,
            school_id=caller.school_id,
            actor=caller.actor,
            action=f"api.{kind}",
            at=now,
            after=written.model_dump(),
        )
    session.commit()
    return written
