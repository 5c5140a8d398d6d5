"""Daraja credentials at rest: sealed with a key derived from KARO_SECRET_KEY, opened only by the bot."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.crypto import CannotOpen, SecretBox, SecretKeyMissing
from bot.mpesa.credentials import NoCredentials, credentials_for, store_credentials
from ledger.records.tables import School
from providers.daraja_types import Shortcode

CREDS = Shortcode("600100", "passkey-abc", "consumer-key-1", "consumer-secret-1")


def test_sealed_secrets_are_opaque_and_open_with_the_same_key_only():
    box = SecretBox(SecretStr("deployment-secret"))
    sealed = box.seal("passkey-abc")
    assert "passkey" not in sealed and sealed != box.seal("passkey-abc")  # Fernet: a fresh IV each time
    assert SecretBox(SecretStr("deployment-secret")).open(sealed) == "passkey-abc"
    with pytest.raises(CannotOpen):
        SecretBox(SecretStr("another-secret")).open(sealed)
    with pytest.raises(SecretKeyMissing):
        SecretBox(None)


def test_a_school_keeps_its_shortcode_in_clear_and_its_secrets_sealed():
    school = School(slug="kilimani", name="Kilimani")
    box = SecretBox(SecretStr("deployment-secret"))
    store_credentials(school, CREDS, box)
    assert school.daraja_shortcode == school.paybill == "600100"
    stored = (
        school.daraja_passkey_sealed,
        school.daraja_consumer_key_sealed,
        school.daraja_consumer_secret_sealed,
    )
    assert not {"passkey-abc", "consumer-key-1", "consumer-secret-1"} & set(stored)
    assert credentials_for(school, box, "https://api.safaricom.co.ke") == CREDS
    with pytest.raises(SecretKeyMissing):
        credentials_for(school, None, None)


def test_without_its_own_credentials_a_school_uses_the_sandbox_except_in_production():
    school = School(slug="kilimani", name="Kilimani", paybill="600100")
    creds = credentials_for(school, None, "http://127.0.0.1:9000")
    assert (creds.shortcode, creds.consumer_key) == ("600100", "sim-key-600100")
    with pytest.raises(NoCredentials):
        credentials_for(school, None, "https://api.safaricom.co.ke/")
