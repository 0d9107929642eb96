"""Turn a POST /v1/documents body (JSON or a multipart file upload) into a `Document`.

PUT /v1/documents/{id} takes the same bodies, and its path names the document. Elsewhere
a missing source id is derived: the file stem for an upload (as `rag ingest` does),
else a slug of the title or first line plus a short hash of the content, so posting
the same text twice names the same document. Cleaning (trafilatura for HTML) runs in a
worker thread: a 2 MB page takes long enough to stall every other request on the loop.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePath
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.schemas import DocumentIn
from rag.documents.loading import Document, build_document, validate_source_id
from rag.errors import InvalidSourceIdError

TEXT_SUFFIXES = {".txt": False, ".md": False, ".markdown": False, ".html": True, ".htm": True}
TEXT_TYPES = {"text/plain": False, "text/markdown": False, "text/html": True}
META_FIELDS = ("title", "outlet", "published")

# For the OpenAPI schema: POST /v1/documents takes either body.
REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    **DocumentIn.model_json_schema(),
                    "oneOf": [{"required": ["text"]}, {"required": ["html"]}],
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "source_id": {"type": "string", "maxLength": 128},
                        "title": {"type": "string", "maxLength": 500},
                        "outlet": {"type": "string", "maxLength": 200},
                        "published": {"type": "string", "maxLength": 64},
                    },
                }
            },
        },
    }
}


def too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"document over the {limit}-byte limit (RAG_MAX_UPLOAD_BYTES)")


def derive_source_id(hint: str | None, content: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (hint or "").lower()).strip("-")[:48].strip("-") or "doc"
    return f"{slug}-{hashlib.sha256(content.encode()).hexdigest()[:10]}"


def first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")[:80]


async def read_document(request: Request, limit: int, source_id: str | None = None) -> Document:
    """The document in the request body (named `source_id` when given: a body naming
    another id is a 422); 413/415/422 for what can't be one."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        return await _from_upload(request, limit, source_id)
    if ctype in ("application/json", ""):
        return await _from_json(request, limit, source_id)
    raise HTTPException(415, "send application/json or a multipart/form-data file upload")


def _named(path_id: str | None, body_id: str | None) -> str | None:
    if path_id and body_id and body_id != path_id:
        raise HTTPException(422, f"the body's source_id {body_id!r} is not the path's {path_id!r}")
    return path_id or body_id


async def _from_json(request: Request, limit: int, path_id: str | None) -> Document:
    raw = await request.body()
    if len(raw) > limit:
        raise too_large(limit)
    try:
        body = DocumentIn.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_input=False)) from exc
    content = body.text if body.text is not None else body.html or ""
    named = _named(path_id, body.source_id)
    source_id = named or derive_source_id(body.title or first_line(content), content)
    meta = {k: getattr(body, k) for k in META_FIELDS}
    return await run_in_threadpool(
        build_document, source_id, content, is_html=body.html is not None, meta=meta
    )


async def _from_upload(request: Request, limit: int, path_id: str | None) -> Document:
    form = await request.form(max_files=1, max_fields=len(META_FIELDS) + 1)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise HTTPException(422, "the multipart body needs a 'file' part")
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    name = PurePath(upload.filename or "")
    suffix = name.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        is_html = TEXT_SUFFIXES[suffix]
    elif not suffix and (upload.content_type or "").split(";")[0] in TEXT_TYPES:
        is_html = TEXT_TYPES[(upload.content_type or "").split(";")[0]]
    else:
        raise HTTPException(
            415,
            f"unsupported file type {suffix or upload.content_type!r}: "
            f"upload {', '.join(TEXT_SUFFIXES)}",
        )
    content = data.decode("utf-8", errors="replace")
    fields = {k: v for k, v in form.items() if isinstance(v, str) and v.strip()}
    source_id = (
        _named(path_id, fields.get("source_id"))
        or _stem_id(name)
        or derive_source_id(fields.get("title") or first_line(content), content)
    )
    meta = {k: fields.get(k) for k in META_FIELDS}
    return await run_in_threadpool(
        build_document, source_id, content, is_html=is_html, meta=meta, path=name.name or None
    )


def _stem_id(name: PurePath) -> str | None:
    try:
        return validate_source_id(name.stem) if name.stem else None
    except InvalidSourceIdError:
        return None
