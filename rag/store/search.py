"""Search: the dense and lexical candidates of a query, planned by how much a filter keeps.

A filter that keeps most of the index (an `as_of` day, a few excluded sources) is cheapest
as an unfiltered search a little deeper, checked against the catalog afterwards; one that
keeps little (a week, a few sources) is cheapest filtered inside the index. Chroma's
metadata filter costs 12-35 ms at 24k chunks against 2-3 ms unfiltered, and FTS5 scores
every match of every query term, so:
- the share of chunks a filter keeps is read from the catalog (one sum over documents);
- at `BROAD` or more, both sides search unfiltered `DEEPER / share` times deeper and keep
  what passes; too few passing falls back to the filtered search;
- lexical queries leave out terms in more than `COMMON` of all chunks (they weigh little
  in BM25 and cost the most), unless nothing else is left.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rag.store.backend import Catalog
from rag.store.filters import Filters
from rag.store.lexical import TermStats
from rag.store.sql import select_in
from rag.store.vectors import VectorIndex

# Cost settings, not quality ones: hand-set (c17053b) from the timings in the docstring,
# and checked by `rag bench scale`; a filter keeping at least BROAD of the chunks is applied
# after searching DEEPER / share times deeper; terms in more than COMMON of the chunks are
# left out of lexical queries.
BROAD = 0.25
COMMON = 0.10
DEEPER = 1.5


class Searcher:
    """Dense (Chroma) and lexical (the catalog's BM25) search over one index, filter-aware."""

    def __init__(self, catalog: Catalog, vectors: VectorIndex) -> None:
        self._catalog = catalog
        self._vectors = vectors

    def kept(self, filters: Filters) -> tuple[int, int]:
        """(chunks the filter keeps, all chunks)."""
        total = self._catalog.chunk_count()
        condition, params = filters.sql(chunk="d", document="d")
        rows = self._catalog.query(
            f"SELECT coalesce(sum(d.chunks), 0) FROM documents AS d WHERE {condition}", params
        )
        return int(rows[0][0]), total

    def passing(self, chunk_ids: Sequence[str], filters: Filters) -> set[str]:
        """Which of `chunk_ids` the filter keeps."""
        condition, params = filters.sql()
        sql = (
            "SELECT c.chunk_id FROM chunks AS c JOIN documents AS d "
            f"ON d.source_id = c.source_id WHERE c.chunk_id IN ({{marks}}) AND {condition}"
        )
        return {row[0] for row in select_in(self._catalog.query, sql, chunk_ids, params)}

    def _plan(self, filters: Filters | None) -> tuple[Filters | None, int, float]:
        """(the filter, or None when there is none; chunks it keeps; their share)."""
        if filters is None or filters == Filters():
            return None, self._catalog.chunk_count(), 1.0
        kept, total = self.kept(filters)
        return filters, kept, (kept / total if total else 0.0)

    def dense(
        self, vector: Sequence[float], k: int, filters: Filters | None = None
    ) -> list[tuple[str, float]]:
        """(chunk_id, cosine) of the `k` nearest chunks that pass `filters`."""
        plan, kept, share = self._plan(filters)
        if plan is None:
            return self._vectors.search(vector, k)
        if kept == 0 or k <= 0:
            return []
        if share >= BROAD:
            hits = self._vectors.search(vector, min(kept, math.ceil(DEEPER * k / share)) + k)
            ok = self.passing([cid for cid, _ in hits], plan)
            found = [hit for hit in hits if hit[0] in ok][:k]
            if len(found) >= min(k, kept):
                return found
        return self._vectors.search(vector, k, plan.chroma_where())

    def lexical(
        self, query_terms: Sequence[str], k: int, stats: TermStats, filters: Filters | None = None
    ) -> list[tuple[str, float]]:
        """(chunk_id, BM25) of the `k` best lexical matches that pass `filters`."""
        wanted = list(dict.fromkeys(query_terms))
        rare = [t for t in wanted if stats.df.get(t, 0) <= COMMON * stats.size]
        wanted = rare or sorted(wanted, key=lambda t: stats.df.get(t, 0))[:3]
        if not wanted or k <= 0:
            return []
        plan, kept, share = self._plan(filters)
        if plan is not None and kept == 0:
            return []
        if plan is None or share >= BROAD:
            depth = k if plan is None else min(kept, math.ceil(DEEPER * k / share)) + k
            hits = self._catalog.bm25(wanted, depth)
            if plan is None:
                return hits
            ok = self.passing([cid for cid, _ in hits], plan)
            found = [hit for hit in hits if hit[0] in ok][:k]
            if len(found) >= min(k, kept) or len(hits) < depth:
                return found
        return self._catalog.bm25(wanted, k, plan.sql())
