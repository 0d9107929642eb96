"""A write that dies half-way leaves no half document: readers never see one, and the next
open or write removes what it left in Chroma (fakes; the real `kill -9` is in
tests/rag/test_ingest_kill.py)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rag.config import Settings
from rag.ingest import ingest_paths
from rag.store.chunks import open_store
from rag.store.postgres_writes import PgTransaction
from rag.store.vectors import VectorIndex
from rag.store.writes import Transaction
from tests.conftest import FakeEmbeddings, backend_settings
from tests.conftest import write_corpus as corpus

settings = backend_settings  # every test here runs on SQLite, then on PostgreSQL

ARTICLE = "Harbour Report\n" + " ".join(
    f"The ferry terminal in Port {i} handled {i * 10} crossings on day {i}." for i in range(30)
)


def dies(at: str) -> Callable[..., Any]:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"killed {at}")

    return boom


def test_dying_after_the_vectors_before_the_commit(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = corpus(tmp_path, a=ARTICLE)
    with open_store(settings, FakeEmbeddings()) as store:
        ingest_paths(store, [folder], settings)
        before = store.count()
        corpus(tmp_path, b=ARTICLE.replace("ferry", "rail"))
        for writes in (Transaction, PgTransaction):
            monkeypatch.setattr(writes, "put_document", dies("before the commit"))
        with pytest.raises(RuntimeError, match="before the commit"):
            ingest_paths(store, [folder], settings)
        monkeypatch.undo()

        assert [s.source_id for s in store.sources()] == ["a"]  # b is absent, not half there
        assert store.count() == before and store.vector_count() > before  # its vectors linger
        hits = store.dense(store.embedder.embed_query("rail terminal crossings"), 100)
        assert store.chunks([cid for cid, _ in hits]).keys() <= {
            c.chunk_id for c in store.source_chunks("a")
        }
        assert any("not finished" in p for p in store.verify())

    with open_store(settings, FakeEmbeddings()) as store:  # the next open recovers
        assert store.vector_count() == store.count() == before
        assert store.verify() == []
        again = ingest_paths(store, [folder], settings)
        assert again.added == ["b"] and again.unchanged == ["a"]
        assert store.verify() == []


def test_dying_after_the_commit_before_stale_vectors_go(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = corpus(tmp_path, a=ARTICLE)
    with open_store(settings, FakeEmbeddings()) as store:
        ingest_paths(store, [folder], settings)
        corpus(tmp_path, a=ARTICLE.replace("crossings", "sailings"))  # a new version
        monkeypatch.setattr(VectorIndex, "delete", dies("after the commit"))
        with pytest.raises(RuntimeError, match="after the commit"):
            ingest_paths(store, [folder], settings)
        monkeypatch.undo()

        text = " ".join(c.text for c in store.source_chunks("a"))
        assert "sailings" in text and "crossings" not in text  # the new version, whole
        assert store.vector_count() > store.count()  # the old version's vectors linger
        assert store.recover() > 0
        assert store.vector_count() == store.count() and store.verify() == []


def test_deleting_dies_half_way_and_is_finished_later(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = corpus(tmp_path, a=ARTICLE, b=ARTICLE.replace("ferry", "rail"))
    with open_store(settings, FakeEmbeddings()) as store:
        ingest_paths(store, [folder], settings)
        monkeypatch.setattr(VectorIndex, "delete", dies("deleting"))
        with pytest.raises(RuntimeError):
            store.delete_source("b")
        monkeypatch.undo()
        assert [s.source_id for s in store.sources()] == ["a"]
    with open_store(settings, FakeEmbeddings()) as store:
        assert store.verify() == [] and store.vector_count() == store.count()
