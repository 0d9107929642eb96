"""Store: the Chroma collection of chunks (the only module that touches Chroma).

Embedded `PersistentClient` under `RAG_DATA_DIR/chroma` by default; `RAG_CHROMA_URL`
switches to a Chroma server (`chroma run`) through `HttpClient`. The collection's
metadata records the embedder that built it, and opening it with another is an error.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from rag.chunking import Chunk
from rag.config import Settings
from rag.documents import Document
from rag.embeddings import CachedEmbeddings
from rag.errors import EmbedderMismatchError, StoreError, UnknownSourceError
from rag.text import Span

ProgressFn = Callable[[int], None]
_ADD_BATCH = 64


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as read back from the store, with its document's metadata."""

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


def _chunk_metadata(doc: Document, chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "source_id": doc.source_id,
        "chunk_index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "tokens": chunk.tokens,
        "sentences": json.dumps([[s.start, s.end] for s in chunk.sentences]),
        "content_hash": doc.content_hash,
    }
    meta.update(doc.metadata())
    return meta


def _stored(chunk_id: str, text: str, meta: dict[str, Any]) -> StoredChunk:
    return StoredChunk(
        chunk_id=chunk_id,
        source_id=str(meta["source_id"]),
        index=int(meta["chunk_index"]),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        sentences=tuple(Span(s, e) for s, e in json.loads(str(meta["sentences"]))),
        title=meta.get("title"),
        outlet=meta.get("outlet"),
        published=meta.get("published"),
    )


def make_client(settings: Settings) -> ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreError(
                f"RAG_CHROMA_URL must be http(s)://host:port, not {settings.chroma_url!r}"
            )
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises bare ValueError/ConnectionError here
            raise StoreError(f"cannot reach Chroma at {settings.chroma_url}: {exc}") from exc
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


