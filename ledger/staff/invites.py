"""One-time links for staff: an invite (a new member sets their first password) or a password reset.

Only a hash of the link's token is stored, so a copy of the database opens no account. A link works once,
until it expires; issuing a new one for a member voids their older links. A member waiting on a link has no
usable password (``NO_PASSWORD`` is no argon2 hash: nothing verifies against it).

The roles' rules for managing staff are here too: a school always keeps an active head teacher.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import ForeignKey, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.db import Base, UtcDateTime
from ledger.records.tables import _enum
from ledger.staff.members import (
    InvalidStaff,
    Role,
    StaffMember,
    change_password,
    create_staff,
    disable_staff,
)

NO_PASSWORD = "!"  # a member who has not yet set a password (or whose password was reset)
LINK_LIFETIME = dt.timedelta(days=7)


class LinkPurpose(enum.StrEnum):
    INVITE = "invite"
    RESET = "reset"


class StaffLink(Base):
    """A one-time link for one member: the SHA-256 of its token, when it expires, when it was used."""

    __tablename__ = "staff_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(_enum(LinkPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())  # or voided by a newer link


@dataclass(frozen=True)
class IssuedLink:
    member: StaffMember
    token: str  # shown once, to the head who asked; only its hash is kept
    expires_at: dt.datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_staff(session: Session, school_id: int, email: str, role: Role, *, now: dt.datetime) -> IssuedLink:
    """A new member without a password, and the link with which they set one."""
    member = create_staff(session, school_id, email, role, NO_PASSWORD, now=now)
    return issue_link(session, member, LinkPurpose.INVITE, now=now)


def reset_password(session: Session, member: StaffMember, *, now: dt.datetime) -> IssuedLink:
    """The member's password stops working and their sessions end; the link sets a new one."""
    change_password(member, NO_PASSWORD)
    return issue_link(session, member, LinkPurpose.RESET, now=now)


def issue_link(
    session: Session, member: StaffMember, purpose: LinkPurpose, *, now: dt.datetime
) -> IssuedLink:
    """A fresh link for ``member``; any link issued to them before stops working."""
    session.execute(
        update(StaffLink)
        .where(StaffLink.staff_id == member.id, StaffLink.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    expires = now + LINK_LIFETIME
    link = StaffLink(
        school_id=member.school_id,
        staff_id=member.id,
        purpose=purpose,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=expires,
    )
    session.add(link)
    session.flush()
    return IssuedLink(member, token, expires)


def open_link(session: Session, token: str, now: dt.datetime) -> tuple[StaffLink, StaffMember] | None:
    """The unused, unexpired link this token opens and its (active) member; else None."""
    if not token or len(token) > 100:
        return None
    link = session.scalars(select(StaffLink).where(StaffLink.token_hash == token_hash(token))).one_or_none()
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    member = session.get(StaffMember, link.staff_id)
    if member is None or not member.active:
        return None
    return link, member


def use_link(session: Session, token: str, password_hash: str, now: dt.datetime) -> StaffMember | None:
    """Set the member's password through the link, once: a second use (even at the same moment) is None."""
    opened = open_link(session, token, now)
    if opened is None:
        return None
    link, member = opened
    # Conditional on still being unused: of two uses at once, one updates the row and the other finds none.
    claimed = session.execute(
        update(StaffLink).where(StaffLink.id == link.id, StaffLink.used_at.is_(None)).values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    change_password(member, password_hash)
    session.flush()
    return member


def waiting_on_link(member: StaffMember) -> bool:
    """Whether the member has no password yet (invited) or has had it reset."""
    return member.password_hash == NO_PASSWORD


def active_heads(session: Session, school_id: int) -> int:
    query = select(func.count(StaffMember.id)).where(
        StaffMember.school_id == school_id, StaffMember.role == Role.HEAD, StaffMember.active.is_(True)
    )
    return session.scalar(query) or 0


def keeps_a_head(session: Session, member: StaffMember, *, role: Role, active: bool) -> None:
    """Refuse a change that would leave the school with no active head teacher (who else would manage
    its staff?)."""
    losing = member.active and member.role == Role.HEAD and not (active and role == Role.HEAD)
    if losing and active_heads(session, member.school_id) <= 1:
        raise InvalidStaff(f"{member.email} is the school's only active head: make another head first")


def set_role(session: Session, member: StaffMember, role: Role) -> None:
    keeps_a_head(session, member, role=role, active=member.active)
    member.role = role  # each request reads the role afresh: open pages follow it at once


def set_active(session: Session, member: StaffMember, active: bool) -> None:
    keeps_a_head(session, member, role=member.role, active=active)
    if active:
        member.active = True
    else:
        disable_staff(member)
