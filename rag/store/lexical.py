"""Lexical side of retrieval: BM25 over chunk terms, and term statistics for sentences.

The index is an SQLite FTS5 table in the catalog (rag/store/catalog.py), or term tables in
PostgreSQL (rag/store/postgres_writes.py), written in the same transaction as the chunks,
so it is incremental (a write costs the document written) and shared by every process.
Chunks are indexed as their `terms()` (stemmed, no stop words), and questions are matched
the same way, so "negotiations" finds "negotiate". The queries themselves are planned in
rag/store/search.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rag.language.text import terms
from rag.store.backend import Catalog
from rag.store.sql import Condition, Run, select_in


@dataclass(frozen=True)
class TermStats:
    """How many chunks contain each of some terms, out of `size`: their IDF."""

    size: int
    df: Mapping[str, int]

    def idf(self, term: str) -> float:
        """Robertson IDF; a term the corpus never uses gets the highest weight."""
        df = self.df.get(term, 0)
        return math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))

    def coverage(self, query_terms: Iterable[str], text_terms: set[str]) -> float:
        """IDF-weighted share of the query's distinct terms that `text_terms` contains."""
        distinct = set(query_terms)
        total = sum(self.idf(t) for t in distinct)
        if total <= 0:
            return 0.0
        return sum(self.idf(t) for t in distinct if t in text_terms) / total


def indexed_terms(text: str) -> str:
    """What the lexical index stores for a chunk: its terms, space-separated."""
    return " ".join(terms(text))


def match_expression(query_terms: Sequence[str]) -> str:
    """An FTS5 query matching any of the terms (each quoted, so none is an operator)."""
    distinct = dict.fromkeys(t.replace('"', '""') for t in query_terms)
    return " OR ".join(f'"{t}"' for t in distinct)


def fts5_bm25(
    run: Run, query_terms: Sequence[str], limit: int, where: Condition | None = None
) -> list[tuple[str, float]]:
    """The SQLite catalog's `bm25`: FTS5's own ranking, over its `chunk_terms` table."""
    expression = match_expression(query_terms)
    if where is None:
        rows = run(
            "SELECT c.chunk_id, -bm25(chunk_terms) FROM chunk_terms "
            "JOIN chunks AS c ON c.id = chunk_terms.rowid "
            "WHERE chunk_terms MATCH ? ORDER BY bm25(chunk_terms) LIMIT ?",
            [expression, limit],
        )
    else:
        condition, params = where
        rows = run(
            "SELECT c.chunk_id, -bm25(chunk_terms) FROM chunk_terms "
            "JOIN chunks AS c ON c.id = chunk_terms.rowid "
            "JOIN documents AS d ON d.source_id = c.source_id "
            f"WHERE chunk_terms MATCH ? AND {condition} ORDER BY bm25(chunk_terms) LIMIT ?",
            [expression, *params, limit],
        )
    return [(str(cid), float(score)) for cid, score in rows]


def term_stats(catalog: Catalog, query_terms: Iterable[str]) -> TermStats:
    """Document frequencies of the distinct `query_terms`."""
    wanted = list(dict.fromkeys(query_terms))
    sql = "SELECT term, doc FROM term_docs WHERE term IN ({marks})"  # one round trip
    found = {str(term): int(doc) for term, doc in select_in(catalog.query, sql, wanted)}
    return TermStats(size=catalog.chunk_count(), df={t: found.get(t, 0) for t in wanted})
