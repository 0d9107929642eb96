"""LLMGuard: a deadline on streamed replies, and a breaker that skips a failed endpoint."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from rag.errors import GenerationError
from rag.llm.guard import LLMGuard


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def hangs(release: threading.Event, first: str = "The") -> Iterator[str]:
    yield first
    release.wait(30)  # a server that stops sending mid-answer
    yield " end"


def test_pieces_pass_through_in_order() -> None:
    guard = LLMGuard(timeout_s=5, cooldown_s=5)
    assert list(guard.stream(iter(["a", "b", "c"]), "x")) == ["a", "b", "c"]


def test_a_hung_stream_is_abandoned_at_the_deadline() -> None:
    release = threading.Event()
    clock = Clock()
    guard = LLMGuard(timeout_s=0.5, cooldown_s=60, clock=clock)
    got: list[str] = []
    with pytest.raises(GenerationError, match=r"no complete answer in 0\.5 s"):
        for piece in guard.stream(hangs(release), "local"):
            got.append(piece)
            clock.now += 0.5  # the deadline passes while the stream hangs after "The"
    release.set()
    assert got == ["The"]
    with pytest.raises(GenerationError, match="skipped: it failed 0 s ago"):
        guard.check("local")  # the timeout opened the breaker


def test_a_stream_within_its_deadline_is_read_to_the_end() -> None:
    clock = Clock()
    guard = LLMGuard(timeout_s=0.5, cooldown_s=60, clock=clock)
    got = []
    for piece in guard.stream(iter(["a", "b", "c"]), "local"):
        got.append(piece)
        clock.now += 0.1  # 0.3 s in all: before the deadline
    assert got == ["a", "b", "c"]
    guard.check("local")  # no failure recorded


def test_after_a_failure_calls_are_skipped_until_the_cooldown_ends() -> None:
    clock = Clock()
    guard = LLMGuard(timeout_s=5, cooldown_s=30, clock=clock)

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
    clock.now += 29.6
    with pytest.raises(GenerationError, match=r"skipped: it failed 30 s ago"):
        guard.call(counted, "openai")  # 29.6 s: still inside the cool-down
    assert calls == []  # not even tried
    clock.now += 0.4  # the cool-down is over: the endpoint is tried again
    assert guard.call(counted, "openai") == "ok" and calls == [1]
    assert guard.call(counted, "openai") == "ok" and calls == [1, 1]


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
