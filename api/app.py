"""The app factory. `rag serve` runs `uvicorn api.app:create_app --factory`.

    from api.app import create_app
    with TestClient(create_app(settings)) as client: ...

The lifespan opens the store, embedder and generator once (`open_pipeline`) and the
conversations (beside the index, or in RAG_CATALOG_URL's database), and hands them to the
routes as `Services`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from api import errors, links
from api.limits import BodyLimit
from api.ratelimit import RateLimit
from api.request_id import RequestId
from api.routes import ask, chat, documents, health, openai_compat, ui
from api.services import Services
from rag.answering.pipeline import make_condenser, open_pipeline
from rag.chat.condense import Condenser
from rag.chat.conversations import open_conversations
from rag.config import Settings, get_settings
from rag.generation.base import Generator

log = logging.getLogger("api")
BODY_SLACK = 64 * 1024  # multipart framing and JSON escapes on top of the document itself


def create_app(
    settings: Settings | None = None,
    *,
    generator: Generator | None = None,
    condenser: Condenser | None = None,
) -> FastAPI:
    """A new app; `generator`/`condenser` replace the configured ones (tests pass fakes)."""
    explicit = settings is not None
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Services]]:
        with ExitStack() as stack:
            services = await run_in_threadpool(_open, stack, settings, generator, condenser)
            log.info(
                "ready: %d chunks, generator %s",
                services.store.count(),
                services.chain.generator.name,
            )
            yield {"services": services}

    app = FastAPI(
        title="newsrag",
        version="0.1.0",
        summary="Question answering over news articles, with citations you can check.",
        lifespan=lifespan,
    )
    if explicit:
        app.dependency_overrides[get_settings] = lambda: settings
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes + BODY_SLACK)
    if settings.rate_limit:
        app.state.rate_limit = RateLimit(settings.rate_limit, settings.rate_limit_storage)
    if settings.cors_origins:  # outside BodyLimit: even a 413 carries CORS headers
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(RequestId)  # outermost of ours: every response carries the id
    errors.install(app)
    for module in (health, ask, chat, documents, openai_compat, ui):
        app.include_router(module.router)
    links.install(app)
    return app


def _open(
    stack: ExitStack,
    settings: Settings,
    generator: Generator | None,
    condenser: Condenser | None,
) -> Services:
    pipeline = stack.enter_context(open_pipeline(settings, generator))
    conversations = stack.enter_context(open_conversations(settings))
    return Services(
        settings=settings,
        pipeline=pipeline,
        conversations=conversations,
        condenser=condenser or make_condenser(settings, pipeline.guard),
    )
