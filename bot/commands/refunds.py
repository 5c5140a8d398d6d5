"""``karo refund``: paying a student's credit back to the family (cash, cheque, bank or M-Pesa)."""

from __future__ import annotations

import click

from bot.commands.leavers import find_student
from bot.commands.support import Refused, audit_cli, cli_actor, find_school, open_services, parse_date
from ledger.billing.refunds import Refund, RefundMethod, credit_of, refund_credit
from ledger.clock import school_day, utc_now
from ledger.db import transaction
from ledger.imports.core import BadRow
from ledger.imports.fields import amount_cents
from ledger.money import kes


@click.command("refund")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--student", "admission_no", required=True, help="The student's admission number.")
@click.option("--amount", required=True, help="KES paid back, e.g. 1500 or 1,500.50 (at most the credit).")
@click.option(
    "--method", required=True, type=click.Choice([m.value for m in RefundMethod]), help="How it was paid."
)
@click.option("--reference", required=True, help="Cheque number, bank or M-Pesa transaction id, or voucher.")
@click.option("--on", "on", help="The day it was paid, YYYY-MM-DD (default: today in Nairobi).")
def refund(slug: str, admission_no: str, amount: str, method: str, reference: str, on: str | None) -> None:
    """Refund part or all of a student's credit; the same reference again records nothing twice."""
    try:
        cents = amount_cents(amount, "--amount")
    except BadRow as bad:
        raise Refused(str(bad)) from None
    day = parse_date(on, "--on") if on is not None else school_day(utc_now())
    paid = Refund(RefundMethod(method), reference, cents, day)
    with open_services() as services, transaction(services.sessions) as session:
        found = find_student(session, find_school(session, slug), admission_no)
        before = credit_of(session, found)
        entry, created = refund_credit(session, found, paid, actor=cli_actor())
        after = credit_of(session, found)
        if created:
            audit_cli(
                session,
                found.school_id,
                "credit.refund",
                target=f"entry:{entry.id}",
                before={"student": found.admission_no, "credit": before},
                after={
                    "student": found.admission_no,
                    "credit": after,
                    "amount": cents,
                    "method": method,
                    "reference": reference.strip().upper(),
                },
            )
    said = "refunded" if created else "already recorded:"
    click.echo(
        f"{found.admission_no} {found.name}: {said} {kes(cents, always_cents=True)} by {method}; "
        f"credit left {kes(after, always_cents=True)}"
    )
