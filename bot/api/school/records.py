"""Bursaries awarded and the messages Karo sent (with where each one got to)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.api.pages import Page
from bot.api.problems import PROBLEM_RESPONSES
from bot.api.school.auth import Reader
from bot.api.school.common import DEFAULT, Cursor, Id, IdFilter, Limit, id_page, owned
from bot.api.school.models import BursaryOut, MessageOut
from bot.routes.deps import SessionDep
from ledger.billing.sponsor_tables import BursaryAward, Sponsor
from ledger.messaging.outbox import OutboxMessage
from ledger.records.tables import VoteHead

router = APIRouter(tags=["bursaries and messages"], responses=PROBLEM_RESPONSES)


def bursaries_out(session: Session, awards: list[BursaryAward]) -> list[BursaryOut]:
    named = select(Sponsor.id, Sponsor.name).where(Sponsor.id.in_({a.sponsor_id for a in awards}))
    sponsors = {id_: name for id_, name in session.execute(named)}
    head_ids = {a.vote_head_id for a in awards if a.vote_head_id is not None}
    heads_named = select(VoteHead.id, VoteHead.name).where(VoteHead.id.in_(head_ids))
    heads = {id_: name for id_, name in session.execute(heads_named)}
    return [
        BursaryOut(
            id=a.id,
            student_id=a.student_id,
            term_id=a.term_id,
            sponsor=sponsors[a.sponsor_id],
            amount=a.amount,
            percent=a.percent_bp / 100 if a.percent_bp is not None else None,
            vote_head=heads.get(a.vote_head_id) if a.vote_head_id is not None else None,
            withdrawn_on=a.withdrawn_on,
        )
        for a in awards
    ]


@router.get("/bursaries", response_model=Page[BursaryOut])
def list_bursaries(
    caller: Reader,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT,
    student_id: IdFilter = None,
    term_id: IdFilter = None,
) -> Page[BursaryOut]:
    query = select(BursaryAward).where(BursaryAward.school_id == caller.school_id)
    if student_id is not None:
        query = query.where(BursaryAward.student_id == student_id)
    if term_id is not None:
        query = query.where(BursaryAward.term_id == term_id)
    rows, next_cursor = id_page(session, query, BursaryAward.id, cursor, limit)
    return Page[BursaryOut](items=bursaries_out(session, rows), next_cursor=next_cursor)


@router.get("/bursaries/{award_id}", response_model=BursaryOut)
def get_bursary(award_id: Id, caller: Reader, session: SessionDep) -> BursaryOut:
    return bursaries_out(session, [owned(session, BursaryAward, award_id, caller.school_id, "bursary")])[0]


def message_out(m: OutboxMessage) -> MessageOut:
    return MessageOut(
        id=m.id,
        student_id=m.student_id,
        guardian_id=m.guardian_id,
        phone=m.phone,
        channel=m.channel,
        category=m.category.value,
        body=m.body,
        status=m.status.value,
        failure_reason=m.failure_reason,
        created_at=m.created_at,
        updated_at=m.updated_at,
    )


@router.get("/messages", response_model=Page[MessageOut])
def list_messages(
    caller: Reader,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT,
    student_id: IdFilter = None,
) -> Page[MessageOut]:
    """Messages to the school's families, newest first, with their delivery status."""
    query = select(OutboxMessage).where(OutboxMessage.school_id == caller.school_id)
    if student_id is not None:
        query = query.where(OutboxMessage.student_id == student_id)
    rows, next_cursor = id_page(session, query, OutboxMessage.id, cursor, limit, newest_first=True)
    return Page[MessageOut](items=[message_out(m) for m in rows], next_cursor=next_cursor)


@router.get("/messages/{message_id}", response_model=MessageOut)
def get_message(message_id: Id, caller: Reader, session: SessionDep) -> MessageOut:
    return message_out(owned(session, OutboxMessage, message_id, caller.school_id, "message"))
