"""One OAuth token per shortcode for the whole deployment: fetched once however many threads and processes
push at the same time, refreshed before it expires, and replaced once when Daraja says it is invalid."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from providers.daraja import DarajaClient, MemoryTokenStore, RedisTokenStore
from providers.daraja_types import BadRequest, DarajaUnavailable, InvalidToken, Shortcode
from tests.conftest import REDIS_URL

from .conftest import PAYBILL, STK, push
from .workers import push_from_process


def phones(count: int, start: int = 0) -> list[str]:
    return [f"2547{start + n:08d}" for n in range(count)]


def slow_oauth(daraja_sim, seconds: float = 0.3) -> None:
    """Make the next token fetch slow, so every caller arrives while it is under way."""
    daraja_sim.control("POST", "fail", api="oauth", delay=seconds)


def test_many_threads_sharing_a_redis_store_fetch_one_token(daraja_sim, receiver, redis_tokens):
    slow_oauth(daraja_sim)
    clients = [DarajaClient(daraja_sim.url, redis_tokens) for _ in range(16)]  # as an RQ worker's threads
    start = threading.Barrier(len(clients))

    def one(n: int) -> str:
        start.wait(timeout=10)
        return push(clients[n], receiver, phones(1, start=n)[0])[0].checkout_request_id

    with ThreadPoolExecutor(len(clients)) as pool:
        checkouts = list(pool.map(one, range(len(clients))))

    assert len(set(checkouts)) == len(clients)
    assert daraja_sim.issued() == 1


def test_two_processes_sharing_redis_fetch_one_token(daraja_sim, receiver, token_prefix):
    slow_oauth(daraja_sim, 0.5)
    spawn = multiprocessing.get_context("spawn")  # fresh interpreters: nothing shared but Redis
    callback = receiver.url + receiver.path("stk")

    with spawn.Manager() as manager, spawn.Pool(2) as pool:
        start = manager.Barrier(2)
        jobs = [
            (daraja_sim.url, REDIS_URL, token_prefix, STK, phones(6, start=100 * n), callback, start)
            for n in (1, 2)
        ]
        results = pool.starmap(push_from_process, jobs, chunksize=1)

    assert [len(r) for r in results] == [6, 6]
    assert len(set(results[0] + results[1])) == 12
    assert daraja_sim.issued() == 1


def test_a_token_replaced_elsewhere_is_refreshed_once_and_the_push_retried(daraja_sim, client, receiver):
    push(client, receiver, phones(1)[0])
    httpx.get(  # another app instance outside the shared store takes a token: ours dies, as at Safaricom
        daraja_sim.url + "/oauth/v1/generate",
        params={"grant_type": "client_credentials"},
        auth=(STK.consumer_key, STK.consumer_secret),
    )

    accepted, _ = push(client, receiver, phones(1, start=1)[0])

    assert accepted.checkout_request_id.startswith("ws_CO_")
    assert daraja_sim.issued() == 3  # ours, the intruder's, and exactly one refresh
    statuses = [r["status"] for r in daraja_sim.requests("stkpush")]
    assert statuses == [200, 404, 200]


def test_concurrent_pushes_on_a_dead_token_refresh_it_only_once(daraja_sim, redis_tokens, receiver):
    push(DarajaClient(daraja_sim.url, redis_tokens), receiver, phones(1)[0])
    daraja_sim.control("POST", "oauth/revoke", shortcode=STK.shortcode)

    def one(phone: str) -> str:
        return push(DarajaClient(daraja_sim.url, redis_tokens), receiver, phone)[0].checkout_request_id

    with ThreadPoolExecutor(8) as pool:
        assert len(set(pool.map(one, phones(8, start=10)))) == 8
    assert daraja_sim.issued() == 2


def test_a_token_that_stays_invalid_raises_after_one_retry(daraja_sim, client, receiver):
    daraja_sim.control("POST", "fail", count=2, api="stkpush", error="404.001.03")

    with pytest.raises(InvalidToken):
        push(client, receiver)

    assert daraja_sim.issued() == 2  # the first token, and one forced refresh: no loop


@pytest.mark.parametrize("as_text", [True, False], ids=["expires_in-string", "expires_in-number"])
def test_expires_in_is_read_whether_string_or_number(daraja_sim, client, receiver, as_text):
    daraja_sim.configure(expires_in_as_text=as_text, token_ttl=3599)
    tokens = MemoryTokenStore()
    before = time.time()

    push(DarajaClient(daraja_sim.url, tokens), receiver)

    token, expires_at = tokens.get(STK.shortcode)
    assert token == daraja_sim.control("GET", "oauth")["current"][STK.shortcode]
    assert before + 3599 - 5 <= expires_at <= time.time() + 3599


def test_a_token_is_reused_until_two_minutes_before_it_expires(daraja_sim, receiver):
    now = [1_000_000.0]
    client = DarajaClient(daraja_sim.url, MemoryTokenStore(), clock=lambda: now[0])

    push(client, receiver, phones(1)[0])
    now[0] += 3599 - 121
    push(client, receiver, phones(1, start=1)[0])
    assert daraja_sim.issued() == 1

    now[0] += 2  # 119 s left: refresh before Safaricom lets it lapse
    push(client, receiver, phones(1, start=2)[0])
    assert daraja_sim.issued() == 2


def test_each_shortcode_has_its_own_token(daraja_sim, receiver, redis_tokens):
    client = DarajaClient(daraja_sim.url, redis_tokens)

    push(client, receiver, phones(1)[0])
    push(client, receiver, phones(1, start=1)[0], creds=PAYBILL)

    assert daraja_sim.control("GET", "oauth")["issued"] == {STK.shortcode: 1, PAYBILL.shortcode: 1}
    assert redis_tokens.get(STK.shortcode)[0] != redis_tokens.get(PAYBILL.shortcode)[0]


def test_the_redis_store_keeps_the_token_under_its_prefix_and_lets_it_expire(redis_client, redis_tokens):
    expires_at = time.time() + 60

    redis_tokens.put("174379", "abc", expires_at)

    assert redis_tokens.get("174379") == ("abc", expires_at)
    raw = redis_client.get(next(redis_client.scan_iter(match="*token:174379")))
    assert json.loads(raw)["token"] == "abc"
    assert 0 < redis_client.pttl(next(redis_client.scan_iter(match="*token:174379"))) <= 60_000
    assert redis_tokens.get("600984") is None


def test_the_redis_refresh_lock_is_held_by_one_holder_at_a_time(redis_client, token_prefix):
    first = RedisTokenStore(redis_client, prefix=token_prefix)
    impatient = RedisTokenStore(redis_client, prefix=token_prefix, wait=0.2)

    with first.refresh_lock("174379"), pytest.raises(DarajaUnavailable, match="token lock"):
        impatient.refresh_lock("174379").__enter__()
    with impatient.refresh_lock("174379"):
        pass  # free again once released


def test_wrong_consumer_secret_is_a_bad_request(daraja_sim, receiver):
    wrong = Shortcode(STK.shortcode, STK.passkey, STK.consumer_key, "guessed")

    with pytest.raises(BadRequest) as refused:
        push(DarajaClient(daraja_sim.url, MemoryTokenStore()), receiver, creds=wrong)

    assert refused.value.code == "400.008.01"
    assert daraja_sim.requests("stkpush") == []


def test_an_oauth_answer_without_a_usable_expiry_is_unavailable_and_not_logged(receiver):
    def daraja(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"access_token": "SECRET-TOKEN", "expires_in": "soon"})

    client = DarajaClient(
        "https://daraja.test", MemoryTokenStore(), http=httpx.Client(transport=httpx.MockTransport(daraja))
    )

    with pytest.raises(DarajaUnavailable) as unavailable:
        push(client, receiver)
    assert "SECRET-TOKEN" not in str(unavailable.value)
