"""Map domain errors (`rag.errors`) and HTTP errors to JSON responses, in one place.

Every error body has a `detail` and the request's id (also in `X-Request-ID`). Under the
OpenAI-compatible paths it also has the `error` object OpenAI clients read (`{"message",
"type", "code"}`). An exception nobody expected is a JSON 500 naming the request id, and
its traceback is logged under that id.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.request_id import HEADER, request_id_of
from rag.errors import (
    ConfigError,
    DocumentError,
    EmbedderError,
    EmbedderMismatchError,
    EmptyQuestionError,
    GenerationError,
    InvalidSourceIdError,
    PromptError,
    RagError,
    SourceConflictError,
    StoreError,
    UnknownConversationError,
    UnknownSourceError,
)

log = logging.getLogger("api")

STATUS: dict[type[RagError], int] = {
    EmptyQuestionError: 422,
    InvalidSourceIdError: 422,
    DocumentError: 422,
    UnknownSourceError: 404,
    UnknownConversationError: 404,
    SourceConflictError: 409,  # POST never replaces another text; PUT does
    GenerationError: 502,  # the LLM endpoint failed: a bad gateway, not our bug
    StoreError: 503,
    EmbedderError: 503,
    EmbedderMismatchError: 503,  # the index needs rebuilding; no request can fix it
    PromptError: 500,
    ConfigError: 500,
}
DEFAULT_STATUS = 400  # a RagError not listed above is a refusal of the request
OPENAI_PATHS = ("/v1/chat/completions", "/v1/models")
_OPENAI_TYPES = {
    401: "authentication_error",
    404: "not_found_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def status_for(exc: RagError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return DEFAULT_STATUS


def _describe(detail: object) -> str:
    """One line from FastAPI's validation error list: "body.messages: Field required"."""
    if isinstance(detail, list):
        parts = [
            f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in detail
            if isinstance(e, dict)
        ]
        return "invalid request: " + "; ".join(parts)
    return f"invalid request: {detail}"


def error_body(request: Request, status: int, detail: object) -> dict[str, object]:
    body: dict[str, object] = {"detail": detail, "request_id": request_id_of(request.scope)}
    if request.url.path.startswith(OPENAI_PATHS):
        message = detail if isinstance(detail, str) else _describe(detail)
        kind = _OPENAI_TYPES.get(
            status, "server_error" if status >= 500 else "invalid_request_error"
        )
        body["error"] = {"message": message, "type": kind, "param": None, "code": status}
    return body


async def rag_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RagError)
    status = status_for(exc)
    if status >= 500:
        log.error(
            "%s on %s %s [request %s]: %s",
            type(exc).__name__,
            request.method,
            request.url.path,
            request_id_of(request.scope),
            exc,
        )
    body = error_body(request, status, str(exc))
    if isinstance(exc, SourceConflictError):  # what is there, for a client to offer a choice
        body.update(source_id=exc.source_id, title=exc.title)
    return JSONResponse(body, status_code=status)


def unexpected_detail(rid: str) -> str:
    return f"internal error (request {rid}): the server logged it; please report this id"


async def unexpected(request: Request, exc: Exception) -> JSONResponse:
    """A bug or an unmapped failure: a JSON 500 with the request id, the traceback logged."""
    rid = request_id_of(request.scope)
    log.error(
        "unexpected %s on %s %s [request %s]",
        type(exc).__name__,
        request.method,
        request.url.path,
        rid,
        exc_info=exc,
    )
    body = error_body(request, 500, unexpected_detail(rid))
    return JSONResponse(body, status_code=500, headers={HEADER: rid})


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(
        error_body(request, exc.status_code, exc.detail),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def _lossy(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # An undecodable body shows up as bytes in `input`: encode it lossily, never fail on it.
    detail = jsonable_encoder(exc.errors(), custom_encoder={bytes: _lossy})
    return JSONResponse(error_body(request, 422, detail), status_code=422)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RagError, rag_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)  # Starlette's outermost middleware runs it
