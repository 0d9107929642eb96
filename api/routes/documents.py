"""GET /v1/sources, POST /v1/documents (JSON or file upload), DELETE /v1/documents/{id}."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import ApiKey, ServicesDep
from api.schemas import DeletedOut, DocumentOut, SourceOut, SourcesOut
from api.uploads import REQUEST_BODY, read_document
from rag.documents import validate_source_id

router = APIRouter(prefix="/v1", tags=["documents"], dependencies=[ApiKey])


@router.get("/sources", response_model=SourcesOut)
async def list_sources(services: ServicesDep) -> SourcesOut:
    """Every indexed source with its metadata and chunk count."""
    infos = await run_in_threadpool(services.pipeline.store.sources)
    return SourcesOut(sources=[SourceOut(**vars(i)) for i in infos])


@router.get("/sources/{source_id}", response_model=SourceOut)
async def get_source(source_id: str, services: ServicesDep) -> SourceOut:
    """One indexed source with its metadata and chunk count."""
    validate_source_id(source_id)
    infos = await run_in_threadpool(services.pipeline.store.sources)
    for info in infos:
        if info.source_id == source_id:
            return SourceOut(**vars(info))
    raise HTTPException(404, f"no source {source_id!r} in the index")


@router.post(
    "/documents",
    response_model=DocumentOut,
    status_code=201,
    openapi_extra=REQUEST_BODY,
    responses={
        200: {"model": DocumentOut, "description": "Same content already indexed: unchanged."},
        201: {"description": "Added, or updated with new content."},
        413: {"description": "Over RAG_MAX_UPLOAD_BYTES."},
        415: {"description": "Not JSON, or not a .txt/.md/.html file."},
    },
)
async def add_document(request: Request, response: Response, services: ServicesDep) -> DocumentOut:
    """Add or update a document; idempotent by content hash."""
    doc = await read_document(request, services.settings.max_upload_bytes)
    result = await run_in_threadpool(services.add_document, doc)
    if result.status == "unchanged":
        response.status_code = 200
    return result


@router.delete("/documents/{source_id}", response_model=DeletedOut)
async def delete_document(source_id: str, services: ServicesDep) -> DeletedOut:
    """Remove a document and all its chunks from the index."""
    validate_source_id(source_id)
    removed = await run_in_threadpool(services.pipeline.store.delete_source, source_id)
    return DeletedOut(source_id=source_id, deleted_chunks=removed)
