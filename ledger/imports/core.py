"""What every import shares: the report, reading the CSV, and check-every-row-then-apply."""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from sqlalchemy.orm import Session

from ledger.errors import LedgerError
from ledger.records.tables import School

P = TypeVar("P")


@dataclass(frozen=True)
class RowError:
    """Why one line of the file was refused; the header is line 1."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class ImportReport:
    kind: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: tuple[RowError, ...] = ()
    notes: tuple[str, ...] = ()  # what else the import did, in a bursar's words


class ImportRefused(LedgerError):
    """The file was not imported at all; ``report.errors`` says which lines to fix and why."""

    def __init__(self, report: ImportReport, message: str | None = None) -> None:
        if message is None:
            bad = len(report.errors)
            lines = "\n".join(str(error) for error in report.errors)
            message = f"nothing imported: {bad} bad {'row' if bad == 1 else 'rows'}\n{lines}"
        super().__init__(message)
        self.report = report


class BadRow(LedgerError):
    """Raised while checking a row; becomes a RowError with the row's line number."""


class RowChange(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Row:
    line: int
    cells: dict[str, str]
    overflow: bool = False  # more values than the header has columns

    def get(self, column: str) -> str:
        """The cell, stripped; empty for an optional column the file does not have."""
        return (self.cells.get(column) or "").strip()


@dataclass(frozen=True)
class ImportScope:
    session: Session
    school: School
    actor: str
    today: dt.date
    layout: str | None = None  # a bank statement's named layout (ledger.payments.bank_layouts)


class Importer(ABC, Generic[P]):
    """One kind of file: ``check`` reads a row into a plan without writing; ``apply`` writes a plan."""

    required: ClassVar[tuple[str, ...]]
    optional: ClassVar[tuple[str, ...]] = ()

    def __init__(self, ctx: ImportScope) -> None:
        self.ctx = ctx

    @abstractmethod
    def check(self, row: Row) -> P: ...

    @abstractmethod
    def apply(self, plan: P) -> RowChange: ...

    def rows(self, kind: str, text: str) -> Iterator[Row]:
        """The file's data rows keyed by this kind's column names (a bank statement maps its own)."""
        return read_rows(kind, text, self.required, self.optional)

    def notes(self) -> tuple[str, ...]:
        """What else applying did that the counts do not say (e.g. items made optional)."""
        return ()

    def apply_all(self, plans: list[P]) -> list[RowChange]:
        """Write every plan, in file order; an importer that can write in bulk does it here instead."""
        return [self.apply(plan) for plan in plans]


def header_name(text: str) -> str:
    """``" Admission No "`` -> ``admission_no``: headers are matched ignoring case and spacing."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower().rstrip(".")).strip("_")


def read_rows(kind: str, text: str, required: tuple[str, ...], optional: tuple[str, ...]) -> Iterator[Row]:
    """The file's data rows keyed by column name, one at a time (a school's register need not all be held
    as rows at once), or ImportRefused, at once, for a header that will not do."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = [header_name(cell) for cell in next(reader, [])]
    while header and not header[-1]:
        header.pop()  # spreadsheets often save trailing empty columns
    _check_header(kind, header, required, optional)
    return data_rows(reader, header)


def after_preamble(
    text: str, is_header: Callable[[list[str]], bool], search: int = 30
) -> tuple[list[str], Iterator[list[str]]] | None:
    """A statement's header (names as ``header_name`` makes them) and a reader positioned after it: a bank
    or M-Pesa export often starts with lines about the account. None when no line of the first ``search``
    is a header."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    for _ in range(search):
        cells = next(reader, None)
        if cells is None:
            return None
        header = [header_name(cell) for cell in cells]
        while header and not header[-1]:
            header.pop()
        if is_header(header):
            return header, reader
    return None


def data_rows(reader: Iterator[list[str]], header: list[str]) -> Iterator[Row]:
    """Each non-blank line after the header as a Row keyed by the header's names."""
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines (often trailing) are not rows
        overflow = any(cell.strip() for cell in cells[len(header) :])
        yield Row(reader.line_num, dict(zip(header, cells, strict=False)), overflow)  # type: ignore[attr-defined]


def _check_header(kind: str, header: list[str], required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    expected = ",".join(required) + "".join(f"[,{name}]" for name in optional)
    problems = []
    if not any(header):
        problems.append(f"the first line must be the header: {expected}")
    else:
        missing = [name for name in required if name not in header]
        unknown = [name for name in header if name not in required + optional]
        repeated = [name for name, n in Counter(header).items() if n > 1]
        if missing:
            problems.append(f"missing column {', '.join(missing)}; a {kind} file has {expected}")
        if unknown:
            problems.append(f"unknown column {', '.join(unknown) or '(blank)'}; a {kind} file has {expected}")
        if repeated:
            problems.append(f"column {', '.join(repeated)} appears more than once")
    if problems:
        raise ImportRefused(ImportReport(kind, 0, errors=tuple(RowError(1, p) for p in problems)))


def run_import(importer: Importer[P], kind: str, text: str) -> ImportReport:
    """Check every row; if any is bad raise ImportRefused listing them all, else apply them all."""
    rows = importer.rows(kind, text)
    plans: list[P] = []
    errors: list[RowError] = []
    read = 0
    for read, row in enumerate(rows, start=1):  # noqa: B007 (read is the count after the loop)
        try:
            if row.overflow:
                raise BadRow("has more values than the header has columns")
            plans.append(importer.check(row))
        except BadRow as bad:
            errors.append(RowError(row.line, str(bad)))
    if errors:
        raise ImportRefused(ImportReport(kind, read, errors=tuple(errors)))
    # A savepoint, so that a failure part-way leaves the caller's session as it was before the import.
    with importer.ctx.session.begin_nested():
        outcomes = Counter(importer.apply_all(plans))
    return ImportReport(
        kind,
        read,
        created=outcomes[RowChange.CREATED],
        updated=outcomes[RowChange.UPDATED],
        unchanged=outcomes[RowChange.UNCHANGED],
        notes=importer.notes(),
    )
