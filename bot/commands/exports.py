"""``karo export KIND``: the bursar's reports as CSV or Excel, to a file or (CSV) to standard output."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from bot.commands.support import Refused, find_school, open_services, parse_date
from bot.documents.spreadsheets import report_csv, report_xlsx
from ledger.billing.report_kinds import KINDS, build_report
from ledger.clock import school_day, utc_now


@click.command("export")
@click.argument("kind", type=click.Choice(KINDS), metavar="KIND")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--from", "start", help="First day (YYYY-MM-DD); default: 1 January of --to's year.")
@click.option("--to", "end", help="Last day, or the day a register is as at (YYYY-MM-DD); default: today.")
@click.option("--format", "form", type=click.Choice(("csv", "xlsx")), default="csv", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
def export(kind: str, slug: str, start: str | None, end: str | None, form: str, out: Path | None) -> None:
    """Export a report: collections, vote-heads, fees-register, cash-book, debtors or sponsors."""
    last = parse_date(end, "--to") if end else school_day(utc_now())
    first = parse_date(start, "--from") if start else dt.date(last.year, 1, 1)
    if first > last:
        raise Refused(f"--from {first} is after --to {last}")
    with open_services() as services, services.sessions() as session:
        school = find_school(session, slug)
        report = build_report(session, school.id, kind, first, last)
    if form == "xlsx":
        target = out or Path(f"{slug}-{kind}-{first}-to-{last}.xlsx")
        _write(target, report_xlsx(report))
        click.echo(f"{report.title}: {len(report.rows)} rows written to {target}")
    elif out is None:
        sys.stdout.write(report_csv(report).removeprefix("\ufeff"))
    else:
        _write(out, report_csv(report).encode("utf-8"))
        click.echo(f"{report.title}: {len(report.rows)} rows written to {out}")


def _write(target: Path, data: bytes) -> None:
    try:
        target.write_bytes(data)
    except OSError as error:
        raise Refused(f"cannot write {target}: {error.strerror or error}") from None
