"""Every change made with `karo` leaves an audit row naming `cli:<os user>`; a refused command leaves none."""

from __future__ import annotations

import getpass
import os
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from ledger.staff.audit import AuditEntry
from tests.e2e.test_cli import STUDENTS, Karo, karo, kilimani, write  # noqa: F401
from tests.e2e.test_cli_reminders import invoiced  # noqa: F401

USER = "wanjiru"


def audit_rows() -> list[AuditEntry]:
    engine = create_engine(os.environ["KARO_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(AuditEntry).order_by(AuditEntry.id)))  # type: ignore[arg-type]
    finally:
        engine.dispose()


def ok(result: Any) -> None:
    assert result.exit_code == 0, result.output


def test_the_setup_commands_are_audited(invoiced: Karo) -> None:  # noqa: F811
    rows = audit_rows()
    assert [row.action for row in rows] == [
        "school.create",
        "import.students",
        "import.fees",
        "term.set",
        "invoice.class",
        "invoice.class",
    ]
    assert {row.actor for row in rows} == {f"cli:{getpass.getuser()}"}
    term = rows[3]
    assert term.before is not None and term.before["ends_on"] != "2027-04-01"  # the usual calendar's
    assert (term.after["starts_on"], term.after["ends_on"]) == ("2027-01-04", "2027-04-01")
    assert rows[1].after == {"rows": 3, "created": 3, "updated": 0}


def test_every_change_names_the_os_user_and_what_changed(
    invoiced: Karo,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: USER)
    monkeypatch.setenv("KARO_SECRET_KEY", "cli-audit-test-secret")
    already = len(audit_rows())
    school = ["--school", "kilimani"]
    ok(invoiced("fees", "rules", *school, "--late-fee", "500", "--grace-days", "7"))
    ok(invoiced("fees", "late", *school, "--at", "2027-02-01"))
    ok(invoiced("plan", "add", *school, "--student", "2103", "--instalment", "2027-02-20=10000"))
    ok(invoiced("plan", "cancel", *school, "--student", "2103"))
    mpesa = ["--shortcode", "600100", "--passkey", "pk", "--consumer-key", "ck", "--consumer-secret", "cs"]
    ok(invoiced("school", "mpesa", *school, *mpesa))
    ok(invoiced("reminders", "run", *school, "--at", "2027-02-02T10:00"))
    ok(invoiced("reminders", "run", *school, "--dry-run", "--at", "2027-02-03T10:00"))  # changes nothing
    ok(
        invoiced(
            "user",
            "create",
            *school,
            "--email",
            "b@kja.ac.ke",
            "--password",
            "long-enough-1",
            "--role",
            "clerk",
        )
    )
    rows = audit_rows()[already:]
    assert [row.action for row in rows] == [
        "fees.rules",
        "fees.late",
        "plan.create",
        "plan.cancel",
        "school.mpesa",
        "reminders.run",
        "staff.create",
    ]
    assert {row.actor for row in rows} == {f"cli:{USER}"}
    rules, late, added, cancelled, mpesa_row = rows[:5]
    assert rules.before["rules"][0] == "late fee: off"
    assert rules.after["rules"][0] == "late fee: KES 500.00, 7 days after the due date, to Late fee"
    assert late.after["charged"] >= 1 and late.after["total"] > 0
    assert added.before["plan"] is None and added.after["plan"] == [
        {"due_on": "2027-02-20", "amount": 10_000_00}
    ]
    assert cancelled.before["plan"] == added.after["plan"] and cancelled.after["plan"] is None
    assert mpesa_row.after == {"shortcode": "600100", "paybill": "522533"}
    assert "pk" not in str(mpesa_row.after) and "cs" not in str(mpesa_row.after)


def test_a_refused_command_leaves_no_audit_row(invoiced: Karo, tmp_path) -> None:  # noqa: F811
    already = len(audit_rows())
    school = ["--school", "kilimani"]
    refused = [
        ("term", "set", *school, "--term", "2027-2", "--start", "2027-05-01", "--end", "2027-04-01",
         "--due", "2027-05-10"),
        ("fees", "rules", *school, "--late-fee", "five hundred"),
        ("plan", "cancel", *school, "--student", "2101"),
        ("plan", "add", *school, "--student", "2101", "--instalment", "soon=100"),
        ("invoice", *school, "--term", "2031-1"),
        ("import", "students", write(tmp_path, "bad.csv", "admission_no,name\n,\n"), *school),
        ("school", "create", "--slug", "kilimani", "--name", "Again"),
        ("school", "mpesa", *school, "--shortcode", "12", "--passkey", "p", "--consumer-key", "k",
         "--consumer-secret", "s"),
    ]  # fmt: skip
    for args in refused:
        result = invoiced(*args)
        assert result.exit_code != 0, (args, result.output)
    assert len(audit_rows()) == already


def test_the_actor_falls_back_when_the_os_user_has_no_name(monkeypatch: pytest.MonkeyPatch) -> None:
    def nameless() -> str:
        raise OSError("No username set in the environment")

    from bot.commands.support import cli_actor

    monkeypatch.setattr(getpass, "getuser", nameless)
    assert cli_actor() == "cli:unknown"
