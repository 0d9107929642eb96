"""Helpers of the API tests (fixtures live in conftest.py): embedder sharing, SSE parsing,
a uvicorn server in a thread, readiness polling."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from eval.bench.load_traffic import sse_events
from rag.config import Settings
from rag.embedding.embedders import CachedEmbeddings
from tests.conftest import SEEDS, FakeEmbeddings, free_port


@contextmanager
def sharing(embedder: CachedEmbeddings) -> Iterator[None]:
    """Every pipeline opened inside the block uses `embedder`."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("rag.answering.pipeline.embedder_for", lambda settings: embedder)
        yield


def fake_embedder() -> AbstractContextManager[None]:
    """Every pipeline opened inside the block embeds with `FakeEmbeddings`."""
    return sharing(FakeEmbeddings())


def index_seeds(settings: Settings) -> None:
    from rag.answering.pipeline import open_pipeline
    from rag.ingest import ingest_paths

    with open_pipeline(settings) as pipe:
        report = ingest_paths(pipe.store, [SEEDS], settings)
    assert len(report.added) == 5, report


__all__ = ["sse_events"]  # one SSE parser, the load run's (eval/bench/load_traffic.py)


def streamed_text(events: list[tuple[str | None, Any]]) -> str:
    """The answer text a client rebuilds from `delta` events ({"replace"} starts over)."""
    text = ""
    for name, data in events:
        if name == "delta":
            text = data["replace"] if "replace" in data else text + data["text"]
    return text.strip()


@contextmanager
def running_server(app: FastAPI) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread on 127.0.0.1; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
