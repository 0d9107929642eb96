"""Chroma failing after a write's catalog commit (an outage, a StoreError): the write stands
and is reported done, since readers see it whole; the vectors it left over wait in the
pending record for the next writer (fakes; the real outage is tests/api/test_fault_chroma.py)."""

from pathlib import Path
from typing import Any

import pytest

from rag.config import Settings
from rag.errors import StoreError
from rag.ingest import ingest_paths
from rag.store.chunks import open_store
from rag.store.vectors import VectorIndex
from tests.conftest import FakeEmbeddings, backend_settings
from tests.conftest import write_corpus as corpus

settings = backend_settings  # every test here runs on SQLite, then on PostgreSQL

ARTICLE = "Tram Report\n" + " ".join(
    f"The tram line in Ostvik {i} carried {i * 100} riders on day {i}." for i in range(30)
)


def down(*args: Any, **kwargs: Any) -> None:
    raise StoreError("the vector store is unreachable (ConnectError: refused)")


def test_a_delete_stands_when_chroma_fails_after_the_commit(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = corpus(tmp_path, a=ARTICLE, b=ARTICLE.replace("tram", "ferry"))
    with open_store(settings, FakeEmbeddings()) as store:
        ingest_paths(store, [folder], settings)
        chunks = len(store.source_chunks("b"))
        monkeypatch.setattr(VectorIndex, "delete", down)
        assert store.delete_source("b") == chunks  # done, as far as any reader can tell
        monkeypatch.undo()
        assert [s.source_id for s in store.sources()] == ["a"]
        assert any("not finished" in p for p in store.verify())
        assert store.recover() == chunks  # Chroma is back: the next writer tidies up
        assert store.verify() == [] and store.vector_count() == store.count()


def test_an_update_stands_when_chroma_fails_after_the_commit(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = corpus(tmp_path, a=ARTICLE)
    with open_store(settings, FakeEmbeddings()) as store:
        ingest_paths(store, [folder], settings)
        corpus(tmp_path, a=ARTICLE.replace("riders", "passengers"))
        monkeypatch.setattr(VectorIndex, "delete", down)
        report = ingest_paths(store, [folder], settings)
        monkeypatch.undo()
        assert report.updated == ["a"] and not report.failed
        assert "passengers" in " ".join(c.text for c in store.source_chunks("a"))
    with open_store(settings, FakeEmbeddings()) as store:  # the next open tidies up
        assert store.verify() == [] and store.vector_count() == store.count()


def test_an_add_that_chroma_refuses_leaves_no_document(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = corpus(tmp_path, a=ARTICLE)
    with open_store(settings, FakeEmbeddings()) as store:
        monkeypatch.setattr(VectorIndex, "add", down)
        with pytest.raises(StoreError, match="unreachable"):
            ingest_paths(store, [folder], settings)
        monkeypatch.undo()
        assert store.sources() == [] and store.count() == 0
        again = ingest_paths(store, [folder], settings)  # retried cleanly once Chroma is back
        assert again.added == ["a"] and store.verify() == []
