"""Lexical side of retrieval: BM25 (bm25s) over chunk terms, plus corpus IDF for sentences."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import bm25s
import numpy as np

from rag.text import terms


class LexicalIndex:
    """BM25 over a fixed list of texts. Rebuild it when the corpus changes (it is cheap)."""

    def __init__(self, texts: Sequence[str]) -> None:
        tokenized = [terms(t) for t in texts]
        self.size = len(tokenized)
        self._df: Counter[str] = Counter()
        for doc_terms in tokenized:
            self._df.update(set(doc_terms))
        self._bm25: bm25s.BM25 | None = None
        if self.size:
            self._bm25 = bm25s.BM25()
            # bm25s drops empty documents' rows badly; give each a harmless placeholder.
            self._bm25.index([t or ["\x00"] for t in tokenized], show_progress=False)

    def idf(self, term: str) -> float:
        """Robertson IDF; a term the corpus never uses gets the highest weight."""
        df = self._df.get(term, 0)
        return math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every indexed text for `query` (zeros when nothing matches)."""
        q = terms(query)
        if self._bm25 is None or not q:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(q), dtype=np.float32)

    def coverage(self, query_terms: Sequence[str], text_terms: set[str]) -> float:
        """IDF-weighted share of the query's distinct terms that `text_terms` contains."""
        distinct = set(query_terms)
        total = sum(self.idf(t) for t in distinct)
        if total <= 0:
            return 0.0
        return sum(self.idf(t) for t in distinct if t in text_terms) / total
