"""``POST /io-ceiling``: the least I/O a USSD hop must do, through the same stack, and nothing else.

A hop has to take its session's lock and read its state from Redis, read at least one indexed row from
PostgreSQL (through the pool, with its pre-ping, in a transaction), and write the state back and unlock:
two Redis round trips and one short database transaction. This endpoint does exactly that, from a sync
function on the USSD route's own threads (as the hop runs), with no form, no flows and no ORM, and
answers ``CON ok``: the ceiling for a hop that reads Redis and PostgreSQL.
"""

from __future__ import annotations

import anyio
from sqlalchemy import text
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from bot.bootstrap import Services
from bot.routes.ussd import HOP_THREADS

IO_CEILING = "/io-ceiling"
STATE = "x" * 600  # about the size of a stored USSD session


async def io_ceiling(request: Request) -> PlainTextResponse:
    state: State = request.app.state
    limiter = getattr(state, "io_threads", None)
    if limiter is None:
        limiter = state.io_threads = anyio.CapacityLimiter(HOP_THREADS)
    await anyio.to_thread.run_sync(minimal_io, state.services, limiter=limiter)
    return PlainTextResponse("CON ok")


def minimal_io(services: Services) -> None:
    redis = services.redis
    assert redis is not None
    pipe = redis.pipeline(transaction=False)
    pipe.set("karo:bench:io-lock", "1", px=10_000)
    pipe.get("karo:bench:io-state")
    pipe.execute()
    with services.engine.connect() as connection:
        connection.execute(text("SELECT name FROM students WHERE id = 1")).scalar()
    pipe = redis.pipeline(transaction=False)
    pipe.set("karo:bench:io-state", STATE, ex=180)
    pipe.delete("karo:bench:io-lock")
    pipe.execute()
