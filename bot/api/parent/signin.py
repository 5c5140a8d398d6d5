"""Signing in: a one-time code by SMS to a guardian's phone, exchanged for a bearer token; signing out.

The answer to ``POST /parent/code`` is the same whether or not the phone is a guardian's (a row is kept
either way, so the rate limits match too); only a guardian's phone gets the SMS. Codes live 10 minutes,
take at most ``MAX_ATTEMPTS`` guesses (counted by one conditional UPDATE, so parallel guesses cannot
exceed it) and are single-use."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from bot.api.parent.deps import _bearer, digest, services_of
from bot.api.parent.tables import ParentCode, ParentToken
from bot.api.problems import PROBLEM_RESPONSES, Problem
from bot.crypto import derived_key
from bot.settings import Settings
from ledger.clock import utc_now
from ledger.db import is_postgres
from ledger.errors import InvalidPhone
from ledger.messaging.outbox import Category, enqueue
from ledger.phones import normalise_phone
from ledger.records.tables import Guardian

router = APIRouter(prefix="/parent", tags=["parent: sign-in"], responses=PROBLEM_RESPONSES)

CODE_LIFETIME = dt.timedelta(minutes=10)
TOKEN_LIFETIME = dt.timedelta(days=30)
MAX_ATTEMPTS = 5
PER_PHONE = (3, dt.timedelta(minutes=15))  # codes per phone per window
PER_ADDRESS = (10, dt.timedelta(hours=1))  # codes per client address per window
TEXTS = {
    "en": "Your Karo sign-in code is {code}. It expires in 10 minutes. Do not share it with anyone.",
    "sw": "Nambari yako ya kuingia Karo ni {code}. Itaisha baada ya dakika 10. Usimpe mtu yeyote.",
}
CODE_PURPOSE = "parent-codes"
SENT = "If this phone belongs to a parent at a school using Karo, a code is on its way by SMS."


class CodeRequest(BaseModel):
    phone: str = Field(max_length=32, examples=["0712345678"])


class CodeSent(BaseModel):
    detail: str
    expires_in: int  # seconds


class TokenRequest(BaseModel):
    phone: str = Field(max_length=32)
    code: str = Field(max_length=12)


class TokenIssued(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int  # seconds


def _phone(text: str) -> str:
    try:
        return normalise_phone(text)
    except InvalidPhone as bad:
        raise Problem(422, "Invalid request", str(bad)) from None


@router.post("/code", status_code=202, response_model=CodeSent)
def send_code(body: CodeRequest, request: Request) -> CodeSent:
    """Send a one-time sign-in code by SMS (when the phone is a guardian's; the answer never says)."""
    phone, now = _phone(body.phone), utc_now()
    address = (request.client.host if request.client else "")[:64] or "unknown"
    code = f"{secrets.randbelow(10**6):06d}"
    services = services_of(request)
    with services.sessions.begin() as session:
        _serialise(session, f"parent-code:{phone}", f"parent-code:{address}")
        _within_limit(session, ParentCode.phone == phone, PER_PHONE, now, "this phone")
        _within_limit(session, ParentCode.address == address, PER_ADDRESS, now, "this address")
        row = ParentCode(
            phone=phone,
            address=address,
            code_hash=_code_digest(services.settings, phone, code),
            attempts=0,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
        session.add(row)
        session.flush()
        guardian = session.scalars(
            select(Guardian).where(Guardian.phone == phone).order_by(Guardian.id)
        ).first()
        if guardian is not None:
            enqueue(
                session,
                dedupe_key=f"parent-code:{row.id}",
                phone=phone,
                category=Category.REPLY,
                body=TEXTS.get(guardian.language.value, TEXTS["en"]).format(code=code),
                now=now,
                channel="sms",
                school_id=guardian.school_id,
                guardian_id=guardian.id,
            )
    return CodeSent(detail=SENT, expires_in=int(CODE_LIFETIME.total_seconds()))


def _serialise(session: Session, *names: str) -> None:
    """On PostgreSQL, one request at a time per phone and per address until the transaction ends, so that
    parallel requests cannot all pass the count before any is written (SQLite has one writer anyway)."""
    if is_postgres(session):
        for name in sorted(names):  # always in the same order: two requests never wait on each other
            session.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))


