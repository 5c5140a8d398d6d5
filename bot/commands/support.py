"""What every ``karo`` command shares: one-line errors, services from settings, parsing input, and the
audit row each change writes (the actor is ``cli:<os user>``, as the dashboard names its staff member)."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from bot.bootstrap import Services, bootstrap
from bot.settings import load_settings_or_exit
from ledger.errors import LedgerError
from ledger.records.tables import School
from ledger.staff.audit import Snapshot, audit


class Refused(click.ClickException):
    """Bad input, said in one line; exit status 1."""


class _BadUsage(click.ClickException):
    exit_code = 2


class TerseGroup(click.Group):
    """The root group: whatever goes wrong in any subcommand is said in one line.

    Usage errors (a missing option, a bad value) lose click's usage banner; ledger errors become the
    reason the ledger gave; a database that is down or not migrated is named as such.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            raise _BadUsage(_usage_line(error)) from error

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise _BadUsage(_usage_line(error)) from error
        except LedgerError as error:
            raise Refused(_first_line(error)) from error
        except (OperationalError, ProgrammingError) as error:
            raise Refused(f"database error: {_first_line(error.orig)}{_hint(error)}") from error


def _hint(error: Exception) -> str:
    text = str(error)
    missing = "no such table" in text or ("relation" in text and "does not exist" in text)
    return " (is it migrated? try: karo db upgrade)" if missing else ""


def _usage_line(error: click.UsageError) -> str:
    path = error.ctx.command_path if error.ctx is not None else "karo"
    return f"{path}: {_first_line(error.format_message())} (see {path} --help)"


def _first_line(value: object) -> str:
    lines = str(value).strip().splitlines()
    return lines[0] if lines else type(value).__name__


@contextmanager
def open_services(**overrides: object) -> Iterator[Services]:
    """Services from the environment (with ``overrides``, e.g. a database_url), closed when done."""
    settings = load_settings_or_exit()
    services = bootstrap(settings.with_changes(**overrides) if overrides else settings)
    try:
        yield services
    finally:
        services.close()


def find_school(session: Session, slug: str) -> School:
    school = session.scalars(select(School).where(School.slug == slug.strip().lower())).one_or_none()
    if school is None:
        raise Refused(f"no school with slug {slug!r} (karo school create --slug ... makes one)")
    return school


def parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise Refused(f"{option}: {value!r} is not a date (use YYYY-MM-DD, e.g. 2026-01-05)") from None


def cli_actor() -> str:
    """Who ran the command, as the audit log and the ledger's entries name them: ``cli:<os user>``."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name: a container user without a passwd entry
        name = ""
    return f"cli:{name.strip() or 'unknown'}"[:254]


def audit_cli(
    session: Session,
    school_id: int,
    action: str,
    *,
    target: str | None = None,
    before: Snapshot | None = None,
    after: Snapshot | None = None,
) -> None:
    """Audit a change a command made, in the command's transaction (so a refused command leaves none)."""
    audit(
        session,
        school_id=school_id,
        actor=cli_actor(),
        action=action,
        at=dt.datetime.now(dt.UTC),
        target=target,
        before=before,
        after=after,
    )
