"""Liveness and readiness probes (never behind an API key)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.errors import error_body
from api.schemas import Health, Ready
from api.services import Services
from rag.errors import RagError

router = APIRouter(tags=["health"])
log = logging.getLogger("api")
T = TypeVar("T")


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Liveness: the process answers HTTP."""
    return Health()


async def _probe(reason: str, probe: Callable[[], T]) -> tuple[T | None, str | None]:
    """(what `probe` returns, None); or (None, `reason`) when it fails. What went wrong is
    logged, never answered: /readyz is open to anyone, and a failure's text names files
    and hosts."""
    try:
        return await run_in_threadpool(probe), None
    except RagError as exc:
        log.warning("readyz: %s: %s", reason, exc)
    except Exception:  # a probe answers "not ready" for any failure; the traceback is logged
        log.exception("readyz: %s", reason)
    return None, reason


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"description": "Catalog or vector store unusable, or the embedder fails."}},
)
async def readyz(request: Request) -> Ready | JSONResponse:
    """Readiness: the catalog and the vector store answer and the embedder embeds a probe."""
    services = getattr(request.state, "services", None)
    if not isinstance(services, Services):
        return JSONResponse(error_body(request, 503, "the pipeline is not open"), status_code=503)
    store = services.store
    chunks, catalog = await _probe("catalog unreadable", store.count)
    _, vectors = await _probe("vector store unavailable", store.vector_count)
    _, embedder = await _probe("embedder unavailable", store.embedder.check)
    reasons = [r for r in (catalog, vectors, embedder) if r]
    if reasons or chunks is None:
        detail = "not ready: " + "; ".join(reasons)
        return JSONResponse(error_body(request, 503, detail), status_code=503)
    return Ready(
        chunks=chunks,
        embedder=store.embedder.identity,
        generator=services.chain.generator.name,
        vectors=store.vectors_at,
        worker=os.getpid(),
    )
