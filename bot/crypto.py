"""Secrets at rest: a Fernet key derived from ``KARO_SECRET_KEY`` with HKDF-SHA256, one key per purpose
(``derived_key``; the receipt links of ``bot.documents.links`` take theirs the same way).

The ledger keeps only the ciphertext (``School.daraja_*_sealed``); opening it happens here, in the bot,
just before a provider call. Changing KARO_SECRET_KEY makes stored secrets unreadable: set them again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

SALT = b"karo/v1"
DARAJA = "daraja-credentials"


def derived_key(secret: SecretStr, purpose: str) -> bytes:
    """32 bytes for ``purpose`` alone: a key for one purpose tells nothing of another's, nor of the secret."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=purpose.encode())
    return hkdf.derive(secret.get_secret_value().encode())


class SecretKeyMissing(Exception):
    """KARO_SECRET_KEY is not set, so nothing can be sealed or opened."""


class CannotOpen(Exception):
    """Ciphertext that this key did not seal (another KARO_SECRET_KEY, or damaged)."""


class SecretBox:
    """Seals and opens short secrets (passkeys, consumer keys) for one purpose."""

    def __init__(self, secret_key: SecretStr | None, purpose: str = DARAJA) -> None:
        if not secret_key:
            raise SecretKeyMissing("KARO_SECRET_KEY is not set: it protects the schools' M-Pesa secrets")
        self._fernet = Fernet(base64.urlsafe_b64encode(derived_key(secret_key, purpose)))

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, UnicodeError) as error:
            raise CannotOpen("cannot open a stored secret: was KARO_SECRET_KEY changed?") from error
