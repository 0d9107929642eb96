"""Run the API under uvicorn: `rag serve [--host] [--port] [--workers]`.

Without RAG_CHROMA_URL the data dir's index is shared through a Chroma server that this
command starts over it (rag/store/chroma_server.py): its workers, CLI commands run meanwhile and a
second `rag serve` on the same data dir all read and write the same index, and see each
other's writes at their next question. It stops with this command.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack

import uvicorn

from api.ratelimit import check_storage
from rag.config import get_settings
from rag.store.chroma_server import SharedServer, registered_url
from rag.store.chunks import check_catalog
from rag.supervisor import free_port

log = logging.getLogger("api")


def run(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    settings = get_settings()  # fail on a bad RAG_* value before uvicorn starts anything
    check_catalog(settings)  # a read-only or corrupt data dir: one line, before uvicorn
    check_storage(settings)  # a rate-limit store that does not answer: one line too
    with ExitStack() as stack:
        if settings.chroma_url is None and registered_url(settings.data_dir) is None:
            shared = stack.enter_context(SharedServer(settings.data_dir, free_port()))
            log.info("index %s shared through Chroma at %s", settings.data_dir, shared.url)
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
        )
