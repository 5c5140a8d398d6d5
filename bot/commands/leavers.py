"""``karo student leave`` and ``karo student readmit``: a student leaving the school, and coming back."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.commands.support import Refused, audit_cli, cli_actor, find_school, open_services, parse_date
from ledger.admission import admission_key
from ledger.billing.leaver_invoices import invoiced_after_leaving
from ledger.billing.leaving import leave_school
from ledger.clock import school_day, utc_now
from ledger.db import transaction
from ledger.records.leavers import REASONS, leaving_snapshot, parse_reason, readmit
from ledger.records.tables import School, Student
from ledger.staff.audit import Snapshot


def find_student(session: Session, school: School, admission_no: str) -> Student:
    """The school's student with this admission number (as Paybill accounts match it), or Refused."""
    student = session.scalars(
        select(Student).where(
            Student.school_id == school.id, Student.admission_key == admission_key(admission_no)
        )
    ).one_or_none()
    if student is None:
        raise Refused(f"{school.slug} has no student with admission number {admission_no.strip()!r}")
    return student


@click.group()
def student() -> None:
    """A school's students: leaving and re-admission."""


@student.command("leave")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--student", "admission_no", required=True, help="The student's admission number.")
@click.option("--on", "on", required=True, help="The day they left, YYYY-MM-DD.")
@click.option("--reason", required=True, help=f"One of {', '.join(REASONS)}.")
def leave(slug: str, admission_no: str, on: str, reason: str) -> None:
    """Record that a student left: no more invoices, charges or (unless the school chases leavers'
    arrears) reminders; the family can still read the final statement. Recording it again changes nothing."""
    day, why = parse_date(on, "--on"), parse_reason(reason)
    with open_services() as services, transaction(services.sessions) as session:
        found = find_student(session, find_school(session, slug), admission_no)
        before = leaving_snapshot(found)
        if leave_school(session, found, day, why, today=school_day(utc_now()), actor=cli_actor()):
            _audited(session, found, "student.leave", before)
        late = [code for code, _ in invoiced_after_leaving(session, found)]
    click.echo(f"{found.admission_no} {found.name}: left on {day.isoformat()} ({why.value})")
    if late:
        click.echo(
            f"note: still invoiced for term {', '.join(late)}, which began after they left; reverse it "
            "if they did not attend"
        )


@student.command("readmit")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--student", "admission_no", required=True, help="The student's admission number.")
def readmit_student(slug: str, admission_no: str) -> None:
    """Take a leaver back: invoiced again from the next invoicing."""
    with open_services() as services, transaction(services.sessions) as session:
        found = find_student(session, find_school(session, slug), admission_no)
        before = leaving_snapshot(found)
        if not readmit(found):
            raise Refused(f"{found.admission_no} {found.name} has not left: nothing to re-admit")
        _audited(session, found, "student.readmit", before)
    click.echo(f"{found.admission_no} {found.name}: re-admitted")


def _audited(session: Session, found: Student, action: str, before: Snapshot) -> None:
    after = leaving_snapshot(found)
    audit_cli(session, found.school_id, action, target=f"student:{found.id}", before=before, after=after)
