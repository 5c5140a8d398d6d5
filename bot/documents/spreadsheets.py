"""Reports as a spreadsheet opens them: CSV (UTF-8 with a byte-order mark, as Excel expects) or Excel
(openpyxl: money as real number cells in KES with two decimals, dates as dates, a bold totals row).

Text that a spreadsheet would run as a formula (a name typed as ``=HYPERLINK(...)``) stays text: a
quote before it in CSV, a string cell in Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ledger.types import Cell, Report

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
TITLE_LIMIT = 31  # Excel's longest sheet name


def text_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def amount_cell(cents: int) -> str:
    """KES with two decimals and no thousands separator, as spreadsheets read numbers."""
    cents = int(cents)
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _csv_value(kind: str, value: Cell) -> str:
    if kind == "money" and isinstance(value, int):
        return amount_cell(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return text_cell(str(value))


def report_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.name for column in report.columns])
    rows = list(report.rows) + ([report.totals] if report.totals is not None else [])
    for row in rows:
        writer.writerow([_csv_value(c.kind, value) for c, value in zip(report.columns, row, strict=True)])
    return "\ufeff" + buffer.getvalue()


def report_xlsx(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = report.name[:TITLE_LIMIT]
    sheet.append([report.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([column.name for column in report.columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in report.rows:
        _append(sheet, report, row)
    if report.totals is not None:
        _append(sheet, report, report.totals)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index, column in enumerate(report.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(column.name) + 4))
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _append(sheet: Worksheet, report: Report, row: tuple[Cell, ...]) -> None:
    sheet.append([None] * len(report.columns))
    line = sheet.max_row
    for index, (column, value) in enumerate(zip(report.columns, row, strict=True), start=1):
        cell = sheet.cell(row=line, column=index)
        if column.kind == "money" and isinstance(value, int):
            cell.value = Decimal(value) / 100
            cell.number_format = MONEY_FORMAT
        elif isinstance(value, dt.date):
            cell.value = value
            cell.number_format = "yyyy-mm-dd"
        else:
            cell.value = str(value)
            cell.data_type = "s"  # never a formula, whatever it starts with
