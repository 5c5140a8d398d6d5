"""What each separate process runs in the two-process token test: its own client on the shared Redis store,
pushing from several threads at once (importable, so ``multiprocessing`` can spawn it)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis

from providers.daraja import DarajaClient, RedisTokenStore
from providers.daraja_types import Shortcode


def push_from_process(
    base_url: str, redis_url: str, prefix: str, creds: Shortcode, phones: list[str], callback: str, start: Any
) -> list[str]:
    """Wait for the other process at ``start`` (a Barrier), then push to every phone from its own thread."""
    client = DarajaClient(base_url, RedisTokenStore(redis.Redis.from_url(redis_url), prefix=prefix))

    def one(phone: str) -> str:
        accepted = client.stk_push(
            creds, phone=phone, amount=10, account_reference="ADM1", description="Fees", callback_url=callback
        )
        return accepted.checkout_request_id

    start.wait(timeout=60)
    with ThreadPoolExecutor(len(phones)) as pool:
        return list(pool.map(one, phones))
