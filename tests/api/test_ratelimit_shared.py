"""RAG_RATE_LIMIT_STORAGE=redis://: two real `rag serve` processes count one limit in one
throwaway redis-server; a restarted server keeps the count; with redis killed requests are
served (fail open, never a 500), and once it is back the limit applies again, no restart."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from api.ratelimit import STORE_RETRY_S
from tests.redis_server import RedisServer
from tests.servers import RagServer

pytestmark = pytest.mark.integration

LIMIT = "3/minute"
KEYS = ("k-across", "k-restart", "k-outage")  # one key per test: each starts with a full allowance


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def servers(
    redis: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RagServer, RagServer]]:
    """Two servers, each over its own (empty) data dir, sharing only the redis store."""
    where = tmp_path_factory.mktemp("shared-limit")
    settings = {
        "RAG_API_KEYS": ",".join(KEYS),
        "RAG_RATE_LIMIT": LIMIT,
        "RAG_RATE_LIMIT_STORAGE": redis.url,
        "RAG_READER": "none",  # GET /v1/models reads nothing: no need to load the models
        "RAG_VERIFIER": "none",
    }
    with (
        RagServer(where / "a", where, 1, **settings) as a,
        RagServer(where / "b", where, 1, **settings) as b,
    ):
        yield a, b


def models(server: RagServer, key: str) -> httpx.Response:
    """GET /v1/models: a limited route that touches neither the index nor a model."""
    return httpx.get(
        f"{server.url}/v1/models", headers={"Authorization": f"Bearer {key}"}, timeout=30
    )


def assert_over(reply: httpx.Response) -> None:
    assert reply.status_code == 429, reply.text
    assert 1 <= int(reply.headers["retry-after"]) <= 60
    assert reply.json()["error"]["type"] == "rate_limit_error" and LIMIT in reply.json()["detail"]


def test_one_limit_holds_across_two_servers(servers: tuple[RagServer, RagServer]) -> None:
    a, b = servers
    assert [models(s, "k-across").status_code for s in (a, b, a)] == [200, 200, 200]
    assert_over(models(b, "k-across"))
    assert_over(models(a, "k-across"))


def test_a_restarted_server_keeps_the_count(servers: tuple[RagServer, RagServer]) -> None:
    a, b = servers
    assert [models(a, "k-restart").status_code for _ in range(2)] == [200, 200]
    a.stop()
    a.start()
    assert models(a, "k-restart").status_code == 200  # the third: memory:// would say first
    assert_over(models(a, "k-restart"))
    assert_over(models(b, "k-restart"))


def test_with_redis_down_requests_are_served_and_after_it_limits_apply(
    servers: tuple[RagServer, RagServer], redis: RedisServer
) -> None:
    a, b = servers
    redis.kill()
    codes = [models(s, "k-outage").status_code for s in (a, b) for _ in range(4)]
    assert codes == [200] * 8  # fail open: twice the limit, and no 500
    for server in (a, b):
        log = server.log.read_text()
        assert log.count(f"rate-limit store {redis.url} failed") == 1, log[-3000:]
        assert "without rate limits" in log
    redis.start()  # empty, on the same port: the counts start again
    time.sleep(STORE_RETRY_S + 0.5)  # each worker tries the store again at its next request
    assert [models(s, "k-outage").status_code for s in (a, b, a)] == [200, 200, 200]
    assert_over(models(b, "k-outage"))
    for server in (a, b):
        assert f"rate-limit store {redis.url} answers again" in server.log.read_text()
