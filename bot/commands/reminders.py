"""Fee reminders by hand (``karo reminders run``) and payment plans a bursar agrees (``karo plan``)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.commands.support import Refused, audit_cli, cli_actor, find_school, open_services, parse_date
from bot.dashboard.plan_view import plan_snapshot
from ledger.admission import admission_key
from ledger.billing.payment_plans import PaymentPlan, active_plans, cancel_plan, create_plan
from ledger.clock import NAIROBI, school_day
from ledger.db import transaction
from ledger.messaging.reminder_plans import Campaign, skipped_by_reason
from ledger.money import kes
from ledger.records.tables import Student
from ledger.records.terms import current_term, find_term, parse_term_code

INSTALMENT = re.compile(r"(\d{4}-\d{2}-\d{2})[=:](\d+(?:\.\d{1,2})?)")


@click.group()
def reminders() -> None:
    """Fee reminders to families who owe."""


@reminders.command("run")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--dry-run", is_flag=True, help="Only say who would get what, and why the others would not.")
@click.option(
    "--at", "at", help="Plan as if it were then: YYYY-MM-DDTHH:MM, Nairobi time unless a zone is given."
)
@click.option(
    "--batch", default=500, show_default=True, type=click.IntRange(1), help="Families per transaction."
)
def run(slug: str, dry_run: bool, at: str | None, batch: int) -> None:
    """Plan today's reminders for a school and queue them (each family at most once per reminder day)."""
    from bot.jobs.campaigns import run_reminders

    now = parse_moment(at) if at else dt.datetime.now(dt.UTC)
    with open_services() as services:
        with services.sessions() as session:
            find_school(session, slug)
        report = run_reminders(
            services, now=now, school_slug=slug.strip().lower(), dry_run=dry_run, batch=batch
        )
        campaign = report.campaigns[0]
        queued = report.written.get(campaign.school.slug, 0)
        if queued and campaign.term is not None:
            after = {"term": campaign.term.code, "queued": queued, "skipped": len(campaign.skipped)}
            with transaction(services.sessions) as session:
                audit_cli(
                    session,
                    campaign.school.id,
                    "reminders.run",
                    target=f"term:{campaign.term.id}",
                    after=after,
                )
    print_campaign(campaign, dry_run)
    if not dry_run and campaign.term is not None:
        new = report.written.get(campaign.school.slug, 0)
        raced = len(campaign.planned) - new
        click.echo(
            f"Queued {new} reminder(s)."
            + (f" {raced} were queued by another run meanwhile." if raced else "")
        )


def parse_moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise Refused(f"--at: {value!r} is not a date and time (use e.g. 2026-02-02T09:00)") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=NAIROBI)).astimezone(dt.UTC)


def print_campaign(campaign: Campaign, dry_run: bool) -> None:
    school, local = campaign.school, campaign.at.astimezone(NAIROBI)
    click.echo(f"{school.name} ({school.slug}), {campaign.season}, at {local:%Y-%m-%d %H:%M} Nairobi")
    if campaign.halted:
        click.echo(f"No reminders: {campaign.halted}.")
        return
    verb = "would remind" if dry_run else "remind"
    for planned in campaign.planned:
        family = planned.family
        names = ", ".join(f"{c.child.name} ({c.child.admission_no})" for c in planned.children)
        total = kes(planned.total, always_cents=True)
        click.echo(f"  {verb} {family.phone} ({family.name}): {planned.kind.value}, {names}, {total}")
        click.echo(f"    {planned.text}")
    for skipped in campaign.skipped:
        click.echo(f"  skip {skipped.family.phone} ({skipped.family.name}): {skipped.reason}")
    summary = ", ".join(f"{why} {count}" for why, count in skipped_by_reason(campaign))
    click.echo(
        f"{len(campaign.planned)} to remind; {len(campaign.skipped)} skipped"
        + (f" ({summary})" if summary else "")
    )


