"""``karo bursary``: a sponsor's award to a student for a term, and a sponsor's cheque for many students."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.commands.records import read_csv_text
from bot.commands.reminders import find_student
from bot.commands.support import Refused, audit_cli, cli_actor, find_school, open_services, parse_date
from ledger.billing.award_limits import AwardTerms, credited_amount
from ledger.billing.bursaries import award_bursary, award_state, fresh_award_key, request_key
from ledger.billing.sponsor_cheques import InvalidCheque, record_cheque
from ledger.billing.sponsor_tables import SponsorKind
from ledger.billing.sponsors import sponsor_named
from ledger.books.balances import total_owed
from ledger.db import transaction
from ledger.imports import ImportRefused
from ledger.imports.bursaries import award_amount, cheque_lines
from ledger.imports.core import BadRow
from ledger.money import kes
from ledger.records.tables import School, Term, VoteHead
from ledger.records.terms import find_term, parse_term_code


@click.group()
def bursary() -> None:
    """Bursaries, sponsorships, scholarships and waivers."""


@bursary.command("add")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--student", "admission_no", required=True, help="The student's admission number.")
@click.option("--term", "code", required=True, help="YEAR-N, e.g. 2026-1.")
@click.option("--sponsor", "sponsor_name", required=True, help="Who pays: NG-CDF Kibra, Nairobi County...")
@click.option("--amount", help="A fixed amount in KES (5000 or 5,000.50).")
@click.option("--percent", help="A share of the term's fees (or of --vote-head's): 50 or 12.5%.")
@click.option("--vote-head", "head_name", help="Only this vote head (default: the term's fees).")
@click.option("--conditional", is_flag=True, help="A pledge: credited only once confirmed on the dashboard.")
@click.option("--valid-from", help="The first day it may be credited, YYYY-MM-DD.")
@click.option("--valid-until", help="The last day it may be credited, YYYY-MM-DD.")
@click.option("--sponsor-kind", type=click.Choice([k.value for k in SponsorKind]), help="For a new sponsor.")
def add(
    slug: str,
    admission_no: str,
    code: str,
    sponsor_name: str,
    amount: str | None,
    percent: str | None,
    head_name: str | None,
    conditional: bool,
    valid_from: str | None,
    valid_until: str | None,
    sponsor_kind: str | None,
) -> None:
    """Award a bursary; the same command again changes nothing (after a reversal it awards afresh)."""
    if (amount is None) == (percent is None):
        raise Refused("give --amount KES or --percent P, one of the two")
    cents, basis_points = _amount(amount, percent)
    today = dt.date.today()
    with open_services() as services, transaction(services.sessions) as session:
        found = find_school(session, slug)
        student = find_student(session, found.id, admission_no)
        term = _term(session, found, code)
        terms = AwardTerms(
            amount=cents,
            percent_bp=basis_points,
            vote_head=_head(session, found, head_name),
            conditional=conditional,
            valid_from=parse_date(valid_from, "--valid-from") if valid_from else None,
            valid_until=parse_date(valid_until, "--valid-until") if valid_until else None,
        )
        terms.check()
        sponsor, _ = sponsor_named(
            session, found.id, sponsor_name, SponsorKind(sponsor_kind) if sponsor_kind else None
        )
        key = fresh_award_key(session, found.id, request_key(student, term, sponsor, terms))
        award, made = award_bursary(
            session,
            student,
            term,
            sponsor,
            terms,
            key=key,
            actor=cli_actor(),
            on=today,
            at=dt.datetime.now(dt.UTC),
        )
        state = award_state(session, award, today)
        credited = credited_amount(session, award)
        if made:
            after: dict[str, object] = {"student": student.admission_no, "term": term.code}
            after |= {"sponsor": sponsor.name}
            after |= {"amount": cents, "percent_bp": basis_points, "credited": credited, "state": state.value}
            audit_cli(session, found.id, "bursary.add", target=f"award:{award.id}", after=after)
        balance = total_owed(session, student.id)
    what = kes(credited, always_cents=True) + " credited" if credited else state.value
    news = "" if made else " (already awarded: nothing changed)"
    click.echo(
        f"Bursary from {sponsor.name} for {student.admission_no} ({student.name}), term {term.code}: "
        f"{what}; balance {kes(balance, always_cents=True)}{news}"
    )


@bursary.command("cheque")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--sponsor", "sponsor_name", required=True, help="Who sent the cheque.")
@click.option("--term", "code", required=True, help="YEAR-N, e.g. 2026-1.")
@click.option("--reference", required=True, help="The cheque (or transfer) number.")
@click.option("--on", "received", help="The day it was received, YYYY-MM-DD (default: today).")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def cheque(slug: str, sponsor_name: str, code: str, reference: str, received: str | None, file: Path) -> None:
    """Record a sponsor's cheque once, split over the students in FILE (admission_no,amount)."""
    text = read_csv_text(file)
    on = parse_date(received, "--on") if received else dt.date.today()
    with open_services() as services, transaction(services.sessions) as session:
        found = find_school(session, slug)
        term = _term(session, found, code)
        try:
            lines = cheque_lines(session, found.id, text)
        except ImportRefused as refused:
            for error in refused.report.errors:
                click.echo(str(error), err=True)
            raise Refused(f"nothing recorded from {file}: {len(refused.report.errors)} bad line(s)") from None
        sponsor, _ = sponsor_named(session, found.id, sponsor_name)
        try:
            recorded, made = record_cheque(
                session,
                sponsor,
                term,
                reference,
                lines,
                received_on=on,
                actor=cli_actor(),
                at=dt.datetime.now(dt.UTC),
            )
        except InvalidCheque as refused:
            for problem in refused.problems:
                click.echo(problem, err=True)
            raise Refused(f"nothing recorded from {file}: {refused}") from None
        if made:
            after: dict[str, object] = {"sponsor": sponsor.name, "reference": recorded.reference}
            after |= {"amount": recorded.amount}
            after |= {"students": len(lines), "term": term.code}
            audit_cli(session, found.id, "bursary.cheque", target=f"cheque:{recorded.id}", after=after)
    news = "" if made else " (already recorded: nothing changed)"
    click.echo(
        f"Cheque {recorded.reference} from {sponsor.name}: {kes(recorded.amount, always_cents=True)} "
        f"over {len(lines)} students{news}"
    )


def _amount(amount: str | None, percent: str | None) -> tuple[int | None, int | None]:
    try:
        if percent is not None:
            return award_amount(
                percent if percent.strip().endswith("%") else percent.strip() + "%", "--percent"
            )
        return award_amount(amount or "", "--amount")
    except BadRow as bad:
        raise Refused(str(bad)) from None


def _term(session: Session, school: School, code: str) -> Term:
    term = find_term(session, school.id, *parse_term_code(code))
    if term is None:
        raise Refused(f"{school.slug} has no term {code} yet: import its fees first (karo import fees ...)")
    return term


def _head(session: Session, school: School, name: str | None) -> VoteHead | None:
    if name is None:
        return None
    heads = session.scalars(select(VoteHead).where(VoteHead.school_id == school.id))
    found = {head.name.casefold(): head for head in heads}.get(" ".join(name.split()).casefold())
    if found is None:
        raise Refused(f"--vote-head: no vote head {name!r} in {school.slug}")
    return found