def _code_digest(settings: Settings, phone: str, code: str) -> str:
    """A six-digit code is guessed offline in a moment from a plain hash: keyed with the deployment's secret
    (when it has one) a copy of the table alone gives nothing."""
    secret = settings.secret_key or settings.webhook_token
    key = derived_key(secret, CODE_PURPOSE) if secret else b""
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _within_limit(
    session: Session, which: ColumnElement[bool], limit: tuple[int, dt.timedelta], now: dt.datetime, who: str
) -> None:
    most, window = limit
    recent = session.execute(
        select(func.count(), func.min(ParentCode.created_at)).where(
            which, ParentCode.created_at > now - window
        )
    ).one()
    if recent[0] >= most:
        wait = max(1, math.ceil((recent[1] + window - now).total_seconds()))
        raise Problem(
            429,
            "Too many requests",
            f"Too many codes asked for {who}; try again in {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )


@router.post("/token", response_model=TokenIssued)
def issue_token(body: TokenRequest, request: Request) -> TokenIssued:
    """Exchange the phone's latest code for a bearer token (30 days). A wrong, used or expired code, or one
    guessed at too often, is a 401 that says no more."""
    phone, now, settings = _phone(body.phone), utc_now(), services_of(request).settings
    refused = Problem(401, "Not signed in", "That code is wrong or has expired; ask for a new one.")
    with services_of(request).sessions() as session:
        latest = session.scalars(
            select(ParentCode).where(ParentCode.phone == phone).order_by(ParentCode.id.desc()).limit(1)
        ).first()
        if latest is None or latest.used_at is not None or latest.expires_at <= now:
            raise refused
        # The attempt is counted before the code is compared, in one statement, and committed whatever the
        # guess: parallel guesses each take one of the attempts left, and none is compared once all are spent.
        counted = session.scalar(
            update(ParentCode)
            .where(
                ParentCode.id == latest.id, ParentCode.attempts < MAX_ATTEMPTS, ParentCode.used_at.is_(None)
            )
            .values(attempts=ParentCode.attempts + 1)
            .returning(ParentCode.id)
        )
        session.commit()
        if counted is None or not secrets.compare_digest(
            latest.code_hash, _code_digest(settings, phone, body.code.strip())
        ):
            raise refused
        used = session.scalar(
            update(ParentCode)
            .where(ParentCode.id == latest.id, ParentCode.used_at.is_(None))
            .values(used_at=now)
            .returning(ParentCode.id)
        )
        if used is None:  # a parallel request took it first: single use
            raise refused
        token = secrets.token_urlsafe(32)
        session.add(
            ParentToken(
                phone=phone, token_hash=digest(token), created_at=now, expires_at=now + TOKEN_LIFETIME
            )
        )
        session.commit()
    return TokenIssued(access_token=token, expires_in=int(TOKEN_LIFETIME.total_seconds()))


@router.delete("/token", status_code=204)
def sign_out(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Response:
    """Revoke this token (signing out); an unknown or revoked one is a 401."""
    if credentials is None:
        raise Problem(
            401, "Not signed in", "Send the token to revoke.", headers={"WWW-Authenticate": "Bearer"}
        )
    with services_of(request).sessions.begin() as session:
        revoked = session.scalar(
            update(ParentToken)
            .where(
                ParentToken.token_hash == digest(credentials.credentials), ParentToken.revoked_at.is_(None)
            )
            .values(revoked_at=utc_now())
            .returning(ParentToken.id)
        )
        if revoked is None:
            raise Problem(
                401, "Not signed in", "That token is not a live one.", headers={"WWW-Authenticate": "Bearer"}
            )
    return Response(status_code=204)
