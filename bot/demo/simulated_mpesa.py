"""The Daraja simulator as ``karo demo`` runs it: it knows each school's shortcode, keeps every STK prompt
open on the phone until the person answers it in the sandbox (or it times out, as Safaricom's does), and
lets the sandbox list a phone's open prompts and answer them.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.crypto import CannotOpen, SecretKeyMissing
from bot.mpesa.compose import credentials_opener
from bot.mpesa.credentials import NoCredentials
from bot.settings import Settings
from ledger.records.tables import School
from providers.daraja_types import Shortcode
from providers.simulators.daraja import DarajaConfig

log = logging.getLogger(__name__)

# An unanswered prompt ends 1037 after this long: about as long as a person needs to find the phone and
# type the PIN, and before Karo's first STK query (+60 s) would find it still open.
PROMPT_TIMEOUT_SECONDS = 45.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")
TIMEOUT_SECONDS = 10.0

# Result codes the sandbox phone sends back, as Safaricom reports each (see providers.simulators.daraja).
PAID, CANCELLED, WRONG_PIN = 0, 1032, 2001


class PromptNotOpen(Exception):
    """The prompt is unknown to the simulator, or already answered (or timed out)."""


class SimulatorUnreachable(Exception):
    """The Daraja simulator did not answer, or answered something the sandbox cannot read."""


def daraja_config(shortcodes: Sequence[Shortcode], prompt_timeout: float) -> DarajaConfig:
    """Prompts wait for the person (no auto-resolve); each school's app is known by its shortcode (none
    given: the simulator's own sandbox shortcodes)."""
    config = DarajaConfig(auto_resolve=False, prompt_timeout=prompt_timeout)
    apps = {
        creds.shortcode: {
            "passkey": creds.passkey,
            "consumer_key": creds.consumer_key,
            "consumer_secret": creds.consumer_secret,
            "validation": True,
        }
        for creds in shortcodes
    }
    return dataclasses.replace(config, shortcodes=apps) if apps else config


def school_shortcodes(sessions: sessionmaker[Session], settings: Settings) -> list[Shortcode]:
    """The Daraja app Karo will use for each school (its own, else the sandbox defaults on its Paybill);
    a school whose sealed secrets cannot be opened is left out, and said so in the log."""
    opener = credentials_opener(settings)
    found: dict[str, Shortcode] = {}
    with sessions() as session:
        for school in session.scalars(select(School).order_by(School.id)):
            try:
                creds = opener(school)
            except (NoCredentials, SecretKeyMissing, CannotOpen) as error:
                log.warning("Daraja simulator: no app for %s (%s)", school.slug, error)
                continue
            found.setdefault(creds.shortcode, creds)
    return list(found.values())


def is_loopback(url: str | None) -> bool:
    """Whether ``url`` is on this machine: where ``start_simulators`` serves the Daraja simulator (a
    configured real Daraja is never polled for prompts)."""
    return url is not None and urlsplit(url).hostname in LOOPBACK


@dataclass(frozen=True)
class MpesaPhone:
    """The sandbox's side of the Daraja simulator: the prompts open on a phone, and the person's answer."""

    daraja_url: str

    def open_prompts(self, msisdn: str) -> list[dict[str, Any]]:
        """The prompts waiting on ``msisdn`` (2547XXXXXXXX), oldest first."""
        params = {"phone": msisdn, "status": "pending"}
        prompts = self._call("GET", "/_sim/stk", params=params)
        if not isinstance(prompts, list):
            raise SimulatorUnreachable("the Daraja simulator's prompt list is not a list")
        return sorted(prompts, key=lambda prompt: str(prompt.get("created_at")))

    def answer(self, checkout_id: str, result_code: int) -> dict[str, Any]:
        """Resolve the prompt with ``result_code``: the simulator calls Karo back with it."""
        path = f"/_sim/stk/{checkout_id}/resolve"
        answered: dict[str, Any] = self._call("POST", path, json={"result_code": result_code})
        return answered

    def _call(self, method: str, path: str, **request: Any) -> Any:
        try:
            response = httpx.request(method, self.daraja_url + path, timeout=TIMEOUT_SECONDS, **request)
        except httpx.HTTPError as error:
            raise SimulatorUnreachable(f"the Daraja simulator did not answer {path}: {error}") from error
        if response.status_code == 400:  # the simulator's ControlError: no such prompt, or settled already
            raise PromptNotOpen(_error_text(response))
        try:
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise SimulatorUnreachable(f"the Daraja simulator refused {path}: {error}") from error


def _error_text(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error") or response.text)
    except (ValueError, AttributeError):
        return response.text


def pin_result(pin: str) -> int:
    """What M-Pesa answers a PIN with, by the sandbox's rule: any four digits pay, ``0000`` is wrong."""
    return WRONG_PIN if pin == "0000" else PAID
