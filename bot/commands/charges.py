"""``karo charge``: a one-off charge (an admission fee, a uniform, a damage) to one student or a class.

Its key is made from what was asked (school, student or class, vote head, amount, memo, term) and the
day in Nairobi: the same command run twice by mistake the same day returns the first charges and posts
nothing new (it says so, and exits 0: the books are as intended). Charging the same thing again on
purpose the same day needs a memo that says which (``Uniform: second set``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.commands.records import classes_named
from bot.commands.reminders import find_student
from bot.commands.support import Refused, audit_cli, cli_actor, find_school, open_services
from ledger.billing.charges import Charge, charge_class, charge_student
from ledger.clock import school_day, utc_now
from ledger.db import transaction
from ledger.imports.core import BadRow
from ledger.imports.fields import amount_cents
from ledger.money import kes
from ledger.records.tables import School, Student, Term, VoteHead
from ledger.records.terms import current_term, find_term, parse_term_code


@click.command("charge")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--student", "admission_no", help="One student's admission number.")
@click.option("--class", "class_name", help="Every active student of a class.")
@click.option("--vote-head", "head_name", required=True, help="The vote head charged, e.g. Uniform.")
@click.option("--amount", required=True, help="KES per student, e.g. 2500 or 2,500.50.")
@click.option("--memo", required=True, help="What it is for, as the family's statement shows it.")
@click.option("--term", "code", help="YEAR-N (default: the current term).")
@click.option("--new-vote-head", is_flag=True, help="Create the vote head if the school has none so named.")
def charge(
    slug: str,
    admission_no: str | None,
    class_name: str | None,
    head_name: str,
    amount: str,
    memo: str,
    code: str | None,
    new_vote_head: bool,
) -> None:
    """Charge one student (--student) or a whole class (--class); the same command twice a day posts once."""
    if (admission_no is None) == (class_name is None):
        raise Refused("name either --student ADM or --class C (one of them)")
    cents, memo = _amount(amount), " ".join(memo.split())
    today = school_day(utc_now())
    with open_services() as services, transaction(services.sessions) as session:
        school = find_school(session, slug)
        term = _term(session, school, code, today)
        head = _vote_head(session, school, head_name, new_vote_head)
        what = Charge(term, head, cents, memo, today)
        target = f"student {admission_no}" if admission_no else f"class {class_name}"
        key = charge_key(school, target, what)
        if admission_no is not None:
            student = find_student(session, school.id, admission_no)
            _, created = charge_student(session, student, what, key=key, actor=cli_actor())
            charged = [student] if created else []
            already = [] if created else [student]
            target = f"student:{student.id}"
        else:
            (school_class,) = classes_named(session, school, class_name)
            run = charge_class(session, school_class, what, key=key, actor=cli_actor())
            charged, already = [s for s, _ in run.charged], [s for s, _ in run.already]
            target = f"class:{school_class.id}"
        if charged:
            after = _snapshot(what, charged)
            audit_cli(session, school.id, "charge.post", target=f"{target}:term:{term.id}", after=after)
    click.echo(_said(what, charged, already))


def charge_key(school: School, target: str, what: Charge) -> str:
    """The day's key for this exact command: a mistaken rerun finds it, another charge does not."""
    asked = [school.id, target.casefold(), what.term.id, what.head.id, what.amount, what.memo]
    digest = hashlib.sha256(json.dumps(asked).encode()).hexdigest()[:16]
    return f"charge:cli:{what.on.isoformat()}:{digest}"


def _amount(text: str) -> int:
    try:
        cents = amount_cents(text, "--amount")
    except BadRow as bad:
        raise Refused(str(bad)) from None
    if cents <= 0:
        raise Refused(f"--amount: {text!r} must be more than zero")
    return cents


def _term(session: Session, school: School, code: str | None, today: dt.date) -> Term:
    if code is None:
        found = current_term(session, school.id, today)
        if found is None:
            raise Refused(f"{school.slug} has no term on {today}: name one with --term YEAR-N")
        return found
    found = find_term(session, school.id, *parse_term_code(code))
    if found is None:
        raise Refused(f"{school.slug} has no term {code} yet (karo term set or karo import fees makes one)")
    return found


def _vote_head(session: Session, school: School, name: str, create: bool) -> VoteHead:
    name = " ".join(name.split())
    if not 0 < len(name) <= 60:
        raise Refused("--vote-head: give the vote head's name (at most 60 characters)")
    heads = session.scalars(select(VoteHead).where(VoteHead.school_id == school.id)).all()
    found = next((head for head in heads if head.name.casefold() == name.casefold()), None)
    if found is not None:
        return found
    if not create:
        known = ", ".join(sorted(head.name for head in heads)) or "none yet"
        raise Refused(f"--vote-head: {school.slug} has no vote head {name!r} ({known}); add --new-vote-head")
    last = session.scalar(select(func.max(VoteHead.priority)).where(VoteHead.school_id == school.id))
    made = VoteHead(school_id=school.id, name=name, priority=(last or 0) + 10)  # paid after the others
    session.add(made)
    session.flush()
    return made


def _snapshot(what: Charge, charged: list[Student]) -> dict[str, object]:
    return {
        "vote_head": what.head.name,
        "term": what.term.code,
        "amount": what.amount,
        "memo": what.memo,
        "students": [student.admission_no for student in charged],
        "total": what.amount * len(charged),
    }


def _said(what: Charge, charged: list[Student], already: list[Student]) -> str:
    each = f"{kes(what.amount, always_cents=True)} to {what.head.name} (term {what.term.code})"
    if not charged and already:
        return f"Already charged today by the same command: nothing new posted ({len(already)} student(s))"
    if not charged:
        return "No active students to charge: nothing posted"
    total = kes(what.amount * len(charged), always_cents=True)
    return f"Charged {len(charged)} student(s) {each}: {total}" + (
        f"; {len(already)} already charged" if already else ""
    )
