"""Send a student's statement to the family from the student's page (the head or a bursar).

One outbox message per guardian (channel ``auto``: the dispatcher picks the guardian's preferred one): the
text the parent's own ``STMT`` keyword answers with (``flows.keyword_reads.statement_reply``, read through
the same ports a text message uses, so the wording is written once), with how to ask for it again. By email
it carries the whole statement as a PDF (``bot.outbox.emails``). Keyed by the student, the school day and
the guardian: pressing Send twice in a day, or from two tabs, queues each guardian once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.bootstrap import Services
from bot.channels.compose import parent_ports
from bot.dashboard.access import Staff, in_roles, school_student
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect
from bot.routes.deps import ServicesDep, SessionDep
from flows.family import Family
from flows.keyword_reads import statement_reply
from ledger.clock import school_day
from ledger.messaging.outbox import Category, enqueue
from ledger.records.parents import EVERYTHING
from ledger.records.tables import Guardian, Student
from ledger.sms_parts import fits
from ledger.staff.members import Role

router = APIRouter()
SENDERS = frozenset({Role.HEAD, Role.BURSAR})  # who speaks to a family about its money


SendingStaff = Annotated[Staff, Depends(in_roles(SENDERS, "send statements to families"))]


def statement_text(services: Services, session: Session, guardian: Guardian, student: Student) -> str | None:
    """What the guardian's ``STMT`` would answer about this child, in their language, and how to ask again
    (where that still fits two SMS); None when the phone cannot read this child (no longer their guardian)."""
    ports = parent_ports(services, "sms", None, hop=session)
    family = Family.find(guardian.phone, ports, guardian.language.value)
    child = next((c for c in family.children if c.id == student.id), None) if family else None
    if family is None or child is None:
        return None
    reply = statement_reply(dataclasses.replace(family, children=(child,)), [])
    again = family.t("kw_word_statement")
    hint = f"Taarifa kamili: tuma {again}" if family.language == "sw" else f"Full statement: reply {again}"
    with_hint = f"{reply}\n{hint}"
    return with_hint if fits(with_hint) else reply  # a long statement keeps to two SMS, as STMT's own


def send_statement(
    services: Services, session: Session, student: Student, now: dt.datetime, today: dt.date
) -> list[int]:
    """Queue the statement for each guardian who has not stopped all messages; the guardians newly queued."""
    queued = []
    for link in student.guardian_links:
        guardian = link.guardian
        if EVERYTHING in (guardian.opted_out or []):
            continue
        body = statement_text(services, session, guardian, student)
        if body is None:
            continue
        _, created = enqueue(
            session,
            dedupe_key=f"statement:s{student.id}:{today.isoformat()}:g{guardian.id}",
            phone=guardian.phone,
            body=body,
            category=Category.STATEMENT,
            now=now,
            school_id=student.school_id,
            guardian_id=guardian.id,
            student_id=student.id,
        )
        if created:
            queued.append(guardian.id)
    return queued


@router.post("/dashboard/students/{student_id}/statement/send")
def send_to_family(
    request: Request, student_id: int, staff: SendingStaff, session: SessionDep, services: ServicesDep
) -> Response:
    student = school_student(session, staff, student_id)
    now = config_of(request).clock()
    queued = send_statement(services, session, student, now, school_day(now))
    if queued:
        after = {"student_id": student.id, "guardian_ids": queued}
        staff.audit(session, action="statement.send", at=now, target=f"student:{student.id}", after=after)
    session.commit()
    return redirect(request, f"/dashboard/students/{student.id}?statement_sent={len(queued)}#send-statement")
