"""``karo close``: a school day's close as text (what came in by method, the receipts first to last,
suspense, reversals), as the dashboard's close page shows it."""

from __future__ import annotations

import click

from bot.commands.support import Refused, find_school, open_services, parse_date
from ledger.clock import school_day, utc_now
from ledger.db import transaction
from ledger.money import kes
from ledger.payments.daily_close import ClosedReceipt, DailyClose, daily_close

ROW = "{:<16}  {:>6}  {:>16}"


@click.command("close")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--day", "day_text", help="The school day (YYYY-MM-DD, Nairobi); default: today.")
def close(slug: str, day_text: str | None) -> None:
    """Print the daily close of a school day."""
    today = school_day(utc_now())
    day = parse_date(day_text, "--day") if day_text else today
    if day > today:
        raise Refused(f"--day {day} has not come yet (today is {today} in Nairobi)")
    with open_services() as services, transaction(services.sessions) as session:
        school = find_school(session, slug)
        text = close_text_lines(school.name, daily_close(session, school.id, day))
    click.echo(text)


def close_text_lines(school_name: str, close: DailyClose) -> str:
    """The close as plain text lines, one section after another."""
    out = [f"{school_name}: daily close for {close.day.strftime('%a %d %b %Y')}", ""]
    out.append(ROW.format("Method", "Count", "Amount"))
    out += [ROW.format(m.label, m.count, _figure(m.amount)) for m in close.methods]
    out.append(ROW.format("Total", sum(m.count for m in close.methods), _figure(close.total)))
    out += ["", _receipts_summary(close), *map(_receipt_line, close.receipts), ""]
    out.append(
        f"Suspense: {_figure(close.suspense_today)} received this day still unmatched "
        f"({close.suspense_count_today}); {_figure(close.suspense_total)} waiting in all."
    )
    out.append(f"Reversals: {len(close.reversals) or 'none'}")
    for r in close.reversals:
        taken = f"{r.receipt} ({r.method} {r.reference}, {r.received_on}) {_figure(r.amount)}"
        out.append(f"  {taken}: {r.outcome}; {r.reason} (by {r.by})")
    for cheque in close.cheques:
        out.append(
            f"Sponsor cheque {cheque.reference} from {cheque.sponsor}: {_figure(cheque.amount)} "
            "(not in the receipts above)"
        )
    return "\n".join(out)


def _receipt_line(receipt: ClosedReceipt) -> str:
    status = " CANCELLED" if receipt.cancelled else (" in suspense" if receipt.in_suspense else "")
    amount = _figure(receipt.amount)
    who = receipt.student or "(no student yet)"
    return f"  {receipt.number}  {receipt.method:<14}  {receipt.reference:<14}  {amount:>14}  {who}{status}"


def _receipts_summary(close: DailyClose) -> str:
    if not close.receipts:
        return "Receipts: none issued."
    cancelled = f", {len(close.cancelled)} cancelled" if close.cancelled else ""
    return f"Receipts {close.first_receipt} to {close.last_receipt}: {len(close.receipts)}{cancelled}"


def _figure(cents: int) -> str:
    return kes(cents, always_cents=True)
