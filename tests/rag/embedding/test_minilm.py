"""pool_spans: the mean of the token vectors inside each character span (late chunking),
on hand-made token offsets and hidden states (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embedding.minilm import pool_spans

# "Orla sang. Bex ran." as six word pieces: Or|la sang|. Bex ran|.
TEXT = "Orla sang. Bex ran."
OFFSETS = np.array([(0, 2), (2, 4), (5, 9), (9, 10), (11, 14), (15, 18)], dtype=np.int64)
HIDDEN = np.arange(6 * 3, dtype=np.float32).reshape(6, 3) + 1.0  # row i: 3i+1, 3i+2, 3i+3
FIRST, SECOND = (0, 10), (11, 19)  # the sentences' character spans


def test_offsets_match_the_text() -> None:  # the fixture itself: each piece is its text
    assert [TEXT[a:b] for a, b in OFFSETS] == ["Or", "la", "sang", ".", "Bex", "ran"]


def test_each_span_is_the_mean_of_its_tokens() -> None:
    means, inside = pool_spans(HIDDEN, OFFSETS, np.array([FIRST, (11, 18)]))
    np.testing.assert_allclose(means[0], HIDDEN[0:4].mean(axis=0))
    np.testing.assert_allclose(means[1], HIDDEN[4:6].mean(axis=0))
    assert inside.tolist() == [True, True]
    assert means.shape == (2, 3) and means.dtype == np.float32


def test_means_are_not_normalised() -> None:  # the caller (embed_chunks) makes unit rows
    means, _ = pool_spans(HIDDEN, OFFSETS, np.array([FIRST]))
    assert np.linalg.norm(means[0]) > 1.5


def test_a_token_partly_inside_a_span_counts() -> None:
    # "la sa": the end of "la" is inside, and "sang" starts before the span ends
    means, inside = pool_spans(HIDDEN, OFFSETS, np.array([(3, 7)]))
    np.testing.assert_allclose(means[0], HIDDEN[1:3].mean(axis=0))
    assert inside.tolist() == [True]


def test_a_span_covering_no_token_is_a_masked_zero_row() -> None:
    # the space between "." and "Bex" holds no token
    means, inside = pool_spans(HIDDEN, OFFSETS, np.array([(10, 11), FIRST]))
    assert inside.tolist() == [False, True]
    np.testing.assert_array_equal(means[0], np.zeros(3))


def test_a_span_past_the_tokens_read_is_masked() -> None:
    # the sentence ends at 19 but the model read up to 18 (its window ended): not pooled
    means, inside = pool_spans(HIDDEN, OFFSETS, np.array([FIRST, SECOND]))
    assert inside.tolist() == [True, False]
    np.testing.assert_array_equal(means[1], np.zeros(3))


def test_a_span_starting_after_the_last_token_is_masked() -> None:
    means, inside = pool_spans(HIDDEN, OFFSETS, np.array([(40, 50)]))
    assert inside.tolist() == [False]
    np.testing.assert_array_equal(means[0], np.zeros(3))


@pytest.mark.parametrize(
    ("hidden", "spans", "shape"),
    [
        (HIDDEN, np.zeros((0, 2), dtype=np.int64), (0, 3)),  # no spans
        (np.zeros((0, 3), dtype=np.float32), np.array([FIRST]), (1, 3)),  # no tokens read
    ],
)
def test_nothing_to_pool(hidden: np.ndarray, spans: np.ndarray, shape: tuple[int, int]) -> None:
    offsets = OFFSETS[: len(hidden)]
    means, inside = pool_spans(hidden, offsets, spans)
    assert means.shape == shape and not means.any()
    assert inside.shape == (shape[0],) and not inside.any()


def test_spans_in_any_order_pool_the_same() -> None:
    spans = np.array([(11, 18), FIRST, (5, 9)])
    means, inside = pool_spans(HIDDEN, OFFSETS, spans)
    forward, _ = pool_spans(HIDDEN, OFFSETS, spans[::-1].copy())
    np.testing.assert_allclose(means, forward[::-1])
    np.testing.assert_allclose(means[2], HIDDEN[2])
    assert inside.all()
