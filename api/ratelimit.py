"""A per-key request rate limit (RAG_RATE_LIMIT, e.g. "120/minute"), by the `limits` library.

Each API key (by a hash of it, never the key itself) or, with no keys configured, each
client address gets a moving window; a request over it is a 429 with `Retry-After`.
With several limits ("10/second;1000/day") a request counts against all of them or,
when any one refuses it, against none. Counts live in the worker's memory: with N
workers a client may reach N times the limit at worst, and a restart forgets them.
Health probes and the web page's files are never limited.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class RateLimit:
    def __init__(self, spec: str) -> None:
        self.spec = spec
        self._items = parse_many(spec)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        # The key check runs in the threadpool: two requests must not both pass the tests
        # and then spend one allowance twice.
        self._lock = threading.Lock()

    def retry_after(self, who: str) -> int | None:
        """None when `who` may go on (and counts this request against every limit); else
        the seconds until all the limits that refuse it allow it, counting nothing."""
        with self._lock:
            refusing = [item for item in self._items if not self._limiter.test(item, who)]
            if not refusing:
                for item in self._items:
                    self._limiter.hit(item, who)
                return None
        reset = max(self._limiter.get_window_stats(item, who)[0] for item in refusing)
        return max(1, math.ceil(reset - time.time()))


def key_identity(key: bytes) -> str:
    return "key:" + hashlib.sha256(key).hexdigest()[:16]
