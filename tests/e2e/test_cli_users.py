"""`karo user create`: a staff login for a school's dashboard; every refusal is one line."""

from __future__ import annotations

from sqlalchemy import select

from bot.dashboard.passwords import Passwords
from bot.settings import get_settings
from ledger.db import make_engine
from ledger.messaging.bus import session_factory
from ledger.staff.audit import AuditEntry
from ledger.staff.members import Role, StaffMember
from tests.e2e import test_cli
from tests.e2e.test_cli import Karo, one_line_refusal

# The CLI tests' fixtures: a migrated SQLite file, with the Kilimani school created.
karo, kilimani = test_cli.karo, test_cli.kilimani

CREATE = ("user", "create", "--school", "kilimani", "--email", "Bursar@Kilimani.ac.ke")


def stored_staff() -> list[StaffMember]:
    engine = make_engine(get_settings().database_url)
    with session_factory(engine)() as session:
        found = list(session.scalars(select(StaffMember)))
        audited = list(session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("staff.%"))))
    engine.dispose()
    assert audited == ["staff.create"] * len(found)  # (the school's creation has its own row)
    return found


def test_user_create_makes_a_login_with_an_argon2_hash(kilimani: Karo) -> None:
    result = kilimani(*CREATE, "--password", "a long enough secret", "--role", "bursar")
    assert result.exit_code == 0, result.output
    assert result.output == "Created bursar bursar@kilimani.ac.ke for kilimani\n"
    [member] = stored_staff()
    assert member.email == "bursar@kilimani.ac.ke" and member.role == Role.BURSAR
    assert member.password_hash.startswith("$argon2id$")
    assert Passwords().verify(member.password_hash, "a long enough secret")


def test_an_email_already_in_use_is_refused_in_one_line(kilimani: Karo) -> None:
    assert kilimani(*CREATE, "--password", "a long enough secret", "--role", "bursar").exit_code == 0
    again = kilimani(*CREATE, "--password", "another long secret", "--role", "clerk")
    assert "already has a staff account" in one_line_refusal(again)
    assert len(stored_staff()) == 1


def test_bad_input_is_refused_in_one_line(kilimani: Karo) -> None:
    cases = {
        ("--password", "a long enough secret", "--role", "janitor"): "not one of bursar, head, clerk",
        ("--password", "short", "--role", "head"): "--password: a password needs at least 10 characters",
    }
    for args, reason in cases.items():
        assert reason in one_line_refusal(kilimani(*CREATE, *args))
    no_email = kilimani("user", "create", "--school", "kilimani", "--email", "nobody", "--password",
                        "a long enough secret", "--role", "head")  # fmt: skip
    assert "is not an email address" in one_line_refusal(no_email)
    no_school = kilimani("user", "create", "--school", "atlantis", "--email", "a@b.ke", "--password",
                         "a long enough secret", "--role", "head")  # fmt: skip
    assert "no school with slug 'atlantis'" in one_line_refusal(no_school)
    assert stored_staff() == []
