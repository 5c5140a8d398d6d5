"""The messages Karo sent the signed-in phone (its outbox rows, sign-in codes left out): list, unread count,
one message, and marking one read (a marker per phone, so every device of the family sees it read)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from bot.api.pages import Page, decode_cursor, encode_cursor
from bot.api.parent.deps import MAX_ID, Cursor, Db, Id, Limit, Phone, services_of
from bot.api.parent.tables import ParentRead
from bot.api.problems import PROBLEM_RESPONSES, Problem
from ledger.bulk import insert_or_fetch
from ledger.clock import utc_now
from ledger.messaging.outbox import OutboxMessage

router = APIRouter(
    prefix="/parent/notifications", tags=["parent: notifications"], responses=PROBLEM_RESPONSES
)
CODES = "parent-code:%"  # the dedupe keys of sign-in codes (``bot.api.parent.signin``)


class Notification(BaseModel):
    id: int
    category: str  # receipt, reminder, payment_failed, announcement, ...
    channel: str
    status: str  # queued, sent, delivered, read, failed, ...
    body: str
    student_id: int | None
    school_id: int | None
    sent_at: dt.datetime
    read: bool


class UnreadCount(BaseModel):
    unread: int


def _to(phone: str) -> list[ColumnElement[bool]]:
    return [OutboxMessage.phone == phone, OutboxMessage.dedupe_key.not_like(CODES)]


def _with_reads(phone: str):  # type: ignore[no-untyped-def]
    return select(OutboxMessage, ParentRead.id).outerjoin(
        ParentRead, and_(ParentRead.message_id == OutboxMessage.id, ParentRead.phone == phone)
    )


def _out(message: OutboxMessage, read: int | None) -> Notification:
    return Notification(
        id=message.id,
        category=message.category.value,
        channel=message.channel,
        status=message.status.value,
        body=message.body,
        student_id=message.student_id,
        school_id=message.school_id,
        sent_at=message.created_at,
        read=read is not None,
    )


@router.get("", response_model=Page[Notification])
def notifications(phone: Phone, session: Db, cursor: Cursor = None, limit: Limit = 50) -> Page[Notification]:
    """Newest first."""
    query = _with_reads(phone).where(*_to(phone)).order_by(OutboxMessage.id.desc()).limit(limit + 1)
    if (key := decode_cursor(cursor)) is not None:
        if len(key) != 1 or not isinstance(key[0], int) or not 0 < key[0] <= MAX_ID:
            raise Problem(400, "Bad cursor", "The cursor is not one this API handed out.")
        query = query.where(OutboxMessage.id < key[0])
    rows = session.execute(query).all()
    page = [_out(message, read) for message, read in rows[:limit]]
    return Page[Notification](
        items=page, next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None
    )


@router.get("/unread-count", response_model=UnreadCount)
def unread_count(phone: Phone, session: Db) -> UnreadCount:
    unread = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .outerjoin(ParentRead, and_(ParentRead.message_id == OutboxMessage.id, ParentRead.phone == phone))
        .where(*_to(phone), ParentRead.id.is_(None))
    )
    return UnreadCount(unread=unread or 0)


def _one(session: Session, phone: str, message_id: Id) -> tuple[OutboxMessage, int | None]:
    row = session.execute(_with_reads(phone).where(*_to(phone), OutboxMessage.id == message_id)).first()
    if row is None:
        raise Problem(404, "Not found", f"No message {message_id} to this phone.")
    return row[0], row[1]


@router.get("/{message_id}", response_model=Notification)
def notification(message_id: Id, phone: Phone, session: Db) -> Notification:
    return _out(*_one(session, phone, message_id))


@router.post("/{message_id}/read", status_code=204)
def mark_read(message_id: Id, phone: Phone, request: Request) -> Response:
    """Mark the message read; marking it again changes nothing."""
    with services_of(request).sessions.begin() as session:
        message, _ = _one(session, phone, message_id)
        values = {"phone": phone, "message_id": message.id, "read_at": utc_now()}
        insert_or_fetch(session, ParentRead, values, lambda: _read(session, phone, message.id))
    return Response(status_code=204)


def _read(session: Session, phone: str, message_id: Id) -> ParentRead | None:
    return session.scalars(
        select(ParentRead).where(ParentRead.phone == phone, ParentRead.message_id == message_id)
    ).one_or_none()
