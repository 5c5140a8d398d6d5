"""School API keys: a school system signs its API requests with one (``Authorization: Bearer KEY``).

Only a SHA-256 of the key is kept. The key is 256 random bits, so a fast hash is as safe as a slow one
(there is nothing to guess from a dictionary), and unlike argon2 it costs microseconds on every request
and can be looked up by an index. The first characters are kept in clear so the head can tell keys apart.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets

from sqlalchemy import Boolean, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.db import Base, UtcDateTime
from ledger.errors import LedgerError
from ledger.records.tables import _enum

KEY_PREFIX = "karo_"
SHOWN_CHARS = 12  # "karo_" and 7 random characters: enough to tell a school's keys apart
NAME_LENGTH = 60
# Last use is written at most once a minute per key, so a busy key does not turn every read into a write.
LAST_USED_EVERY = dt.timedelta(minutes=1)


class Scope(enum.StrEnum):
    READ = "read"
    WRITE = "write"


class InvalidApiKey(LedgerError):
    """A key request the head or the command must fix (an empty name, an unknown scope)."""


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    scope: Mapped[Scope] = mapped_column(_enum(Scope))
    prefix: Mapped[str] = mapped_column(String(SHOWN_CHARS))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(254))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_scope(text: str) -> Scope:
    try:
        return Scope(text.strip().lower())
    except ValueError:
        raise InvalidApiKey(f"scope {text!r} is not read or write") from None


def create_key(
    session: Session, school_id: int, name: str, scope: Scope, *, actor: str, now: dt.datetime
) -> tuple[ApiKey, str]:
    """A new key for the school; returns the row and the key itself, which is never seen again."""
    name = " ".join(name.split())
    if not name:
        raise InvalidApiKey("a key needs a name (what system uses it)")
    if len(name) > NAME_LENGTH:
        raise InvalidApiKey(f"a key's name is at most {NAME_LENGTH} characters")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        school_id=school_id,
        name=name,
        scope=scope,
        prefix=secret[:SHOWN_CHARS],
        key_hash=hash_key(secret),
        created_at=now,
        created_by=actor,
        revoked=False,
    )
    session.add(key)
    session.flush()
    return key, secret


def key_for(session: Session, secret: str) -> ApiKey | None:
    """The live key this secret is, or None (unknown or revoked: the caller cannot tell which)."""
    if not secret.startswith(KEY_PREFIX):
        return None
    key = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(secret))).one_or_none()
    return None if key is None or key.revoked else key


def note_use(key: ApiKey, now: dt.datetime) -> bool:
    """Record the key's use if the last one recorded is over a minute old; whether anything changed."""
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_EVERY:
        return False
    key.last_used_at = now
    return True


def school_keys(session: Session, school_id: int) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.school_id == school_id).order_by(ApiKey.revoked, ApiKey.id.desc())
    return list(session.scalars(query))


def school_key(session: Session, school_id: int, key_id: int) -> ApiKey | None:
    key = session.get(ApiKey, key_id)
    return key if key is not None and key.school_id == school_id else None


def revoke_key(key: ApiKey, now: dt.datetime) -> bool:
    """Revoke the key (once); whether it was live."""
    if key.revoked:
        return False
    key.revoked, key.revoked_at = True, now
    return True


def rotate_key(session: Session, key: ApiKey, *, actor: str, now: dt.datetime) -> tuple[ApiKey, str]:
    """A new key with the old one's name and scope; the old one is revoked in the same transaction."""
    if key.revoked:
        raise InvalidApiKey("a revoked key cannot be rotated; create a new one")
    revoke_key(key, now)
    return create_key(session, key.school_id, key.name, key.scope, actor=actor, now=now)


def key_snapshot(key: ApiKey) -> dict[str, object]:
    return {"name": key.name, "scope": key.scope.value, "prefix": key.prefix, "revoked": key.revoked}
