"""Staff accounts of a school (bursar, head teacher, clerk) and the record of failed logins.

The ledger keeps the records only: a password arrives here already hashed (bot/ hashes and checks it),
and the login throttle's policy is plain arithmetic on the failures stored here, with the time passed in.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from collections.abc import Mapping

from sqlalchemy import Boolean, ForeignKey, Integer, String, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.db import Base, UtcDateTime, is_postgres
from ledger.errors import LedgerError
from ledger.records.tables import _enum

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Role(enum.StrEnum):
    BURSAR = "bursar"  # the money: payments, suspense, invoicing, fee structures, exports
    HEAD = "head"  # the head teacher: reads everything, changes nothing
    CLERK = "clerk"  # the records: imports of students, attendance and results


class StaffMember(Base):
    """One person's login to one school's dashboard: an email belongs to one school only."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # Carried in each dashboard session; bumping it ends every session signed in before (on every device).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LoginFailures(Base):
    """Wrong passwords in a row for one key (an account's email, or a client address)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    blocked_until: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class InvalidStaff(LedgerError):
    """A staff account that cannot be made as asked: a bad email or role, or an email already taken."""


def normalise_email(email: str) -> str:
    """Emails are matched without regard to case or surrounding spaces."""
    return email.strip().lower()


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        names = ", ".join(role.value for role in Role)
        raise InvalidStaff(f"role {text!r} is not one of {names}") from None


def create_staff(
    session: Session, school_id: int, email: str, role: Role, password_hash: str, *, now: dt.datetime
) -> StaffMember:
    """A new staff account; an email already used by anyone, in any school, is refused."""
    email = normalise_email(email)
    if not EMAIL.fullmatch(email) or len(email) > 254:
        raise InvalidStaff(f"{email!r} is not an email address")
    if find_staff(session, email) is not None:
        raise InvalidStaff(f"{email} already has a staff account")
    member = StaffMember(
        school_id=school_id, email=email, role=role, password_hash=password_hash, active=True, created_at=now
    )
    session.add(member)
    session.flush()
    return member


def find_staff(session: Session, email: str) -> StaffMember | None:
    """The account for ``email`` (active or not), if there is one."""
    query = select(StaffMember).where(func.lower(StaffMember.email) == normalise_email(email))
    return session.scalars(query).one_or_none()


def end_sessions(member: StaffMember) -> None:
    """Every session this member signed in before ends (signing out, a new password, a disabled account)."""
    member.session_generation += 1


def change_password(member: StaffMember, password_hash: str) -> None:
    """A new password (already hashed); whoever held the old one is signed out everywhere."""
    member.password_hash = password_hash
    end_sessions(member)


def disable_staff(member: StaffMember) -> None:
    """The account can no longer sign in, and its open sessions end."""
    member.active = False
    end_sessions(member)


def staff_in_school(session: Session, school_id: int, staff_id: int) -> StaffMember | None:
    """An active account of this school; another school's (or a disabled) account is None."""
    member = session.get(StaffMember, staff_id)
    if member is None or member.school_id != school_id or not member.active:
        return None
    return member


# The throttle: a few free tries, then each wrong password doubles the wait before the next try is even
# looked at, up to a cap. A client address gets more free tries than one account, because a school's
# staff may share one address (one office router).
FREE_TRIES_ACCOUNT = 3
FREE_TRIES_ADDRESS = 10
LONGEST_WAIT = dt.timedelta(minutes=15)
# Failures this old are forgotten: a typo last week does not slow down today's first login.
FORGET_AFTER = dt.timedelta(hours=1)


def wait_after(failures: int, free_tries: int) -> dt.timedelta:
    """How long to refuse tries after ``failures`` wrong passwords in a row: 0, then 1 s, 2 s, 4 s..."""
    if failures < free_tries:
        return dt.timedelta(0)
    return min(dt.timedelta(seconds=2 ** (failures - free_tries)), LONGEST_WAIT)


def seconds_to_wait(session: Session, keys: list[str], now: dt.datetime) -> int:
    """Whole seconds before any of ``keys`` may try again (0: go ahead)."""
    rows = session.scalars(select(LoginFailures).where(LoginFailures.key.in_(keys)))
    waits = [(row.blocked_until - now).total_seconds() for row in rows]
    return max(0, math.ceil(max(waits, default=0.0)))


def claim_try(session: Session, free_tries: Mapping[str, int], now: dt.datetime) -> int:
    """Before a password is checked: whole seconds to wait if any key of ``free_tries`` (key: its free
    tries) is throttled, and nothing is counted; else 0, and this try is already counted as a failure of
    every key (a right password takes it back). The keys' rows stay locked until the caller commits, so
    tries arriving at once are counted one after another: none is lost, and none slips past the wait."""
    keys = sorted(free_tries)  # always locked in one order: two tries never wait on each other's locks
    dialect = postgresql if is_postgres(session) else sqlite
    fresh = [{"key": key, "failures": 0, "last_failed_at": now, "blocked_until": now} for key in keys]
    session.execute(dialect.insert(LoginFailures).on_conflict_do_nothing(), fresh)
    query = select(LoginFailures).where(LoginFailures.key.in_(keys)).order_by(LoginFailures.key)
    rows = session.scalars(query.with_for_update()).all()  # SQLite: BEGIN IMMEDIATE already serialises
    wait = seconds_to_wait(session, keys, now)
    if wait:
        return wait
    for row in rows:
        if now - row.last_failed_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failed_at = now
        row.blocked_until = now + wait_after(row.failures, free_tries[row.key])
    session.flush()
    return 0


def take_back_try(session: Session, key: str, free_tries: int, now: dt.datetime) -> None:
    """A right password: the try ``claim_try`` counted against ``key`` was no failure after all."""
    query = select(LoginFailures).where(LoginFailures.key == key).with_for_update()
    row = session.scalars(query).one_or_none()
    if row is not None and row.failures > 0:
        row.failures -= 1
        row.blocked_until = min(row.blocked_until, now + wait_after(row.failures, free_tries))
        session.flush()


def forget_failures(session: Session, key: str) -> None:
    """A right password: this key starts afresh."""
    row = session.scalars(select(LoginFailures).where(LoginFailures.key == key)).one_or_none()
    if row is not None:
        session.delete(row)
        session.flush()
