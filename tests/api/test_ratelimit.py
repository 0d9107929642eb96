"""RAG_RATE_LIMIT with several limits: a request one of them refuses is counted by none.
RAG_RATE_LIMIT_STORAGE: a clear error when unknown or, at start-up, unreachable; while its
store is down requests pass (fail open), and the limits apply again once it answers."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from typer.testing import CliRunner

from api.ratelimit import RateLimit
from rag.cli import app
from rag.config import Settings, get_settings
from rag.errors import ConfigError
from tests.conftest import free_port


def remaining(limit: RateLimit, who: str) -> list[int]:
    """What each limit still allows `who`, read from the limiter's own (memory) storage."""
    return [limit._limiter.get_window_stats(item, who)[1] for item in limit._items]


def test_a_request_refused_by_the_second_limit_is_not_counted_by_the_first() -> None:
    limit = RateLimit("10/minute;2/day")
    assert [limit.retry_after("key:a") for _ in range(2)] == [None, None]
    assert remaining(limit, "key:a") == [8, 0]
    for _ in range(5):
        wait = limit.retry_after("key:a")
        assert wait is not None and wait >= 1  # the day's allowance is spent
    assert remaining(limit, "key:a") == [8, 0]  # ... and the refusals spent nothing
    assert limit.retry_after("key:b") is None  # each caller has its own counts


def test_a_request_every_limit_allows_is_counted_by_each() -> None:
    limit = RateLimit("3/minute;100/day")
    assert [limit.retry_after("addr:1") for _ in range(3)] == [None, None, None]
    wait = limit.retry_after("addr:1")
    assert wait is not None and 1 <= wait <= 60
    assert remaining(limit, "addr:1") == [0, 97]


def test_retry_after_waits_for_every_limit_that_refuses() -> None:
    limit = RateLimit("2/minute;2/hour")
    assert [limit.retry_after("key:a") for _ in range(2)] == [None, None]
    wait = limit.retry_after("key:a")
    assert wait is not None and 60 < wait <= 3600  # a retry after a minute would be refused


def closed_port_url() -> str:
    """A redis URL where nothing listens (and a password, which no message may show)."""
    return f"redis://:hunter2@127.0.0.1:{free_port()}/0"


@pytest.mark.parametrize(
    "url", ["mongodb://db:27017", "memcached://127.0.0.1:11211", "localhost:6379", "", "http://x"]
)
def test_an_unknown_storage_is_one_clear_config_error(url: str) -> None:
    base = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match=r"RAG_RATE_LIMIT_STORAGE: .*unknown storage scheme"):
        base.updated(rate_limit_storage=url)
    for good in ("memory://", "redis://127.0.0.1:6379/0", "rediss://:pw@host:6380"):
        assert base.updated(rate_limit_storage=good).rate_limit_storage == good


def test_with_its_store_down_requests_pass_and_a_warning_says_so_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = RateLimit("2/minute", closed_port_url())
    with caplog.at_level(logging.WARNING, logger="api"):
        assert [limit.retry_after("key:a") for _ in range(5)] == [None] * 5
    [warning] = caplog.messages
    assert "rate-limit store redis://127.0.0.1:" in warning and "without rate limits" in warning
    assert "hunter2" not in warning
    # The store answers again (here: memory in its place): once the retry pause is over,
    # the limits apply again, counted from the store's own counts.
    monkeypatch.setattr("api.ratelimit.STORE_RETRY_S", 0.0)
    limit._down_until = 0.0
    limit._limiter = MovingWindowRateLimiter(MemoryStorage())
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="api"):
        assert [limit.retry_after("key:a") is None for _ in range(3)] == [True, True, False]
    [back] = caplog.messages
    assert back.startswith("rate-limit store redis://127.0.0.1:") and "answers again" in back


def test_rag_serve_with_its_store_unreachable_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RAG_RATE_LIMIT", "3/minute")
    monkeypatch.setenv("RAG_RATE_LIMIT_STORAGE", closed_port_url())
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["serve", "--port", str(free_port())])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert line.startswith("error: RAG_RATE_LIMIT_STORAGE: the rate-limit store redis://127.0.0.1:")
    assert "does not answer" in line and "\n" not in line and "hunter2" not in line
