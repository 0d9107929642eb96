"""LLMGuard: a deadline on streamed replies, and a breaker that skips a failed endpoint."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from rag.errors import GenerationError
from rag.llm.guard import LLMGuard


def hangs(release: threading.Event, first: str = "The") -> Iterator[str]:
    yield first
    release.wait(30)  # a server that stops sending mid-answer
    yield " end"


def test_pieces_pass_through_in_order() -> None:
    guard = LLMGuard(timeout_s=5, cooldown_s=5)
    assert list(guard.stream(iter(["a", "b", "c"]), "x")) == ["a", "b", "c"]


def test_a_hung_stream_is_abandoned_at_the_deadline() -> None:
    release = threading.Event()
    guard = LLMGuard(timeout_s=0.5, cooldown_s=60)
    got: list[str] = []
    started = time.monotonic()
    with pytest.raises(GenerationError, match=r"no complete answer in 0\.5 s"):
        for piece in guard.stream(hangs(release), "local"):
            got.append(piece)
    waited = time.monotonic() - started
    release.set()
    assert got == ["The"] and 0.45 < waited < 2.0


def test_after_a_failure_calls_are_skipped_until_the_cooldown_ends() -> None:
    guard = LLMGuard(timeout_s=5, cooldown_s=0.3)

    def refused() -> Iterator[str]:
        raise ConnectionRefusedError("connection refused")
        yield ""

    with pytest.raises(GenerationError, match="connection refused"):
        list(guard.stream(refused(), "openai"))
    calls: list[int] = []

    def counted() -> str:
        calls.append(1)
        return "ok"

    with pytest.raises(GenerationError, match=r"skipped: it failed 0 s ago \(.*refused"):
        guard.call(counted, "openai")
    assert calls == []  # not even tried
    time.sleep(0.35)
    assert guard.call(counted, "openai") == "ok" and calls == [1]


def test_an_error_from_the_stream_is_a_generation_error_naming_it() -> None:
    guard = LLMGuard(timeout_s=5, cooldown_s=0)

    def broken() -> Iterator[str]:
        yield "partial"
        raise ValueError("bad chunk")

    seen: list[str] = []
    with pytest.raises(GenerationError, match="openai generator failed: ValueError: bad chunk"):
        for piece in guard.stream(broken(), "openai"):
            seen.append(piece)
    assert seen == ["partial"]
