"""RAG_RATE_LIMIT with several limits: a request one of them refuses is counted by none."""

from __future__ import annotations

from api.ratelimit import RateLimit


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
