"""Ingest: load, clean, chunk, embed and index documents; idempotent by content hash.

    report = ingest_paths(store, [Path("articles")], settings, on_progress=print)

Files are read, cleaned and chunked ahead on a thread while the embedder runs (it releases
the GIL). Chunks are embedded in groups across documents (length-sorted batches waste
little on padding), and one forward pass per chunk gives the chunk's vector and every
sentence's (late chunking, rag/embedding/minilm.py), so sentences cost no extra pass. Each group is
written at once, every document in it whole or absent; an interrupted run, run again,
skips what was written and finishes the rest.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.config import Settings
from rag.documents.chunking import Chunk, chunk_document
from rag.documents.loading import Document, discover, load_file, read_manifest
from rag.embedding.embedders import CachedEmbeddings, split_rows
from rag.errors import DocumentError
from rag.store.chunks import ChunkStore, Prepared

READ_AHEAD = 64  # parsed documents waiting for the embedder


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    chunks: int = 0


@dataclass(frozen=True)
class IngestProgress:
    files_done: int
    files_total: int
    chunks: int  # chunks written so far
    seconds: float

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds if self.seconds > 0 else 0.0


ProgressFn = Callable[[IngestProgress], None]


def prepare(
    embedder: CachedEmbeddings, docs: Sequence[tuple[Document, Sequence[Chunk]]]
) -> list[Prepared]:
    """Embed the chunks of `docs` (and their sentences) in one go."""
    chunks = [c for _, cs in docs for c in cs]
    spans = [[(s.start - c.start, s.end - c.start) for s in c.sentences] for c in chunks]
    chunk_vectors, sentence_vectors = embedder.embed_chunks([c.text for c in chunks], spans)
    per_doc = [len(cs) for _, cs in docs]
    return [
        Prepared(doc, cs, vectors, sentences)
        for (doc, cs), vectors, sentences in zip(
            docs,
            split_rows(chunk_vectors, per_doc),
            _split(sentence_vectors, per_doc),
            strict=True,
        )
    ]


def _split(items: Sequence[np.ndarray], sizes: Sequence[int]) -> Iterator[list[np.ndarray]]:
    at = 0
    for size in sizes:
        yield list(items[at : at + size])
        at += size


def ingest_document(
    store: ChunkStore,
    doc: Document,
    settings: Settings,
    report: IngestReport,
    replace: bool = True,
) -> None:
    """Index one document (the API's POST and PUT /v1/documents). Unless `replace`, one
    whose id holds a different text is refused (SourceConflictError) before it is embedded."""
    known = store.source_hash(doc.source_id)
    if known == doc.content_hash:
        report.unchanged.append(doc.source_id)
        return
    if not replace and known is not None:
        store.refuse_other_texts([doc])
    chunks = chunk_document(doc, settings.chunk_tokens, settings.chunk_overlap_tokens)
    store.write(prepare(store.embedder, [(doc, chunks)]), replace=replace)
    (report.updated if known else report.added).append(doc.source_id)
    report.chunks += len(chunks)


@dataclass(frozen=True)
class _Read:
    path: Path
    doc: Document | None = None
    chunks: Sequence[Chunk] = ()
    error: str | None = None


def _read_ahead(files: Sequence[Path], settings: Settings) -> Iterator[_Read]:
    """Load and chunk `files` on a thread, `READ_AHEAD` ahead of the consumer."""
    out: queue.Queue[_Read | BaseException | None] = queue.Queue(maxsize=READ_AHEAD)
    stop = threading.Event()

    def work() -> None:
        seen: dict[str, Path] = {}
        manifests: dict[Path, dict[str, dict[str, Any]]] = {}  # one read per folder
        try:
            for path in files:
                if stop.is_set():
                    return
                try:
                    if path.stem in seen:
                        raise DocumentError(
                            f"duplicate source id {path.stem!r} (also {seen[path.stem]})"
                        )
                    seen[path.stem] = path
                    if path.parent not in manifests:
                        manifests[path.parent] = read_manifest(path.parent)
                    doc = load_file(path, manifests[path.parent].get(path.stem, {}))
                    chunks = chunk_document(
                        doc, settings.chunk_tokens, settings.chunk_overlap_tokens
                    )
                    out.put(_Read(path, doc, chunks))
                except DocumentError as exc:
                    out.put(_Read(path, error=str(exc)))
            out.put(None)
        except BaseException as exc:  # handed to the consumer, which raises it
            out.put(exc)

    thread = threading.Thread(target=work, name="ingest-reader", daemon=True)
    thread.start()
    try:
        while (item := out.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a reader waiting on a full queue
            try:
                out.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.1)


def ingest_paths(
    store: ChunkStore,
    paths: Iterable[Path],
    settings: Settings,
    on_progress: ProgressFn | None = None,
) -> IngestReport:
    """Index every article under `paths`. A bad file is reported and skipped, not fatal."""
    files = discover(paths)
    report = IngestReport()
    started = time.perf_counter()
    done = 0
    group: list[tuple[Document, Sequence[Chunk]]] = []
    existed: set[str] = set()

    def progressed(files_more: int) -> None:
        nonlocal done
        done += files_more
        if on_progress:
            seconds = time.perf_counter() - started
            on_progress(IngestProgress(done, len(files), report.chunks, seconds))

    def flush() -> None:
        if not group:
            return
        store.write(prepare(store.embedder, group))
        for doc, chunks in group:
            sid = doc.source_id
            (report.updated if sid in existed else report.added).append(sid)
            report.chunks += len(chunks)
        written = len(group)
        group.clear()
        progressed(written)

    for item in _read_ahead(files, settings):
        if item.doc is None:
            report.failed[str(item.path)] = item.error or "unreadable"
            progressed(1)
            continue
        known = store.source_hash(item.doc.source_id)
        if known == item.doc.content_hash:
            report.unchanged.append(item.doc.source_id)
            progressed(1)
            continue
        if known is not None:
            existed.add(item.doc.source_id)
        group.append((item.doc, item.chunks))
        if sum(len(cs) for _, cs in group) >= settings.ingest_group_chunks:
            flush()
    flush()
    return report
