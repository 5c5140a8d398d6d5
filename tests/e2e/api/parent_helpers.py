"""Signing a parent in through the API, the code read from the outbox row it wrote (the SMS itself is
followed through the Africa's Talking simulator in test_parent_signin)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from ledger.messaging.outbox import OutboxMessage

CODE = re.compile(r"\b([0-9]{6})\b")


def latest_code(factory: Any, phone: str) -> str:
    with factory() as session:
        body = session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.phone == phone).order_by(OutboxMessage.id.desc())
        ).first()
    found = CODE.search(body or "")
    assert found, f"no code sent to {phone}"
    return found[1]


def sign_in(client: Any, factory: Any, phone: str, address: str | None = None) -> dict[str, str]:
    """The Authorization header of a fresh token for ``phone``."""
    assert client.post("/api/v1/parent/code", json={"phone": phone}).status_code == 202
    issued = client.post("/api/v1/parent/token", json={"phone": phone, "code": latest_code(factory, phone)})
    assert issued.status_code == 200, issued.text
    return {"Authorization": f"Bearer {issued.json()['access_token']}"}
