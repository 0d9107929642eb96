"""The pair layout shared by training and serving: segments, the sentence's tokens, spans."""

import numpy as np
import pytest

from rag.reading.encoding import (
    MAX_TOKENS,
    Pair,
    best_span,
    encode,
    load_tokenizer,
    second_segment,
    token_span,
)


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer()


def test_second_segment_puts_the_sentence_first_then_its_context() -> None:
    pair = Pair("Who won?", " Lisbon won the cup. ", "Cup final", "The teams met.")
    assert second_segment(pair) == "Lisbon won the cup. | Cup final | The teams met."
    assert second_segment(Pair("q", "Only this.")) == "Only this."


def test_sentence_tokens_cover_exactly_the_sentence(tokenizer) -> None:
    pair = Pair("Who won the cup?", "Lisbon won the cup in 2024.", "Final", "The teams met.")
    batch = encode(tokenizer, [pair])
    first, last = batch.sentence_tokens[0]
    a, b = batch.char_span(0, first, last)
    assert pair.sentence[a:b] == pair.sentence
    assert batch.types[0, first] == 1 and batch.ids[0, 0] == 101  # [CLS] question [SEP] ...


def test_a_char_span_maps_to_tokens_and_back(tokenizer) -> None:
    pair = Pair("Which city?", "The final was played in Lisbon on Sunday.")
    batch = encode(tokenizer, [pair])
    start = pair.sentence.index("Lisbon")
    span = token_span(batch, 0, start, start + len("Lisbon"))
    assert span is not None
    a, b = batch.char_span(0, *span)
    assert pair.sentence[a:b] == "Lisbon"


def test_long_pairs_are_cut_to_the_limit_and_a_lost_span_is_none(tokenizer) -> None:
    sentence = "word " * 300 + "Lisbon."
    batch = encode(tokenizer, [Pair("Which city?", sentence), Pair("Short?", "Short one.")])
    assert batch.ids.shape[1] == MAX_TOKENS
    assert batch.mask[1].sum() < MAX_TOKENS  # padded to the longest, mask says where
    start = sentence.index("Lisbon")
    assert token_span(batch, 0, start, start + 6) is None


def test_best_span_keeps_start_before_end_inside_the_sentence() -> None:
    start = np.array([9.0, 0.0, 1.0, 5.0, 0.0])
    end = np.array([9.0, 0.0, 4.0, 0.0, 2.0])
    # tokens 0 ([CLS]) is outside [1, 4]; end must not come before start
    assert best_span(start, end, 1, 4)[:2] == (3, 4)
    assert best_span(start, end, 2, 2)[:2] == (2, 2)
    assert best_span(start, end, 3, 2)[1] == -1  # no sentence tokens
