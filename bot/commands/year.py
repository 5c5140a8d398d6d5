"""``karo year rollover`` and ``karo year undo``: moving a school up a year in January, and taking it back.

The dry run prints the plan; applying prints the same plan and carries it out in one audited step, so what
the dry run said is exactly what happens. Undo works the same day, before anyone is invoiced.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

from bot.commands.support import Refused, cli_actor, find_school, open_services
from ledger.billing.fee_rules import percent_text
from ledger.billing.rollover_plan import RolloverPlan, parse_promotion
from ledger.billing.rollover_planning import plan_rollover
from ledger.clock import school_day, utc_now
from ledger.db import transaction
from ledger.money import kes
from ledger.staff.rollover import apply_rollover, undo_rollover


@click.group()
def year() -> None:
    """The school year: the January rollover (promotions, graduates, next year's terms and fees)."""


@year.command("rollover")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--to", "to_year", required=True, type=int, help="The year to roll over to, e.g. 2027.")
@click.option("--promote", multiple=True, help='A class and where it moves, "Grade 6=Grade 7" (repeatable).')
@click.option("--graduate", multiple=True, help="A class whose students graduate and leave (repeatable).")
@click.option(
    "--increase", default="0", help="Next year's fees: this percentage above this year's (5 or 7.5%)."
)
@click.option("--dry-run", is_flag=True, help="Print what the rollover would do and change nothing.")
def rollover(
    slug: str, to_year: int, promote: tuple[str, ...], graduate: tuple[str, ...], increase: str, dry_run: bool
) -> None:
    """Promote every class (the usual CBC and 8-4-4 ladders unless --promote says otherwise), graduate
    the last classes, set next year's terms and copy this year's fees; applying it again changes nothing."""
    pairs = [parse_promotion(text) for text in promote]
    now = utc_now()
    with open_services() as services, transaction(services.sessions) as session:
        school = find_school(session, slug)
        plan = plan_rollover(
            session,
            school,
            to_year,
            today=school_day(now),
            promote=pairs,
            graduate=graduate,
            increase_percent=increase,
        )
        _refuse_undecided(plan)
        if plan.applied_on is not None:
            click.echo(
                f"{school.slug} already rolled over to {to_year} on {plan.applied_on}: nothing changed"
            )
            return
        lines = list(describe(plan))
        if not dry_run:
            apply_rollover(session, plan, by=cli_actor(), at=now)
    for line in lines:
        click.echo(line)
    if dry_run:
        click.echo("Dry run: nothing changed.")
    else:
        undo_it = f"karo year undo --school {slug} --to {to_year}"
        click.echo(f"Rolled over {slug} to {to_year}. To undo it today: {undo_it}")


@year.command("undo")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--to", "to_year", required=True, type=int, help="The year the school was rolled over to.")
def undo(slug: str, to_year: int) -> None:
    """Undo the rollover to YEAR (the day it was applied, before anyone is invoiced): every student back in
    their class, graduates re-admitted, the terms and fees it made removed."""
    with open_services() as services, transaction(services.sessions) as session:
        school = find_school(session, slug)
        done = undo_rollover(session, school.id, to_year, by=cli_actor(), at=utc_now())
        moved = len(done.plan["students"])
    click.echo(f"Undid the rollover of {slug} to {to_year}: {moved} students back in their classes")


def _refuse_undecided(plan: RolloverPlan) -> None:
    if plan.undecided:
        name = plan.undecided[0].name
        others = f" (and {len(plan.undecided) - 1} more)" if len(plan.undecided) > 1 else ""
        raise Refused(
            f"{name!r}{others} is not on the usual CBC or 8-4-4 ladder: add "
            f'--promote "{name}=NEXT CLASS" or --graduate "{name}"'
        )


def describe(plan: RolloverPlan) -> Iterator[str]:
    """The plan as the bursar reads it: classes, terms, fees, then every student."""
    yield f"Rollover to {plan.to_year} (from {plan.from_year}):"
    for move in plan.classes:
        where = f"{move.target}{' (new class)' if move.new_class else ''}" if move.target else "graduates"
        yield f"  {move.name} -> {where}: {move.students} student{'' if move.students == 1 else 's'}"
    if plan.graduates:
        yield f"Graduates leave on {plan.graduation_day.isoformat()} (reason: graduated)."
    yield "Terms:"
    for term in plan.terms:
        how = "already set" if term.exists else "new, the usual Kenyan dates"
        yield f"  {term.code}: {term.starts_on} to {term.ends_on}, fees due {term.due_on} ({how})"
    more = f", {percent_text(plan.increase_bp)} more" if plan.increase_bp else ""
    yield f"Fees copied from {plan.from_year}{more}:"
    for fee in plan.fees:
        yield f"  {fee.term_code} {fee.class_name} {fee.vote_head}: {kes(fee.before)} -> {kes(fee.after)}"
    for code in plan.fees_kept:
        yield f"  {code}: fees already set, kept as they are"
    if not plan.fees and not plan.fees_kept:
        yield f"  none: {plan.from_year} has no fees to copy"
    yield "Students:"
    for student in plan.students:
        where = student.to_class or "graduates"
        yield f"  {student.admission_no} {student.name}: {student.from_class} -> {where}"
