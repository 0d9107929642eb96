from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.errors import EmbedderMismatchError, UnknownSourceError
from rag.ingest import ingest_paths
from rag.store.chunks import open_store
from tests.conftest import FakeEmbeddings, backend_settings

settings = backend_settings  # every test here runs on SQLite, then on PostgreSQL


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


ARTICLE = "Headline Of A Story\n" + " ".join(
    f"Sentence {i} says the minerals deal was discussed in Kyiv." for i in range(40)
)


def test_ingest_is_idempotent_replaces_changed_and_deletes(
    settings: Settings, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", ARTICLE)
    write(corpus, "b.md", "Other Story Title\nNATO membership remains off the table.")
    with open_store(settings, FakeEmbeddings()) as store:
        first = ingest_paths(store, [corpus], settings)
        assert sorted(first.added) == ["a", "b"] and first.chunks > 2
        count = store.count()

        again = ingest_paths(store, [corpus], settings)
        assert sorted(again.unchanged) == ["a", "b"] and again.chunks == 0
        assert store.count() == count

        write(corpus, "b.md", "Other Story Title\nNATO membership is now on the table.")
        changed = ingest_paths(store, [corpus], settings)
        assert changed.updated == ["b"] and changed.unchanged == ["a"]
        b_chunks = store.source_chunks("b", vectors=True)
        b_text = " ".join(c.text for c in b_chunks)
        assert "now on the table" in b_text and "remains off" not in b_text
        assert store.count() == count == store.vector_count()
        for chunk in b_chunks:  # one sentence vector per sentence of the new version
            assert chunk.vectors is not None and len(chunk.vectors) == len(chunk.sentences)

        removed = store.delete_source("b")
        assert removed == len(b_chunks)
        assert store.source_chunks("b") == []
        assert store.vector_count() == store.count()  # its vectors are gone from Chroma too
        query = store.embedder.embed_query("NATO membership table")
        assert all(cid.startswith("a:") for cid, _ in store.dense(query, 50))
        assert [s.source_id for s in store.sources()] == ["a"]
        with pytest.raises(UnknownSourceError):
            store.delete_source("b")


def test_bad_file_is_reported_not_fatal(settings: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus, "good.txt", ARTICLE)
    write(corpus, "empty.txt", "google cta\n")
    with open_store(settings, FakeEmbeddings()) as store:
        report = ingest_paths(store, [corpus], settings)
    assert report.added == ["good"]
    assert any("empty" in path for path in report.failed)


def test_sources_carry_metadata_and_chunk_counts(settings: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus, "a.md", "---\ntitle: T\noutlet: O\npublished: 2025-03-01\n---\n" + ARTICLE)
    with open_store(settings, FakeEmbeddings()) as store:
        ingest_paths(store, [corpus], settings)
        (info,) = store.sources()
    assert (info.title, info.outlet, info.published) == ("T", "O", "2025-03-01")
    assert info.chunks >= 2


class OtherEmbeddings(FakeEmbeddings):
    identity = "fake/other"


def test_querying_with_another_embedder_is_an_error(settings: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", ARTICLE)
    with open_store(settings, FakeEmbeddings()) as store:
        ingest_paths(store, [corpus], settings)
    with (
        pytest.raises(EmbedderMismatchError, match="fake/hash-64"),
        open_store(settings, OtherEmbeddings()),
    ):
        pass
    with open_store(settings, FakeEmbeddings()) as store:  # the right one still works
        assert store.count() > 0


def test_reset_empties_the_collection(settings: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", ARTICLE)
    with open_store(settings, FakeEmbeddings()) as store:
        ingest_paths(store, [corpus], settings)
        assert store.count() > 0 and store.source_chunks("a", vectors=True)[0].vectors is not None
        store.reset()
        assert store.count() == 0 and store.vector_count() == 0
        assert store.source_chunks("a") == [] and store.sources() == []
        assert store.lexical(["minerals"], 10) == []


def test_embedding_cache_is_safe_under_concurrent_use() -> None:
    from concurrent.futures import ThreadPoolExecutor

    embedder = FakeEmbeddings(cache_size=16)  # far smaller than the texts: constant eviction
    reference = FakeEmbeddings()

    def work(i: int) -> list[tuple[str, list[float]]]:
        texts = [f"story {i % 7} item {j} port {j % 3}" for j in range(20)]
        return list(zip(texts, embedder.embed_documents(texts), strict=True))

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [pair for batch in pool.map(work, range(64)) for pair in batch]
    assert len(results) == 64 * 20
    for text, vector in results:  # every vector is its own text's, whatever the interleaving
        assert np.allclose(vector, reference._embed([text])[0], atol=1e-6), text
    assert len(embedder._cache) <= 16
