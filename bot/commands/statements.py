"""``karo statement``: a student's statement and balance as text, as the family would read them."""

from __future__ import annotations

import click

from bot.commands.leavers import find_student
from bot.commands.support import find_school, open_services
from ledger.books.balances import student_balance
from ledger.books.statements import statement as student_statement
from ledger.db import transaction
from ledger.money import kes
from ledger.records.tables import Student
from ledger.types import Balance, Statement

ROW = "{:<10}  {:<44}  {:>14}  {:>14}  {:>14}"


@click.command("statement")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--student", "admission_no", required=True, help="The student's admission number.")
@click.option("--lines", "limit", type=click.IntRange(1, 1000), default=100, help="Latest entries shown.")
def statement(slug: str, admission_no: str, limit: int) -> None:
    """Print the student's statement (latest entries, with a running balance) and balance."""
    with open_services() as services, transaction(services.sessions) as session:
        found = find_student(session, find_school(session, slug), admission_no)
        text = statement_text(
            found, student_statement(session, found, limit=limit), student_balance(session, found)
        )
    click.echo(text)


def statement_text(student: Student, lines: Statement, balance: Balance) -> str:
    """The statement as plain text lines: who, each entry, the balance per vote head and in all."""
    left = f"; left on {student.left_on.isoformat()} ({student.leave_reason})" if student.left_on else ""
    out = [f"{student.name} ({student.admission_no}), {lines.student.class_name}{left}", ""]
    out.append(ROW.format("Date", "Description", "Charged", "Paid", "Balance"))
    out.append(ROW.format("", "Brought forward", "", "", _figure(lines.opening)))
    for line in lines.lines:
        charged, paid = _figure(line.charged) if line.charged else "", _figure(line.paid) if line.paid else ""
        out.append(
            ROW.format(line.on.isoformat(), line.description[:44], charged, paid, _figure(line.balance))
        )
    out.append("")
    for head in balance.by_vote_head:
        out.append(f"  {head.vote_head}: owes {kes(head.balance, always_cents=True)}")
    out.append(f"Balance: {_balance_words(balance.total)}")
    return "\n".join(out)


def _figure(cents: int) -> str:
    return kes(cents, label=False, always_cents=True)


def _balance_words(total: int) -> str:
    if total < 0:
        return f"in credit {kes(-total, always_cents=True)}"
    return f"owes {kes(total, always_cents=True)}" if total else "nothing owed (KES 0.00)"
