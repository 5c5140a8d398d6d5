"""Who is asking: the signed-in member, what their role may do, and records fetched only from their school.

Anything of another school answers 404, exactly as a record that does not exist: a bursar cannot even
learn that another school's id is in use.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from bot.dashboard.cookies import read_session
from bot.routes.deps import SessionDep
from ledger.books.tables import Payment
from ledger.records.tables import School, Student
from ledger.staff.audit import Snapshot, audit
from ledger.staff.members import Role, StaffMember, staff_in_school


class Can(enum.StrEnum):
    READ = "read"  # every page
    MONEY = "money"  # payments, suspense, invoicing, fee structures
    RECORDS = "records"  # imports of students, attendance and results
    APPROVE = "approve"  # the second person of maker-checker: approving a large reversal


ALLOWED = {
    Role.BURSAR: frozenset({Can.READ, Can.MONEY, Can.RECORDS}),
    Role.HEAD: frozenset({Can.READ, Can.APPROVE}),
    Role.CLERK: frozenset({Can.READ, Can.RECORDS}),
}


class SignInFirst(Exception):
    """No signed-in member: pages send the browser to the login form."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


@dataclass(frozen=True)
class Staff:
    """The signed-in member and their school, for one request."""

    member: StaffMember
    school: School

    @property
    def school_id(self) -> int:
        return self.school.id

    def can(self, what: Can) -> bool:
        return what in ALLOWED[self.member.role]

    def audit_change(
        self,
        session: Session,
        *,
        action: str,
        at: dt.datetime,
        target: str,
        before: Snapshot,
        after: Snapshot,
    ) -> None:
        """Audit a settings form's change, if it changed anything: saving it unchanged writes no row."""
        if after != before:
            self.audit(session, action=action, at=at, target=target, before=before, after=after)

    def audit(
        self, session: Session, *, action: str, at: dt.datetime, target: str, **change: Snapshot
    ) -> None:
        """Audit a change this member made (``change``: before, after), in the caller's transaction."""
        audit(
            session,
            school_id=self.school_id,
            staff_id=self.member.id,
            actor=self.member.email,
            action=action,
            at=at,
            target=target,
            **change,
        )


def signed_in_member(request: Request, session: Session) -> StaffMember | None:
    """The member this request's session is of, while that session has not been ended."""
    cookie = read_session(request)
    member = session.get(StaffMember, cookie.staff_id) if cookie.staff_id is not None else None
    if member is None or staff_in_school(session, member.school_id, member.id) is None:
        return None
    return member if member.session_generation == cookie.generation else None


def current_staff(request: Request, session: SessionDep) -> Staff:
    member = signed_in_member(request, session)
    if member is None:
        raise SignInFirst(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    school = session.get(School, member.school_id)
    assert school is not None  # a foreign key
    return Staff(member, school)


StaffDep = Annotated[Staff, Depends(current_staff)]


def requiring(what: Can) -> Callable[[Staff], Staff]:
    """A dependency: the member, if their role may do ``what``; else 403."""

    def dependency(staff: StaffDep) -> Staff:
        refuse_unless(staff, what)
        return staff

    return dependency


def refuse_unless(staff: Staff, what: Can, doing: str = "do this") -> None:
    """403 unless the member's role may do ``what``."""
    if not staff.can(what):
        raise HTTPException(403, f"Your role ({staff.member.role.value}) cannot {doing}.")


def in_roles(roles: frozenset[Role], doing: str) -> Callable[[Staff], Staff]:
    """A dependency: the member, if their role is one of ``roles``; else 403 saying they cannot ``doing``."""

    def dependency(staff: StaffDep) -> Staff:
        if staff.member.role not in roles:
            raise HTTPException(403, f"Your role ({staff.member.role.value}) cannot {doing}.")
        return staff

    return dependency


MoneyStaff = Annotated[Staff, Depends(requiring(Can.MONEY))]
RecordsStaff = Annotated[Staff, Depends(requiring(Can.RECORDS))]
ApprovingStaff = Annotated[Staff, Depends(requiring(Can.APPROVE))]


def school_student(session: Session, staff: Staff, student_id: int) -> Student:
    """The student, if in the member's school; else 404."""
    student = session.get(Student, student_id)
    if student is None or student.school_id != staff.school_id:
        raise HTTPException(404, "No such student.")
    return student


def school_payment(session: Session, staff: Staff, payment_id: int) -> Payment:
    """The payment, if in the member's school; else 404."""
    payment = session.get(Payment, payment_id)
    if payment is None or payment.school_id != staff.school_id:
        raise HTTPException(404, "No such payment.")
    return payment
