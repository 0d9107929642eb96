"""Ingest: load, clean, chunk and index documents; idempotent by content hash."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag.chunking import chunk_document
from rag.config import Settings
from rag.documents import Document, discover, load_file
from rag.errors import DocumentError
from rag.store import ChunkStore


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    chunks: int = 0


def ingest_document(
    store: ChunkStore,
    doc: Document,
    settings: Settings,
    report: IngestReport,
    progress: Callable[[int], None] | None = None,
) -> None:
    existed = store.source_hash(doc.source_id) is not None
    chunks = chunk_document(doc, settings.chunk_tokens, settings.chunk_overlap_tokens)
    if not store.upsert_document(doc, chunks, progress):
        report.unchanged.append(doc.source_id)
        return
    (report.updated if existed else report.added).append(doc.source_id)
    report.chunks += len(chunks)


def ingest_paths(
    store: ChunkStore,
    paths: Iterable[Path],
    settings: Settings,
    on_file: Callable[[Path], None] | None = None,
) -> IngestReport:
    """Index every article under `paths`. A bad file is reported and skipped, not fatal."""
    report = IngestReport()
    seen: dict[str, Path] = {}
    for path in discover(paths):
        try:
            if path.stem in seen:
                raise DocumentError(f"duplicate source id {path.stem!r} (also {seen[path.stem]})")
            seen[path.stem] = path
            ingest_document(store, load_file(path), settings, report)
        except DocumentError as exc:
            report.failed[str(path)] = str(exc)
        if on_file:
            on_file(path)
    return report