@click.group()
def plan() -> None:
    """Payment plans: instalments agreed with a family; reminders follow them while they are kept."""


@plan.command("add")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--student", "admission_no", required=True, help="The child's admission number.")
@click.option("--term", "code", help="YEAR-N (default: the current term).")
@click.option(
    "--instalment",
    "instalments",
    multiple=True,
    required=True,
    help="DATE=KES, e.g. 2026-02-15=5000 (repeat).",
)
def add_plan(slug: str, admission_no: str, code: str | None, instalments: tuple[str, ...]) -> None:
    """Agree a plan for a child: it replaces the plan the child had, if any."""
    parsed = [parse_instalment(text) for text in instalments]
    now = dt.datetime.now(dt.UTC)
    with open_services() as services, transaction(services.sessions) as session:
        school = find_school(session, slug)
        student = find_student(session, school.id, admission_no)
        today = school_day(now)
        term = (
            find_term(session, school.id, *parse_term_code(code))
            if code
            else current_term(session, school.id, today)
        )
        if term is None:
            raise Refused(f"{school.slug} has no term {code or 'yet'}: karo term set ... makes one")
        before = _standing(session, student)
        made = create_plan(session, student, term, parsed, actor=cli_actor(), today=today, now=now)
        _audit_plan(session, student, "plan.create", before, {"term": term.code, "plan": plan_snapshot(made)})
        total = sum(amount for _, amount in parsed)
        who = f"{student.name} ({student.admission_no})"
        planned_total = kes(total, always_cents=True)
        click.echo(f"Plan for {who}, term {term.code}: {len(made.instalments)} instalments, {planned_total}")
        for on, amount in sorted(parsed):
            click.echo(f"  {on.isoformat()}  {kes(amount, always_cents=True)}")


@plan.command("cancel")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--student", "admission_no", required=True, help="The child's admission number.")
def cancel(slug: str, admission_no: str) -> None:
    """End a child's plan: reminders follow the school's policy again."""
    with open_services() as services, transaction(services.sessions) as session:
        school = find_school(session, slug)
        student = find_student(session, school.id, admission_no)
        before = _standing(session, student)
        if not cancel_plan(session, student, now=dt.datetime.now(dt.UTC)):
            raise Refused(f"{student.admission_no} has no payment plan")
        _audit_plan(session, student, "plan.cancel", before, {"plan": None})
        click.echo(f"Cancelled the plan for {student.name} ({student.admission_no})")


def _audit_plan(
    session: Session, student: Student, action: str, before: object, after: dict[str, object]
) -> None:
    """The plan's change as the dashboard audits it: the child, and its plan before and after."""
    adm = {"student": student.admission_no}
    target = f"student:{student.id}"
    audit_cli(
        session,
        student.school_id,
        action,
        target=target,
        before={**adm, "plan": before},
        after={**adm, **after},
    )


def _standing(session: Session, student: Student) -> list[dict[str, object]] | None:
    """The child's plan as the audit row keeps it, before the change."""
    plans: list[PaymentPlan] = active_plans(session, student.school_id, student_ids=[student.id])
    return plan_snapshot(plans[-1] if plans else None)


def parse_instalment(text: str) -> tuple[dt.date, int]:
    found = INSTALMENT.fullmatch(text.strip())
    if found is None:
        raise Refused(f"--instalment: {text!r} should be DATE=KES, e.g. 2026-02-15=5000")
    on = parse_date(found.group(1), "--instalment")
    try:
        cents = int(Decimal(found.group(2)) * 100)
    except InvalidOperation:
        raise Refused(f"--instalment: {found.group(2)!r} is not an amount") from None
    return on, cents


def find_student(session: Session, school_id: int, admission_no: str) -> Student:
    student = session.scalars(
        select(Student).where(
            Student.school_id == school_id, Student.admission_key == admission_key(admission_no)
        )
    ).one_or_none()
    if student is None:
        raise Refused(f"no student with admission number {admission_no!r} in this school")
    return student
