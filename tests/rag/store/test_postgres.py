"""The catalog on PostgreSQL (RAG_CATALOG_URL): the same candidates as SQLite on the seeds,
`rag check` there, and its faults: a wrong password or a database down at start, one
stopped while serving (StoreError, then back without a restart), an unknown schema.
The store's behavioural tests also run on it (`backend_settings` in test_store.py,
test_browse.py, test_store_recovery.py, test_store_outage.py)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from eval.gold import load_gold
from rag.config import Settings
from rag.errors import StoreError
from rag.ingest import ingest_paths
from rag.language.text import terms
from rag.store.chunks import ChunkStore, open_store
from rag.store.filters import Filters
from tests.conftest import ROOT, SEEDS, FakeEmbeddings
from tests.postgres import PgServer

QUESTIONS = [item.question for item in load_gold(ROOT / "eval" / "gold" / "news.jsonl")]


def pg_settings(postgres: PgServer, tmp_path: Path, url: str | None = None) -> Settings:
    url = url or postgres.new_database()
    return Settings(data_dir=tmp_path / "pg", seeds_dir=SEEDS, catalog_url=url, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def pg_store(postgres: PgServer, tmp_path: Path) -> Iterator[ChunkStore]:
    settings = pg_settings(postgres, tmp_path)
    with open_store(settings, FakeEmbeddings()) as store:
        ingest_paths(store, [SEEDS], settings)
        yield store


@pytest.mark.parametrize("url", ["sqlite:///x.db", "http://127.0.0.1:5432/news", "mysql://u@h/db"])
def test_only_a_postgresql_url_is_a_catalog_url(url: str) -> None:
    with pytest.raises(ValidationError, match="postgresql://"):
        Settings(catalog_url=url, _env_file=None)  # type: ignore[call-arg]
    both = ("postgres://u@h/db", "postgresql://u@h/db")
    assert [Settings(catalog_url=u, _env_file=None).catalog_url for u in both] == list(both)  # type: ignore[call-arg]


@pytest.mark.integration
def test_search_finds_what_sqlite_finds_on_the_seeds(
    pg_store: ChunkStore, settings: Settings
) -> None:
    with open_store(settings, FakeEmbeddings()) as lite:
        ingest_paths(lite, [SEEDS], settings)
        assert lite.count() == pg_store.count() and lite.sources() == pg_store.sources()
        some = Filters.of(sources=[s.source_id for s in lite.sources()[:2]])
        for question in QUESTIONS:
            query = terms(question)
            assert pg_store.term_stats(query) == lite.term_stats(query)
            for filters in (None, some):
                want, got = lite.lexical(query, 40, filters), pg_store.lexical(query, 40, filters)
                assert [c for c, _ in got] == [c for c, _ in want], question
                assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-9)
            vector = lite.embedder.embed_query(question)
            assert pg_store.dense(vector, 10, some) == lite.dense(vector, 10, some)
        ids = [c for c, _ in lite.lexical(terms(QUESTIONS[0]), 10)]
        assert pg_store.chunks(ids, vectors=True).keys() == lite.chunks(ids).keys()


@pytest.mark.integration
def test_rag_check_finds_a_broken_lexical_index(pg_store: ChunkStore) -> None:
    assert pg_store.verify() == []
    catalog = pg_store._catalog
    with catalog.writing() as tx:
        tx.db.execute("DELETE FROM chunk_terms WHERE chunk = (SELECT min(chunk) FROM chunk_terms)")
        tx.db.execute("UPDATE term_docs SET doc = doc + 1 WHERE term = 'ukrain'")
    found = pg_store.verify()
    assert any("no lexical entry" in p for p in found)
    assert any("wrong chunk count" in p for p in found)


@pytest.mark.integration
def test_a_wrong_password_or_a_database_down_is_one_line_at_start(
    postgres: PgServer, tmp_path: Path
) -> None:
    url = postgres.url(password="wrong")
    with pytest.raises(StoreError, match="password authentication failed") as wrong:
        open_store(pg_settings(postgres, tmp_path, url), FakeEmbeddings()).__enter__()
    assert "\n" not in str(wrong.value) and "wrong" not in str(wrong.value)  # no password
    down = url.replace(f":{postgres.port}/", ":1/")
    with pytest.raises(StoreError, match="cannot open the catalog"):
        open_store(pg_settings(postgres, tmp_path, down), FakeEmbeddings()).__enter__()


@pytest.mark.integration
def test_a_database_stopped_while_serving_is_a_store_error_then_comes_back(
    pg_store: ChunkStore, postgres: PgServer
) -> None:
    query = terms(QUESTIONS[0])
    before = pg_store.lexical(query, 5)
    postgres.stop()
    try:
        with pytest.raises(StoreError, match="unreachable"):
            pg_store.lexical(query, 5)
        with pytest.raises(StoreError, match="unreachable"):
            pg_store.delete_source(before[0][0].split(":")[0])
    finally:
        postgres.start()
    assert pg_store.lexical(query, 5) == before  # the pool reconnected: no restart
    assert pg_store.verify() == []


@pytest.mark.integration
def test_an_unknown_schema_is_refused_with_the_way_out(postgres: PgServer, tmp_path: Path) -> None:
    settings = pg_settings(postgres, tmp_path)
    with open_store(settings, FakeEmbeddings()) as store, store._catalog.writing() as tx:
        tx.set_meta("schema_version", "pg-0")
    with pytest.raises(StoreError, match=r"schema pg-0.*rag ingest --reset"):
        open_store(settings, FakeEmbeddings()).__enter__()
