"""``karo payment reverse``: a payment taken off the child it reached, its money back to suspense (the
default), to another child, or voided; above the school's amount, a request the head approves on the
dashboard. The request (and its approval) are audited by ``ledger.staff.approvals`` with the actor."""

from __future__ import annotations

import datetime as dt
import hashlib

import click

from bot.commands.reminders import find_student
from bot.commands.support import Refused, cli_actor, find_school, open_services
from ledger.books.tables import Payment
from ledger.db import transaction
from ledger.money import kes
from ledger.payments.corrections import Destination, find_payment
from ledger.staff.approvals import (
    Actor,
    RequestStatus,
    Reversal,
    ReversalRequest,
    approval_above,
    ask_to_reverse,
)


@click.group()
def payment() -> None:
    """Payments already recorded."""


@payment.command("reverse")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--receipt", required=True, help="The M-Pesa receipt, or the bank or cash reference.")
@click.option("--reason", required=True, help="Why (kept with the reversal, and told to the family).")
@click.option("--to-suspense", is_flag=True, help="The money goes back to suspense (the default).")
@click.option("--to-student", "to_adm", metavar="ADM", help="The money goes to this child instead.")
@click.option("--void", is_flag=True, help="The money never arrived (a bounced cheque, a mis-keyed entry).")
def reverse(slug: str, receipt: str, reason: str, to_suspense: bool, to_adm: str | None, void: bool) -> None:
    """Reverse a payment, once: running it again with the same options says what became of it."""
    if to_suspense + void + (to_adm is not None) > 1:
        raise Refused("choose one of --to-suspense, --to-student ADM and --void")
    destination = Destination.VOID if void else Destination.STUDENT if to_adm else Destination.SUSPENSE
    with open_services() as services, transaction(services.sessions) as session:
        school = find_school(session, slug)
        paid = find_payment(session, school.id, receipt)
        to = find_student(session, school.id, to_adm) if to_adm else None
        asked = Reversal(reason, payment=paid, destination=destination, to_student=to)
        request, created = ask_to_reverse(
            session,
            school,
            asked,
            key=_key(paid, destination, to_adm, reason),
            actor=Actor(cli_actor()),
            now=dt.datetime.now(dt.UTC),
        )
        said = _outcome(request, destination, to_adm, approval_above(school))
    click.echo(said if created else f"Asked already (request #{request.id}): {said}")


def _key(paid: Payment, destination: Destination, to_adm: str | None, reason: str) -> str:
    """The same command run again is the same request (a retry), whatever the payment has become since."""
    asked = "\n".join([destination.value, (to_adm or "").upper(), " ".join(reason.split())])
    return f"cli:p{paid.id}:{hashlib.sha256(asked.encode()).hexdigest()[:32]}"


def _outcome(request: ReversalRequest, destination: Destination, to_adm: str | None, above: int) -> str:
    amount, limit = kes(request.amount, always_cents=True), kes(above, always_cents=True)
    if request.status == RequestStatus.PENDING:
        return (
            f"Waiting for the head: reversing {request.what} ({amount}) is above {limit}, "
            f"so request #{request.id} needs the head's approval on the dashboard (Approvals)"
        )
    if request.status == RequestStatus.REJECTED:
        return f"Request #{request.id} to reverse {request.what} was rejected by {request.decided_by}"
    went = {
        Destination.SUSPENSE: "back in suspense",
        Destination.STUDENT: f"moved to {(to_adm or '').upper()}",
        Destination.VOID: "voided",
    }[destination]
    return f"Reversed {request.what} ({amount}): {went}"
