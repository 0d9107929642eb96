"""Bounded LLM calls: a deadline on every streamed answer, and a breaker after a failure.

    guard = LLMGuard(timeout_s=30, cooldown_s=15)
    for piece in guard.stream(chain.stream(values), "local"): ...

- A hung endpoint (connection open, nothing sent) holds a request for at most `timeout_s`:
  the stream is read in a helper thread and abandoned at the deadline.
- After a failure, calls fail at once for `cooldown_s`, with the reason: while an endpoint
  is down, every request falls back to the extractive answer without waiting on it again
  (a chat turn that condenses and then answers waits once, not twice).
Every failure is a `GenerationError`; callers fall back on it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import TypeVar

import openai

from rag.errors import GenerationError

log = logging.getLogger("rag.llm")
T = TypeVar("T")
_END = object()


class LLMGuard:
    def __init__(
        self, timeout_s: float, cooldown_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.timeout_s = timeout_s
        self.cooldown_s = cooldown_s
        self._clock = clock  # seconds, monotonic: the deadline and the cool-down read it
        self._lock = threading.Lock()
        self._failed_at: float | None = None
        self._reason = ""

    def check(self, name: str) -> None:
        """GenerationError while the breaker is open (a failure less than `cooldown_s` ago)."""
        with self._lock:
            if self._failed_at is None:
                return
            ago = self._clock() - self._failed_at
            if ago >= self.cooldown_s:
                self._failed_at = None  # half-open: the next call tries the endpoint again
                return
            reason = self._reason
        raise GenerationError(f"{name} skipped: it failed {ago:.0f} s ago ({reason})")

    def failed(self, reason: str) -> None:
        with self._lock:
            self._failed_at, self._reason = self._clock(), reason
        log.warning("LLM call failed: %s (next attempt in %g s)", reason, self.cooldown_s)

    def call(self, fn: Callable[[], T], name: str) -> T:
        """`fn()`, refused while the breaker is open; its failure opens the breaker."""
        self.check(name)
        try:
            return fn()
        except (openai.OpenAIError, GenerationError) as exc:
            raise self._failure(name, exc) from exc

    def stream(self, pieces: Iterator[str], name: str) -> Iterator[str]:
        """`pieces`, abandoned with GenerationError when they run past `timeout_s`."""
        self.check(name)
        deadline = self._clock() + self.timeout_s
        inbox: queue.Queue[object] = queue.Queue()
        stop = threading.Event()
        threading.Thread(target=_pump, args=(pieces, inbox, stop), daemon=True).start()
        try:
            while True:
                try:
                    item = inbox.get(timeout=max(0.0, deadline - self._clock()))
                except queue.Empty:
                    timeout = GenerationError(f"no complete answer in {self.timeout_s:g} s")
                    raise self._failure(name, timeout) from None
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise self._failure(name, item) from item
                yield str(item)
        finally:
            stop.set()  # the helper thread drops the stream at its next piece

    def _failure(self, name: str, exc: BaseException) -> GenerationError:
        reason = str(exc) if isinstance(exc, GenerationError) else f"{type(exc).__name__}: {exc}"
        self.failed(reason)
        return GenerationError(f"{name} generator failed: {reason}")


def _pump(pieces: Iterator[str], inbox: queue.Queue[object], stop: threading.Event) -> None:
    try:
        for piece in pieces:
            if stop.is_set():
                break
            inbox.put(piece)
        inbox.put(_END)
    except BaseException as exc:  # handed to the reader, which raises it in its own thread
        inbox.put(exc)
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            with suppress(Exception):  # an abandoned stream's own error is already reported
                close()
