"""Holding a session for one USSD hop: read under the lock, written as it lets go, one hop at a time.

Real Redis (the test database, flushed) and the in-process store of the embedded default alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from redis import Redis

from bot.channels.conversations import (
    ConversationBusy,
    ConversationStore,
    MemoryConversationStore,
    RedisConversationStore,
)
from tests.conftest import REDIS_URL, flushed_redis


@pytest.fixture
def redis() -> Iterator[Redis]:
    yield from flushed_redis(REDIS_URL)


@pytest.fixture(params=["redis", "memory"])
def store(request: pytest.FixtureRequest) -> ConversationStore:
    if request.param == "memory":
        return MemoryConversationStore()
    return RedisConversationStore(request.getfixturevalue("redis"))


def test_a_hold_reads_its_keys_and_writes_what_changed_as_it_lets_go(store: ConversationStore) -> None:
    store.save("ussd:1", {"raw": ""}, 60)
    store.save("ussd-last:+254712000001", {"service_code": "*384#"}, 60)
    with store.hold("ussd:1", "ussd-last:+254712000001", "ussd:absent") as held:
        assert held.found == {
            "ussd:1": {"raw": ""},
            "ussd-last:+254712000001": {"service_code": "*384#"},
            "ussd:absent": None,
        }
        held.save("ussd:1", {"raw": "1"}, 60)
        held.delete("ussd-last:+254712000001")
        assert store.load("ussd:1") == {"raw": ""}  # nothing written before letting go
    assert store.load("ussd:1") == {"raw": "1"}
    assert store.load("ussd-last:+254712000001") is None


def test_a_hop_that_fails_writes_nothing_and_frees_its_session(store: ConversationStore) -> None:
    store.save("ussd:2", {"raw": ""}, 60)
    with pytest.raises(RuntimeError), store.hold("ussd:2") as held:
        held.save("ussd:2", {"raw": "half done"}, 60)
        raise RuntimeError("the hop failed")
    assert store.load("ussd:2") == {"raw": ""}
    with store.hold("ussd:2") as again:  # not left locked
        assert again.found["ussd:2"] == {"raw": ""}


def test_a_sessions_hops_are_handled_one_at_a_time(store: ConversationStore) -> None:
    store.save("ussd:3", {"count": 0}, 60)

    def hop() -> None:
        with store.hold("ussd:3") as held:
            count = held.found["ussd:3"]["count"]  # type: ignore[index]
            time.sleep(0.01)  # a lost update would show if two hops overlapped here
            held.save("ussd:3", {"count": count + 1}, 60)

    hops = [threading.Thread(target=hop) for _ in range(8)]
    for thread in hops:
        thread.start()
    for thread in hops:
        thread.join()
    assert store.load("ussd:3") == {"count": 8}


def test_a_hop_that_outlived_its_lock_overwrites_nothing(redis: Redis) -> None:
    store = RedisConversationStore(redis)
    store.save("ussd:4", {"raw": ""}, 60)
    with pytest.raises(ConversationBusy), store.hold("ussd:4") as held:
        redis.set("karo:lock:ussd:4", "another hop's token")  # ours expired; another hop took it
        held.save("ussd:4", {"raw": "stale"}, 60)
    assert store.load("ussd:4") == {"raw": ""}
    assert redis.get("karo:lock:ussd:4") == b"another hop's token"


def test_a_session_held_too_long_answers_busy(redis: Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.channels.conversations.LOCK_WAIT_SECONDS", 0.2)
    store = RedisConversationStore(redis)
    redis.set("karo:lock:ussd:5", "a hop still running", px=10_000)
    with pytest.raises(ConversationBusy), store.hold("ussd:5"):
        pass
