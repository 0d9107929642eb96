"""Liveness and readiness probes (never behind an API key)."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.schemas import Health, Ready
from api.services import Services

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Liveness: the process answers HTTP."""
    return Health()


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"description": "Store not reachable, or the embedder does not embed."}},
)
async def readyz(request: Request) -> Ready | JSONResponse:
    """Readiness: the store answers and the embedder embeds a probe text."""
    services = getattr(request.state, "services", None)
    if not isinstance(services, Services):
        return JSONResponse({"detail": "the pipeline is not open"}, status_code=503)
    store = services.pipeline.store
    try:
        chunks = await run_in_threadpool(store.count)
        await run_in_threadpool(store.vector_count)  # Chroma answers too
    except Exception as exc:  # a probe reports every failure as "not ready", with its reason
        return JSONResponse({"detail": f"store unavailable: {exc}"}, status_code=503)
    try:
        await run_in_threadpool(store.embedder.check)
    except Exception as exc:  # as above: any failure means "not ready", with its reason
        return JSONResponse({"detail": f"embedder unavailable: {exc}"}, status_code=503)
    return Ready(
        chunks=chunks,
        embedder=store.embedder.identity,
        generator=services.chain.generator.name,
        vectors=store.vectors_at,
        worker=os.getpid(),
    )
