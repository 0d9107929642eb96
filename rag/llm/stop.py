"""Stopping a stream nobody reads any more: an LLM's answer ends at its next piece.

    stop = threading.Event()  # set, from any thread, once the reader has gone
    for piece in until(stop, generator.stream(question, evidence)): ...

Closing the LLM's stream closes its HTTP request, and that is what makes a server stop
generating (llama.cpp frees its one slot for the next user) instead of running on to
max_tokens for a client that left.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")


class Stopped(Exception):
    """The stream's reader stopped it: nothing failed, and nobody is left to tell."""


def until(stop: threading.Event | None, pieces: Iterator[T]) -> Iterator[T]:
    """`pieces` until `stop` is set (then Stopped, before the next piece is passed on);
    `pieces` is closed either way, here, on the thread that iterates it."""
    try:
        _check(stop)
        for piece in pieces:
            _check(stop)
            yield piece
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()


def _check(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise Stopped("the stream's reader has gone")
