"""GET /v1/sources, POST /v1/documents (JSON or file upload; never over another text),
PUT /v1/documents/{id} (replace on purpose), DELETE /v1/documents/{id}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import ApiKey, Offset, ServicesDep
from api.schemas import (
    DeletedOut,
    DocumentOut,
    OutletOut,
    OutletsOut,
    SourceOut,
    SourcesOut,
    SourceText,
)
from api.uploads import REQUEST_BODY, read_document
from rag.documents.loading import validate_source_id
from rag.store.browse import Outlet

DEFAULT_PAGE = 100
MAX_PAGE = 1000
NOT_FOUND = {"description": "No source with this id in the index."}
REFUSED: dict[int | str, dict[str, Any]] = {
    413: {"description": "Over RAG_MAX_UPLOAD_BYTES."},
    415: {"description": "Not JSON, or not a .txt/.md/.html file."},
}

router = APIRouter(prefix="/v1", tags=["documents"], dependencies=[ApiKey])


@router.get("/sources", response_model=SourcesOut)
async def list_sources(
    services: ServicesDep,
    q: Annotated[str | None, Query(max_length=200, description="In the title or id.")] = None,
    outlet: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    offset: Offset = 0,
) -> SourcesOut:
    """Indexed sources, newest first, a page at a time, with metadata and chunk counts."""
    page = await run_in_threadpool(services.store.browse, q, outlet, limit, offset)
    return SourcesOut(total=page.total, sources=[SourceOut.of(i) for i in page.sources])


@router.get("/outlets", response_model=OutletsOut)
async def list_outlets(services: ServicesDep) -> OutletsOut:
    """Every outlet with its article count and date range, most articles first."""
    found = await run_in_threadpool(services.store.outlets)
    return OutletsOut(outlets=[OutletOut(outlet=o.name, **_counts(o)) for o in found])


def _counts(o: Outlet) -> dict[str, Any]:
    return {"articles": o.articles, "first": o.first, "last": o.last}


@router.get("/sources/{source_id}", response_model=SourceOut, responses={404: NOT_FOUND})
async def get_source(source_id: str, services: ServicesDep) -> SourceOut:
    """One indexed source with its metadata and chunk count."""
    validate_source_id(source_id)
    return SourceOut.of(await run_in_threadpool(services.store.source, source_id))


@router.get("/sources/{source_id}/text", response_model=SourceText, responses={404: NOT_FOUND})
async def get_source_text(source_id: str, services: ServicesDep) -> SourceText:
    """The cleaned text of one source: every citation's `start`/`end` index into it."""
    validate_source_id(source_id)
    store = services.store
    info = await run_in_threadpool(store.source, source_id)
    text = await run_in_threadpool(store.document_text, source_id)
    return SourceText(**SourceOut.of(info).model_dump(), text=text)


@router.post(
    "/documents",
    response_model=DocumentOut,
    status_code=201,
    openapi_extra=REQUEST_BODY,
    responses={
        200: {"model": DocumentOut, "description": "Same content already indexed: unchanged."},
        201: {"description": "Added, or updated with new metadata over the same text."},
        409: {"description": "Its id holds a different text (named): PUT replaces it."},
        **REFUSED,
    },
)
async def add_document(request: Request, response: Response, services: ServicesDep) -> DocumentOut:
    """Add a document; idempotent by content hash, never replacing another text."""
    doc = await read_document(request, services.settings.max_upload_bytes)
    result = await run_in_threadpool(services.add_document, doc)
    if result.status == "unchanged":
        response.status_code = 200
    return result


@router.put(
    "/documents/{source_id}",
    response_model=DocumentOut,
    openapi_extra=REQUEST_BODY,
    responses={
        200: {"description": "Replaced, or the same content already indexed: unchanged."},
        201: {"model": DocumentOut, "description": "Added: no document had this id."},
        **REFUSED,
    },
)
async def replace_document(
    source_id: str, request: Request, response: Response, services: ServicesDep
) -> DocumentOut:
    """Replace the document of this id (or add it) with the body's: the same bodies as POST."""
    validate_source_id(source_id)
    doc = await read_document(request, services.settings.max_upload_bytes, source_id)
    result = await run_in_threadpool(services.add_document, doc, True)
    if result.status == "added":
        response.status_code = 201
    return result


@router.delete("/documents/{source_id}", response_model=DeletedOut)
async def delete_document(source_id: str, services: ServicesDep) -> DeletedOut:
    """Remove a document and all its chunks from the index."""
    validate_source_id(source_id)
    removed = await run_in_threadpool(services.store.delete_source, source_id)
    return DeletedOut(source_id=source_id, deleted_chunks=removed)
