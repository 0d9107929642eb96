"""Ingest against the embedder's own limit, on the same articles, in one run.

Run: `rag bench ingest [ARCHIVE] [--limit N] [--keep DIR]` (default archive:
../shared/corpora/realtimeqa-dev/articles). Prints numbers; asserts nothing.

1. The embedder alone: every article's cleaned text cut into windows of the chunk size
   (cl100k tokens, no overlap), embedded once, in this process.
2. The ingest, end to end: `rag ingest ARCHIVE` in a child process over a fresh data dir
   (loading, cleaning, chunking, embedding chunks and their sentences, Chroma and catalog
   writes), timed from start to exit; its peak RSS. With RAG_CATALOG_URL, the catalog is
   written to that (empty) PostgreSQL database.
The ratio alone / ingest is counted in text, not chunks: a smaller chunk size or more
overlap cannot make it look better.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from rag.answering.pipeline import embedder_for
from rag.config import Settings
from rag.documents.chunking import token_windows
from rag.documents.loading import discover, load_file
from rag.errors import ConfigError

ARCHIVE = Path("../shared/corpora/realtimeqa-dev/articles")


@dataclass(frozen=True)
class IngestFigures:
    articles: int
    characters: int
    windows: int
    chunks: int
    alone_s: float
    ingest_s: float
    peak_rss_mb: float

    @property
    def ratio(self) -> float:
        return self.alone_s / self.ingest_s if self.ingest_s else 0.0


def corpus_of(archive: Path, limit: int | None, into: Path) -> list[Path]:
    """The first `limit` articles of `archive` (by name), linked into a folder of their own
    with the archive's manifest, so `rag ingest` reads exactly these."""
    files = discover([archive])
    if not files:
        raise ConfigError(f"{archive} holds no articles")
    files = files[:limit] if limit else files
    into.mkdir(parents=True)
    for path in files:
        os.symlink(path.resolve(), into / path.name)
    if (archive / "manifest.json").is_file():
        shutil.copy(archive / "manifest.json", into / "manifest.json")
    return files


def embedder_alone(settings: Settings, files: list[Path]) -> tuple[float, int, int]:
    """Seconds the embedder takes over the articles' text in chunk-size windows."""
    texts = [load_file(path).text for path in files]
    windows = [w for text in texts for w in token_windows(text, settings.chunk_tokens)]
    embedder = embedder_for(settings)
    embedder.embed_query("warm-up")  # the model's first run, not counted
    started = time.perf_counter()
    for i in range(0, len(windows), 1024):  # the embedder sorts and batches each slice
        embedder._embed(windows[i : i + 1024])
    return time.perf_counter() - started, len(windows), sum(len(t) for t in texts)


def ingest_child(
    folder: Path, data: Path, catalog_url: str | None = None
) -> tuple[float, int, float]:
    """`rag ingest folder` in a child process: (wall seconds, chunks written, peak RSS MB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(RAG_DATA_DIR=str(data), HF_HUB_OFFLINE="1")
    if catalog_url:  # the catalog on that (empty) PostgreSQL database
        env.update(RAG_CATALOG_URL=catalog_url)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ingest", str(folder)],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise ConfigError(f"rag ingest failed: {done.stderr.strip()[-500:]}")
    chunks = int(done.stdout.split(";")[-1].split()[0])  # "...; N chunks written"
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, chunks, peak


def run_ingest_bench(
    settings: Settings, archive: Path, limit: int | None, keep: Path | None, console: Console
) -> IngestFigures:
    if not archive.is_dir():
        raise ConfigError(
            f"no archive at {archive}: pass a folder of articles "
            "(the shared one is ../shared/corpora/realtimeqa-dev/articles)"
        )
    with tempfile.TemporaryDirectory(prefix="rag-bench-ingest-") as tmp:
        folder = Path(tmp) / "articles"
        files = corpus_of(archive, limit, folder)
        console.print(f"{len(files)} articles from {archive}: the embedder alone first …")
        alone, windows, characters = embedder_alone(settings, files)
        console.print(f"… {alone:.1f} s; now `rag ingest` end to end …")
        data = keep or Path(tmp) / "data"
        seconds, chunks, peak = ingest_child(folder, data, settings.catalog_url)
    figures = IngestFigures(len(files), characters, windows, chunks, alone, seconds, peak)
    report(console, figures, settings)
    return figures


def report(console: Console, f: IngestFigures, settings: Settings) -> None:
    table = Table("figure", "value", title=f"Ingest vs the embedder alone ({os.cpu_count()} CPUs)")
    rows = [
        ("articles", f"{f.articles:,} ({f.characters:,} characters)"),
        ("embedder alone", f"{f.alone_s:.1f} s for {f.windows:,} windows"),
        ("ingest, end to end", f"{f.ingest_s:.1f} s for {f.chunks:,} chunks"),
        ("alone / ingest", f"{f.ratio:.3f}"),
        ("chunks/s", f"{f.chunks / f.ingest_s:.1f}"),
        ("ingest peak RSS", f"{f.peak_rss_mb:,.0f} MB"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    console.print(
        f"windows of {settings.chunk_tokens} cl100k tokens; chunks of at most "
        f"{settings.chunk_tokens} with {settings.chunk_overlap_tokens} tokens of overlap; "
        f"embedder {settings.embedder}, batches of {settings.embed_batch_size}"
    )
