"""Records: what the index returns (`StoredChunk`, `SourceInfo`) and what a write takes
(`Prepared`), with their conversions to and from catalog rows and Chroma metadata."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.documents.chunking import Chunk
from rag.documents.loading import Document
from rag.language.dates import parse_date
from rag.language.text import Span
from rag.store import lexical
from rag.store.filters import UNDATED, day_number
from rag.store.schema import ChunkRow, DocumentRow


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as read back, with its document's metadata (and its sentence vectors)."""

    chunk_id: str
    source_id: str
    index: int
    text: str
    start: int
    end: int
    sentences: tuple[Span, ...]
    title: str | None
    outlet: str | None
    published: str | None
    vectors: np.ndarray | None = None  # [sentences, dim], when asked for
    text_sha256: str | None = None  # of the document's text, which the offsets index

    def sentence_text(self, span: Span) -> str:
        return self.text[span.start - self.start : span.end - self.start]


@dataclass(frozen=True)
class SourceInfo:
    source_id: str
    title: str | None
    outlet: str | None
    published: str | None
    notes: str | None
    chunks: int
    content_hash: str
    text_sha256: str  # of the cleaned text, which citation offsets index


@dataclass(frozen=True)
class Prepared:
    """A document ready to write: its chunks, their vectors and their sentences' vectors."""

    doc: Document
    chunks: Sequence[Chunk]
    chunk_vectors: np.ndarray  # [chunks, dim]
    sentence_vectors: Sequence[np.ndarray]  # per chunk: [its sentences, dim]


def stored_chunk(row: tuple[Any, ...]) -> StoredChunk:
    cid, sid, idx, start, end, sentences, text, title, outlet, published, text_hash, *blob = row
    spans = tuple(Span(s, e) for s, e in json.loads(sentences))
    vectors = None
    if blob:
        flat = np.frombuffer(blob[0], dtype=np.float16).astype(np.float32)
        vectors = flat.reshape(len(spans), -1) if spans else flat.reshape(0, 0)
    return StoredChunk(
        chunk_id=cid,
        source_id=sid,
        index=idx,
        text=text,
        start=start,
        end=end,
        sentences=spans,
        title=title,
        outlet=outlet,
        published=published,
        vectors=vectors,
        text_sha256=text_hash,
    )


def vector_meta(doc: Document) -> dict[str, Any]:
    """What Chroma filters on: the source, its outlet and its day (when known)."""
    meta: dict[str, Any] = {"source_id": doc.source_id}
    if doc.outlet:
        meta["outlet"] = doc.outlet
    day = parse_date(doc.published)
    meta["published_day"] = day_number(day) if day is not None else UNDATED
    return meta


def document_row(doc: Document) -> DocumentRow:
    day = parse_date(doc.published)
    return DocumentRow(
        source_id=doc.source_id,
        content_hash=doc.content_hash,
        title=doc.title,
        outlet=doc.outlet,
        published=doc.published,
        published_day=day_number(day) if day else None,
        notes=doc.notes,
        text=doc.text,
        text_sha256=doc.text_sha256,
    )


def chunk_rows(p: Prepared) -> list[ChunkRow]:
    return [
        ChunkRow(
            chunk_id=c.chunk_id,
            index=c.index,
            start=c.start,
            end=c.end,
            sentences=[(s.start, s.end) for s in c.sentences],
            vectors=p.sentence_vectors[i],
            terms=lexical.indexed_terms(c.text),
        )
        for i, c in enumerate(p.chunks)
    ]
