"""RQ jobs for M-Pesa: plain importable functions taking ids, building their Services from the environment."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

from bot.bootstrap import bootstrap
from bot.mpesa.compose import compose_mpesa
from bot.mpesa.desk import MpesaDesk
from bot.mpesa.push import send_push
from bot.mpesa.queries import query
from bot.mpesa.recovery import sweep
from bot.settings import get_settings


@contextmanager
def desk_from_env() -> Iterator[MpesaDesk]:
    services = bootstrap(get_settings())
    try:
        yield compose_mpesa(services)
    finally:
        services.close()


def send_stk_push(request_id: int) -> None:
    """Send the STK push for a recorded request (then its first query is scheduled)."""
    with desk_from_env() as desk:
        send_push(desk, request_id)


def query_stk(request_id: int, attempt: int = 0) -> None:
    """Ask Daraja about a push still unanswered (then the next query, or REVIEW)."""
    with desk_from_env() as desk:
        query(desk, request_id, attempt)


def sweep_stk_requests() -> dict[str, int]:
    """Settle requests whose scheduled push or queries were lost (for the cron scheduler, every minute)."""
    with desk_from_env() as desk:
        return asdict(sweep(desk))
