"""Searcher's plans, on a fake catalog (in-memory SQLite with FTS5) and fake vectors that
record every search: a broad filter is applied after an unfiltered, deeper search, a narrow
one inside the index; lexical queries leave out common terms."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from typing import Any

import pytest

from rag.store.filters import UNDATED, Filters
from rag.store.lexical import TermStats, fts5_bm25, match_expression
from rag.store.search import BROAD, COMMON, Searcher
from rag.store.sql import Condition

# 20 chunks: "big" has 5 (a quarter of the index: exactly BROAD), a01..a15 one each.
LONG = " ".join(f"filler{i}" for i in range(40))  # makes big:4 the weakest BM25 match
CHUNK_TERMS: dict[str, str] = {
    "big:0": "tide harbour crane",
    "big:1": "tide harbour crane",
    "big:2": "tide harbour",
    "big:3": "tide harbour",
    "big:4": f"tide harbour gull {LONG}",
    **{f"a{i:02}:0": "tide" for i in range(1, 16)},
}
CHUNK_TERMS["a01:0"] += " harbour ferry gull"
CHUNK_TERMS["a02:0"] += " ferry gull"
CHUNK_TERMS["a03:0"] += " ferry gull quay"
for i in range(4, 11):
    CHUNK_TERMS[f"a{i:02}:0"] += " gull"
OUTLETS = {"big": "Kelvale Echo", **{f"a{i:02}": "Morrow Daily" for i in range(1, 16)}}


def matches(meta: dict[str, Any], where: dict[str, Any]) -> bool:
    """Chroma's `where` semantics, for the operators rag/store/filters.py writes."""
    if "$and" in where:
        return all(matches(meta, w) for w in where["$and"])
    if "$or" in where:
        return any(matches(meta, w) for w in where["$or"])
    ((field, condition),) = where.items()
    value = meta.get(field)
    if not isinstance(condition, dict):
        return bool(value == condition)
    ((op, operand),) = condition.items()
    match op:
        case "$in":
            return value in operand
        case "$nin":
            return value not in operand
        case "$gte":
            return value is not None and value >= operand
        case "$lte":
            return value is not None and value <= operand
    raise AssertionError(f"unexpected operator {op}")


