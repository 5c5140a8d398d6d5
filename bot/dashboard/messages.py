"""The messages log: what Karo sent to families, what became of each, and why a failed one failed."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.dashboard.access import StaffDep
from bot.dashboard.rendering import render
from bot.dashboard.student import MessageView, message_view
from bot.routes.deps import SessionDep
from ledger.messaging.outbox import MessageStatus, OutboxMessage
from ledger.records.tables import Student

router = APIRouter()

PAGE_SIZE = 50
FAILED = (MessageStatus.FAILED, MessageStatus.UNDELIVERED)
SHOWN = {"": "Any", "failed": "Failed or undelivered", "queued": "Waiting to send", "delivered": "Delivered"}


@dataclass(frozen=True)
class LoggedMessage:
    message: MessageView
    student_id: int | None
    student_name: str | None


@dataclass(frozen=True)
class MessageLog:
    rows: list[LoggedMessage]
    total: int
    page: int
    pages: int


def message_log(session: Session, school_id: int, status: str, page: int) -> MessageLog:
    query = (
        select(OutboxMessage, Student.name)
        .outerjoin(Student, Student.id == OutboxMessage.student_id)
        .where(OutboxMessage.school_id == school_id)
    )
    if status == "failed":
        query = query.where(OutboxMessage.status.in_(FAILED))
    elif status == "queued":
        query = query.where(OutboxMessage.status.in_((MessageStatus.QUEUED, MessageStatus.SENDING)))
    elif status == "delivered":
        query = query.where(OutboxMessage.status.in_((MessageStatus.DELIVERED, MessageStatus.READ)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = session.execute(
        query.order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    )
    logged = [LoggedMessage(message_view(m), m.student_id, name) for m, name in rows]
    return MessageLog(logged, total, page, pages)


@router.get("/dashboard/messages")
def messages_page(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    status: str = "",
    page: int = Query(1, ge=1, le=100_000),
) -> Response:
    status = status if status in SHOWN else ""
    context = {
        "staff": staff,
        "page": "messages",
        "status": status,
        "choices": SHOWN,
        "log": message_log(session, staff.school_id, status, page),
    }
    return render(request, "messages.html", context)
