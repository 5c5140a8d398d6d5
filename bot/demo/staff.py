"""The demo's dashboard logins: a bursar and a head for Kilimani, made once, printed by ``karo demo``.

The password is in this file on purpose: the demo database lives on the operator's own machine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.dashboard.passwords import Passwords
from ledger.db import transaction
from ledger.records.tables import School
from ledger.staff.members import Role, create_staff, find_staff


@dataclass(frozen=True)
class DemoLogin:
    school_slug: str
    email: str
    password: str
    role: Role


LOGINS = (
    DemoLogin("kilimani", "bursar@kilimani.demo", "kilimani-demo", Role.BURSAR),
    # The head approves the demo's reversal waiting above the approval amount (maker-checker).
    DemoLogin("kilimani", "head@kilimani.demo", "kilimani-head", Role.HEAD),
)


def ensure_logins(sessions: sessionmaker[Session], now: dt.datetime) -> int:
    """Create the demo logins that are missing; returns how many were made (0 when run again)."""
    passwords = Passwords()
    made = 0
    with transaction(sessions) as session:
        for login in LOGINS:
            if find_staff(session, login.email) is None:
                school_id = _school_id(session, login.school_slug)
                create_staff(
                    session, school_id, login.email, login.role, passwords.hash(login.password), now=now
                )
                made += 1
    return made


def _school_id(session: Session, slug: str) -> int:
    return session.scalars(select(School.id).where(School.slug == slug)).one()
