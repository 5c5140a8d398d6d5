"""Password hashes with argon2 (argon2-cffi's defaults, RFC 9106's low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10


class WeakPassword(ValueError):
    """A password too short to keep a school's books behind."""


class Passwords:
    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        # Checked against when no account matches, so an unknown email costs as long as a wrong password.
        self._decoy = self._hasher.hash("no account has this password")

    def hash(self, password: str) -> str:
        if len(password) < MIN_LENGTH:
            raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; ``stored_hash=None`` (no such account) takes as long and fails."""
        try:
            return self._hasher.verify(stored_hash or self._decoy, password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    def upgraded(self, stored_hash: str, password: str) -> str | None:
        """A new hash of a just-verified password when the stored one used weaker parameters, else None."""
        return self._hasher.hash(password) if self._hasher.check_needs_rehash(stored_hash) else None