class ChunkStore:
    """Chunks of every ingested document, searchable by vector, listable by source."""

    def __init__(self, client: ClientAPI, settings: Settings, embedder: CachedEmbeddings):
        self._client = client
        self._settings = settings
        self._embedder = embedder
        self._write_lock = threading.Lock()
        self.version = 0  # bumped on every write, so readers know to rebuild their indexes
        self._chunks = self._open()
        self._sentences = self._open_sentences()

    def _open(self) -> Collection:
        name = self._settings.collection
        existing = {c.name for c in self._client.list_collections()}
        if name in existing:
            meta = self._client.get_collection(name).metadata or {}
            built_with = meta.get("embedder")
            if built_with and built_with != self._embedder.identity:
                raise EmbedderMismatchError(
                    f"collection {name!r} was built with embedder {built_with!r}, but the "
                    f"configured one is {self._embedder.identity!r}. Query it with the same "
                    "embedder, or rebuild it with `rag ingest --reset`."
                )
        return self._client.get_or_create_collection(
            name,
            metadata={"embedder": self._embedder.identity},
            configuration={"hnsw": {"space": "cosine", "ef_search": self._settings.hnsw_search_ef}},
            embedding_function=None,  # we embed: Chroma's default would download a model
        )

    def _open_sentences(self) -> Collection:
        """Sentence vectors, embedded at ingest so answering never embeds article text."""
        return self._client.get_or_create_collection(
            f"{self._settings.collection}__sentences",
            metadata={"embedder": self._embedder.identity},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )

    @property
    def embedder(self) -> CachedEmbeddings:
        return self._embedder

    def sentence_vectors(self) -> dict[tuple[str, int], np.ndarray]:
        """{(source_id, start offset): unit vector} for every indexed sentence."""
        got = self._sentences.get(include=["metadatas", "embeddings"])
        vectors = got["embeddings"] if got["embeddings"] is not None else []
        return {
            (str(meta["source_id"]), int(str(meta["start"]))): np.asarray(vector, dtype=np.float32)
            for meta, vector in zip(got["metadatas"] or [], vectors, strict=True)
            if meta
        }

    def _write_sentences(self, doc: Document, chunks: Sequence[Chunk]) -> None:
        spans = sorted({s for c in chunks for s in c.sentences}, key=lambda s: s.start)
        ids = [f"{doc.source_id}@{s.start}-{s.end}" for s in spans]
        texts = [doc.text[s.start : s.end] for s in spans]
        for i in range(0, len(spans), _ADD_BATCH * 4):
            self._sentences.upsert(
                ids=ids[i : i + _ADD_BATCH * 4],
                embeddings=np.asarray(
                    self._embedder.embed_documents(texts[i : i + _ADD_BATCH * 4]), dtype=np.float32
                ),
                metadatas=[
                    {"source_id": doc.source_id, "start": s.start, "end": s.end}
                    for s in spans[i : i + _ADD_BATCH * 4]
                ],
            )
        old = self._sentences.get(where={"source_id": doc.source_id}, include=[])["ids"]
        stale = sorted(set(old) - set(ids))
        if stale:
            self._sentences.delete(ids=stale)

    # --- reads -------------------------------------------------------------------
    def count(self) -> int:
        return int(self._chunks.count())

    def _metadatas(self, where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        got = self._chunks.get(where=where, include=["metadatas"])
        return [dict(m or {}) for m in got["metadatas"] or []]

    def source_hash(self, source_id: str) -> str | None:
        got = self._chunks.get(where={"source_id": source_id}, limit=1, include=["metadatas"])
        metas = got["metadatas"] or []
        return str(metas[0]["content_hash"]) if metas else None

    def sources(self) -> list[SourceInfo]:
        by_source: dict[str, SourceInfo] = {}
        for meta in self._metadatas():
            sid = str(meta["source_id"])
            info = by_source.get(sid)
            by_source[sid] = SourceInfo(
                source_id=sid,
                title=meta.get("title"),
                outlet=meta.get("outlet"),
                published=meta.get("published"),
                notes=meta.get("notes"),
                chunks=(info.chunks if info else 0) + 1,
                content_hash=str(meta["content_hash"]),
            )
        return sorted(by_source.values(), key=lambda s: s.source_id)

    def all_chunks(self) -> tuple[list[StoredChunk], np.ndarray]:
        """Every chunk (by source, then position) and its embedding row, in the same order."""
        got = self._chunks.get(include=["documents", "metadatas", "embeddings"])
        vectors = got["embeddings"] if got["embeddings"] is not None else []
        rows = sorted(
            (
                (_stored(cid, text or "", dict(meta or {})), vector)
                for cid, text, meta, vector in zip(
                    got["ids"], got["documents"] or [], got["metadatas"] or [], vectors, strict=True
                )
            ),
            key=lambda row: (row[0].source_id, row[0].index),
        )
        matrix = np.asarray([v for _, v in rows], dtype=np.float32).reshape(len(rows), -1)
        return [c for c, _ in rows], matrix

    def dense_search(
        self, vector: Sequence[float], k: int, source_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the `k` nearest chunks, optionally per source."""
        if k <= 0:  # Chroma itself copes with an empty collection or k > count
            return []
        where: dict[str, Any] | None = None
        if source_ids:
            ids = list(source_ids)
            where = {"source_id": ids[0]} if len(ids) == 1 else {"source_id": {"$in": ids}}
        got = self._chunks.query(
            query_embeddings=np.asarray([vector], dtype=np.float32),
            n_results=k,
            where=where,
            include=["distances"],
        )
        ids, distances = got["ids"][0], (got["distances"] or [[]])[0]
        return [(str(i), 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    # --- writes ------------------------------------------------------------------
    def upsert_document(
        self, doc: Document, chunks: Sequence[Chunk], progress: ProgressFn | None = None
    ) -> bool:
        """Index `doc`; False when the same content is already there (nothing written).

        New chunks are added before the old ones are deleted, so a failure half-way
        leaves the previous version searchable rather than nothing.
        """
        with self._write_lock:
            if self.source_hash(doc.source_id) == doc.content_hash:
                return False
            old = self._chunks.get(where={"source_id": doc.source_id}, include=[])["ids"]
            self._write_sentences(doc, chunks)  # first: a chunk hash present means all is there
            for i in range(0, len(chunks), _ADD_BATCH):
                batch = chunks[i : i + _ADD_BATCH]
                texts = [c.text for c in batch]
                self._chunks.upsert(
                    ids=[c.chunk_id for c in batch],
                    embeddings=np.asarray(self._embedder.embed_documents(texts), dtype=np.float32),
                    documents=texts,
                    metadatas=[_chunk_metadata(doc, c) for c in batch],
                )
                if progress:
                    progress(len(batch))
            stale = sorted(set(old) - {c.chunk_id for c in chunks})
            if stale:
                self._chunks.delete(ids=stale)
            self.version += 1
            return True

    def delete_source(self, source_id: str) -> int:
        with self._write_lock:
            ids = self._chunks.get(where={"source_id": source_id}, include=[])["ids"]
            if not ids:
                raise UnknownSourceError(f"no source {source_id!r} in the index")
            self._chunks.delete(ids=list(ids))
            self._sentences.delete(where={"source_id": source_id})
            self.version += 1
            return len(ids)

    def reset(self) -> None:
        with self._write_lock:
            self._client.delete_collection(self._chunks.name)
            self._client.delete_collection(self._sentences.name)
            self._chunks = self._open()
            self._sentences = self._open_sentences()
            self.version += 1


@contextmanager
def open_store(settings: Settings, embedder: CachedEmbeddings) -> Iterator[ChunkStore]:
    """Open the configured store for the lifetime of the `with` block."""
    client = make_client(settings)
    try:
        yield ChunkStore(client, settings, embedder)
    finally:
        # PersistentClient has no close(); dropping references releases the sqlite handles.
        del client
