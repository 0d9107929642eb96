"""A per-key request rate limit (RAG_RATE_LIMIT, e.g. "120/minute"), by the `limits` library.

Each API key (by a hash of it, never the key itself) or, with no keys configured, each
client address gets a moving window; a request over it is a 429 with `Retry-After`.
With several limits ("10/second;1000/day") a request counts against all of them or,
when any one refuses it, against none. Health probes and the web page's files are never
limited.

Where the counts live is RAG_RATE_LIMIT_STORAGE. "memory://" (the default) counts in each
worker's memory: with N workers a client may reach N times the limit, and a restart forgets
them. "redis://host:6379/0" shares them across workers, hosts and restarts. Within a worker
a lock makes the test of every limit and the hits one step; across workers they are not:
another worker may spend the last allowance between this one's test and its hit. Each hit
is atomic in the store (redis runs the moving window's check-and-add as one Lua script), so
a hit that finds the window full refuses the request and no limit is ever exceeded; the cost
of the race is that a request refused by a later limit has spent an earlier one's allowance.
The windows are stamped with each worker's clock, so hosts sharing a store need NTP.

When the store fails (down, or no answer within STORE_TIMEOUT_S), requests are served
unlimited: a limiter outage must not take the answers down with it (fail open). The first
failure logs a warning, the worker then skips the store for STORE_RETRY_S at a time (so a
hung store does not make every request wait), and a second warning says when it answers
again. At start-up `rag serve` refuses a store that does not answer (`check_storage`): then
it is a wrong URL or a server not started, not an outage to ride out.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from limits import RateLimitItem, parse, parse_many
from limits.errors import ConfigurationError, StorageError
from limits.storage import StorageTypes, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from rag.config import Settings
from rag.errors import ConfigError

log = logging.getLogger("api")

# A store on the same network answers in about a millisecond; one that takes half a second
# is down as far as this request is concerned (redis-py's default is to wait forever).
STORE_TIMEOUT_S = 0.5
# After a failure, requests pass unchecked this long before the store is tried again.
STORE_RETRY_S = 2.0


def shown(url: str) -> str:
    """`url` as logs and errors show it: scheme, host, port and path, never a password."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def open_storage(url: str) -> StorageTypes:
    """The `limits` storage at `url` (no connection yet); its failures raise StorageError."""
    options: dict[str, Any] = {}
    if urlsplit(url).scheme.startswith("redis"):
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # One immediate retry, on a fresh connection after a restart of redis; not
        # redis-py's default of three with backoff of up to ten seconds.
        options = {
            "socket_timeout": STORE_TIMEOUT_S,
            "socket_connect_timeout": STORE_TIMEOUT_S,
            "retry": Retry(NoBackoff(), 1),
        }
    try:
        return storage_from_string(url, wrap_exceptions=True, **options)
    except ConfigurationError as exc:  # the storage's client library is not installed
        raise ConfigError(f"RAG_RATE_LIMIT_STORAGE {shown(url)}: {exc}") from exc


def check_storage(settings: Settings) -> None:
    """ConfigError (one line) when RAG_RATE_LIMIT is set and its shared store does not answer."""
    url = settings.rate_limit_storage
    if not settings.rate_limit or urlsplit(url).scheme == "memory":
        return
    try:
        MovingWindowRateLimiter(open_storage(url)).test(parse("1/second"), "start-up check")
    except StorageError as exc:
        raise ConfigError(
            f"RAG_RATE_LIMIT_STORAGE: the rate-limit store {shown(url)} does not answer "
            f"({exc.storage_error}); start it, or unset RAG_RATE_LIMIT_STORAGE to count per worker"
        ) from exc


class RateLimit:
    def __init__(self, spec: str, storage: str = "memory://") -> None:
        self.spec = spec
        self._items = parse_many(spec)
        self._where = shown(storage)
        self._limiter = MovingWindowRateLimiter(open_storage(storage))
        # The key check runs in the threadpool: two requests must not both pass the tests
        # and then spend one allowance twice.
        self._lock = threading.Lock()
        self._down_until: float | None = None  # time.monotonic(); None while the store answers

    def retry_after(self, who: str) -> int | None:
        """None when `who` may go on (and counts this request against every limit), or when
        the store fails; else the seconds until all the limits that refuse it allow it."""
        with self._lock:
            if self._down_until is not None and time.monotonic() < self._down_until:
                return None
            try:
                refusing = self._spend(who)
                resets = [self._limiter.get_window_stats(item, who)[0] for item in refusing]
            except StorageError as exc:
                self._failed(exc)
                return None
            self._answered()
        return max(1, math.ceil(max(resets) - time.time())) if resets else None

    def _spend(self, who: str) -> list[RateLimitItem]:
        """The limits that refuse `who`; when none does, this request is counted by each."""
        refusing = [item for item in self._items if not self._limiter.test(item, who)]
        if refusing:
            return refusing
        for item in self._items:
            if not self._limiter.hit(item, who):  # another worker spent it since the test
                return [item]
        return []

    def _failed(self, exc: StorageError) -> None:
        if self._down_until is None:
            log.warning(
                "rate-limit store %s failed (%s): serving requests without rate limits "
                "until it answers (tried again every %.0f s)",
                self._where,
                exc.storage_error,
                STORE_RETRY_S,
            )
        self._down_until = time.monotonic() + STORE_RETRY_S

    def _answered(self) -> None:
        if self._down_until is not None:
            log.warning("rate-limit store %s answers again: rate limits apply", self._where)
            self._down_until = None


def key_identity(key: bytes) -> str:
    return "key:" + hashlib.sha256(key).hexdigest()[:16]