class FakeCatalog:
    """The two calls Searcher makes (`chunk_count`, `query`) over the tables it reads."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.executescript(
            "CREATE TABLE documents (source_id TEXT PRIMARY KEY, outlet TEXT, "
            "published_day INTEGER, chunks INTEGER NOT NULL);"
            "CREATE TABLE chunks (id INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE, source_id TEXT);"
            "CREATE VIRTUAL TABLE chunk_terms USING fts5(terms);"
        )
        for source, outlet in OUTLETS.items():
            own = [cid for cid in CHUNK_TERMS if cid.startswith(f"{source}:")]
            self.db.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?)", (source, outlet, 19000, len(own))
            )
            for cid in own:
                rowid = self.db.execute(
                    "INSERT INTO chunks (chunk_id, source_id) VALUES (?, ?)", (cid, source)
                ).lastrowid
                self.db.execute(
                    "INSERT INTO chunk_terms (rowid, terms) VALUES (?, ?)",
                    (rowid, CHUNK_TERMS[cid]),
                )
        self.queries: list[tuple[str, list[Any]]] = []

    def chunk_count(self) -> int:
        return len(CHUNK_TERMS)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.queries.append((sql, list(params)))
        return self.db.execute(sql, params).fetchall()

    def bm25(
        self, query_terms: Sequence[str], limit: int, where: Condition | None = None
    ) -> list[tuple[str, float]]:
        return fts5_bm25(self.query, query_terms, limit, where)  # the SQLite catalog's

    def matched(self) -> list[tuple[str, list[Any]]]:
        """The lexical queries run (not the counts of what a filter keeps)."""
        return [(sql, params) for sql, params in self.queries if "MATCH" in sql]


class FakeVectors:
    """Nearest first in a fixed order; records (k, where) of every search."""

    def __init__(self, order: Sequence[str]) -> None:
        self.order = list(order)
        self.calls: list[tuple[int, dict[str, Any] | None]] = []

    def search(
        self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        self.calls.append((k, where))
        kept = [cid for cid in self.order if where is None or matches(self.meta(cid), where)]
        return [(cid, 1.0 - i / 100) for i, cid in enumerate(kept[:k])]

    @staticmethod
    def meta(chunk_id: str) -> dict[str, Any]:
        source = chunk_id.split(":")[0]
        return {"source_id": source, "outlet": OUTLETS[source], "published_day": UNDATED}


SMALL = sorted(c for c in CHUNK_TERMS if c.startswith("a"))
SMALL_FIRST = [*SMALL, *(f"big:{i}" for i in range(5))]  # nearest first: big's chunks last
BIG_FIRST = [*(f"big:{i}" for i in range(5)), *SMALL]


def searcher(order: Sequence[str] = SMALL_FIRST) -> tuple[Searcher, FakeCatalog, FakeVectors]:
    catalog, vectors = FakeCatalog(), FakeVectors(order)
    return Searcher(catalog, vectors), catalog, vectors  # type: ignore[arg-type]


def stats() -> TermStats:
    df: dict[str, int] = {}
    for text in CHUNK_TERMS.values():
        for term in set(text.split()):
            df[term] = df.get(term, 0) + 1
    return TermStats(size=len(CHUNK_TERMS), df=df)


BIG = Filters.of(sources=["big"])  # 5 of 20 chunks: a quarter, BROAD
FOUR = Filters.of(sources=["a01", "a02", "a03", "a04"])  # 4 of 20: narrow
MOST = Filters.of(exclude=["a01", "a02"])  # 18 of 20
NONE_KEPT = Filters.of(sources=["nowhere"])


def test_the_fixture_sits_on_the_thresholds() -> None:
    assert BROAD == 0.25 and COMMON == 0.10  # the shares below are chosen around these
    df = stats().df
    assert (df["crane"], df["quay"]) == (2, 1)  # rare: at most a tenth of 20
    assert (df["ferry"], df["harbour"], df["gull"], df["tide"]) == (3, 6, 11, 20)


@pytest.mark.parametrize(
    ("filters", "kept"), [(BIG, 5), (FOUR, 4), (MOST, 18), (NONE_KEPT, 0), (Filters(), 20)]
)
def test_kept_counts_chunks_not_articles(filters: Filters, kept: int) -> None:
    s, _, _ = searcher()
    assert s.kept(filters) == (kept, 20)


def test_passing_checks_ids_in_batches() -> None:
    s, _, _ = searcher()
    ids = [f"ghost:{i}" for i in range(1200)] + ["big:3", "a05:0", "a01:0"]
    assert s.passing(ids, MOST) == {"big:3", "a05:0"}


# --- dense ---------------------------------------------------------------------------------


@pytest.mark.parametrize("filters", [None, Filters()])
def test_dense_without_a_filter_is_one_plain_search(filters: Filters | None) -> None:
    s, catalog, vectors = searcher()
    hits = s.dense([1.0], 3, filters)
    assert vectors.calls == [(3, None)]
    assert [cid for cid, _ in hits] == SMALL_FIRST[:3]
    assert catalog.queries == []  # nothing to count


def test_dense_with_a_broad_filter_searches_deeper_unfiltered_and_checks_the_catalog() -> None:
    s, _, vectors = searcher(SMALL_FIRST)  # a01, a02 (which MOST drops) nearest
    hits = s.dense([1.0], 4, MOST)
    depth = min(18, math.ceil(1.5 * 4 / (18 / 20))) + 4
    assert vectors.calls == [(depth, None)]  # one unfiltered search, no `where`
    assert [cid for cid, _ in hits] == ["a03:0", "a04:0", "a05:0", "a06:0"]


def test_dense_at_exactly_broad_falls_back_to_the_filter_when_too_few_pass() -> None:
    s, _, vectors = searcher(SMALL_FIRST)  # big's chunks are the farthest
    hits = s.dense([1.0], 2, BIG)
    depth = min(5, math.ceil(1.5 * 2 / 0.25)) + 2
    assert vectors.calls == [(depth, None), (2, BIG.chroma_where())]
    assert [cid for cid, _ in hits] == ["big:0", "big:1"]


def test_dense_with_a_narrow_filter_filters_inside_the_index() -> None:
    s, _, vectors = searcher(BIG_FIRST)
    hits = s.dense([1.0], 3, FOUR)
    assert vectors.calls == [(3, FOUR.chroma_where())]
    assert [cid for cid, _ in hits] == ["a01:0", "a02:0", "a03:0"]


def test_dense_returns_fewer_when_the_filter_keeps_fewer_than_k() -> None:
    s, _, _ = searcher(SMALL_FIRST)
    hits = s.dense([1.0], 10, Filters.of(sources=["a07", "a09"]))
    assert sorted(cid for cid, _ in hits) == ["a07:0", "a09:0"]


@pytest.mark.parametrize(("filters", "k"), [(NONE_KEPT, 5), (BIG, 0)])
def test_dense_asks_nothing_when_nothing_can_pass(filters: Filters, k: int) -> None:
    s, _, vectors = searcher()
    assert s.dense([1.0], k, filters) == []
    assert vectors.calls == []


# --- lexical -------------------------------------------------------------------------------


def lexical(
    terms: list[str], k: int, filters: Filters | None = None
) -> tuple[list[str], FakeCatalog]:
    s, catalog, _ = searcher()
    return [cid for cid, _ in s.lexical(terms, k, stats(), filters)], catalog


def test_common_terms_are_left_out_of_the_query() -> None:
    hits, catalog = lexical(["tide", "crane", "harbour", "quay", "crane"], 5)
    ((_, params),) = catalog.matched()
    assert params[0] == match_expression(["crane", "quay"])
    assert set(hits) == {"big:0", "big:1", "a03:0"}


def test_when_every_term_is_common_the_three_rarest_are_kept() -> None:
    _, catalog = lexical(["tide", "gull", "harbour", "ferry"], 5)
    ((_, params),) = catalog.matched()
    assert params[0] == match_expression(["ferry", "harbour", "gull"])


@pytest.mark.parametrize(("terms", "k"), [([], 5), (["crane"], 0)])
def test_no_terms_or_no_k_queries_nothing(terms: list[str], k: int) -> None:
    hits, catalog = lexical(terms, k, BIG)
    assert hits == [] and catalog.queries == []


@pytest.mark.parametrize("filters", [None, Filters()])
def test_lexical_without_a_filter_is_one_query_of_k(filters: Filters | None) -> None:
    hits, catalog = lexical(["ferry"], 2, filters)
    ((sql, params),) = catalog.matched()
    assert "documents" not in sql and params[-1] == 2
    assert len(hits) == 2 and set(hits) <= {"a01:0", "a02:0", "a03:0"}
    assert len(catalog.queries) == 1  # no count of what a filter keeps


def test_lexical_with_a_broad_filter_reads_deeper_then_checks_the_catalog() -> None:
    hits, catalog = lexical(["ferry"], 1, MOST)
    ((sql, params),) = catalog.matched()
    assert "documents" not in sql
    assert params[-1] == min(18, math.ceil(1.5 * 1 / (18 / 20))) + 1
    assert hits == ["a03:0"]  # a01 and a02 are excluded


def test_lexical_falls_back_to_the_filter_when_the_deep_read_was_full() -> None:
    # "gull": 11 chunks, big:4 the weakest of them; 6 read unfiltered, none of them big's
    hits, catalog = lexical(["gull"], 1, BIG)
    first, second = catalog.matched()
    assert first[1][-1] == min(5, math.ceil(1.5 / 0.25)) + 1 and "documents" not in first[0]
    assert "JOIN documents" in second[0] and "big" in second[1]
    assert hits == ["big:4"]


def test_lexical_keeps_what_passed_when_every_match_was_read() -> None:
    # "quay" matches one chunk, outside the filter: all matches were read, nothing to redo
    hits, catalog = lexical(["quay"], 1, BIG)
    assert hits == [] and len(catalog.matched()) == 1


def test_lexical_with_a_narrow_filter_filters_inside_the_query() -> None:
    hits, catalog = lexical(["gull"], 10, FOUR)
    ((sql, params),) = catalog.matched()
    assert "JOIN documents" in sql and params[1:5] == ["a01", "a02", "a03", "a04"]
    assert sorted(hits) == ["a01:0", "a02:0", "a03:0", "a04:0"]


def test_lexical_asks_nothing_when_the_filter_keeps_nothing() -> None:
    hits, catalog = lexical(["crane"], 3, NONE_KEPT)
    assert hits == [] and catalog.matched() == []
