"""Dialling the app as Africa's Talking does: session id, dialled code, phone and the text so far."""

from __future__ import annotations

import itertools
import re

import pytest
from fastapi.testclient import TestClient

TOKEN = "test-token"
SHARED_CODE = "*384*1#"
_sessions = itertools.count(1)


class Dial:
    """One USSD session; ``press`` sends the whole input history joined by ``*``, as the gateway does."""

    def __init__(self, client: TestClient, phone: str, code: str = SHARED_CODE) -> None:
        self.client = client
        self.phone = phone
        self.code = code
        self.session_id = f"ATUid_test_{next(_sessions)}"
        self.inputs: list[str] = []
        self.reply = self._hop("")

    def afresh(self) -> Dial:
        """Decline the offer to continue an earlier session, if there is one."""
        if "Continue where" in self.reply:
            self.choose("Start again")
        return self

    def _hop(self, text: str) -> str:
        response = self.client.post(
            f"/at/ussd/{TOKEN}",
            data={
                "sessionId": self.session_id,
                "serviceCode": self.code,
                "phoneNumber": self.phone,
                "networkCode": "63902",
                "text": text,
            },
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text.startswith(("CON ", "END ")), response.text
        return response.text

    def press(self, *keys: str) -> str:
        for key in keys:
            self.inputs.append(key)
            self.reply = self._hop("*".join(self.inputs))
        return self.reply

    def choose(self, label: str) -> str:
        """Press the number of the option whose label contains ``label``."""
        return self.press(option_key(self.reply, label))

    @property
    def ended(self) -> bool:
        return self.reply.startswith("END ")


def option_key(reply: str, label: str) -> str:
    for line in reply.splitlines():
        match = re.match(r"^(?:CON |END )?(\d+)\. (.*)$", line)
        if match and label.lower() in match.group(2).lower():
            return match.group(1)
    pytest.fail(f"no option {label!r} on screen:\n{reply}")
