"""Domain exceptions: specific, so the edges can turn each into a user's words."""


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""


class UnbalancedEntry(LedgerError):
    """A journal entry whose lines do not sum to zero."""


class IdempotencyConflict(LedgerError):
    """The same idempotency key was used before with a different request."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {key!r} was already used for a different request")
        self.key = key


class DuplicateReference(LedgerError):
    """A payment reference (e.g. an M-Pesa receipt number) already recorded for another payment."""


class NotFound(LedgerError):
    """A record named by the caller does not exist in this school."""


class InvalidAmount(LedgerError):
    """An amount that is zero, negative where it must be positive, or not whole cents."""


class InvalidPhone(LedgerError):
    """A phone number that is not a valid Kenyan (or international) mobile number."""


class InvalidTerm(LedgerError):
    """A term code other than YEAR-1..3, or term dates that do not fit together."""


class InvalidScore(LedgerError):
    """An exam score outside 0..100."""
