"""Run the API under uvicorn: `rag serve [--host] [--port] [--workers]`."""

from __future__ import annotations

import logging

import uvicorn

from rag.config import get_settings

log = logging.getLogger("api")


def run(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    settings = get_settings()  # fail on a bad RAG_* value before uvicorn starts anything
    if workers > 1:
        log.warning(
            "%d workers: each keeps its own BM25 index, rebuilt only on its own writes; "
            "add documents through one worker (or restart) for all to see them%s",
            workers,
            "" if settings.chroma_url else ", and prefer RAG_CHROMA_URL to sharing embedded Chroma",
        )
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
