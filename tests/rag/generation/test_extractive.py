"""ExtractiveGenerator: the best evidence sentences, verbatim, each cited (made-up articles).

Every question term weighs the same here (no document frequencies), so a sentence's gain is
the share of the question's terms it adds: "Which company built the Pellam ferry terminal?"
has six ("which", "compani", "built", "pellam", "ferri", "termin")."""

from __future__ import annotations

import pytest

from rag.generation import extractive
from rag.generation.extractive import (
    GAIN,
    READER_FLOOR,
    RELATIVE_FLOOR,
    ExtractiveGenerator,
    compose,
    floor_for,
)
from rag.language.text import sentences, terms
from rag.retrieval.evidence import Sentence
from rag.retrieval.retriever import Passage, Retrieval
from rag.store.chunks import StoredChunk
from rag.store.lexical import TermStats

WHICH = "Which company built the Pellam ferry terminal?"
WHY = "Why did the Pellam ferry stop running?"


def article(source: str, text: str) -> StoredChunk:
    spans = tuple(sentences(text))
    return StoredChunk(f"{source}:0", source, 0, text, 0, len(text), spans, None, None, None)


def scored(
    chunk: StoredChunk, *scores: float | None, reading: float | None = None
) -> list[Sentence]:
    """The chunk's sentences with these scores (None: not ranked), best first."""
    out = [
        Sentence(chunk, span, chunk.sentence_text(span), score, 0.5, 0.5, reading)
        for span, score in zip(chunk.sentences, scores, strict=True)
        if score is not None
    ]
    return sorted(out, key=lambda s: -s.score)


def retrieval(question: str, *chunks: StoredChunk) -> Retrieval:
    passages = [Passage(c, 1.0, 1.0, 1.0) for c in chunks]
    return Retrieval(question, passages, [1.0], TermStats(size=100, df={}))


def texts(chosen: list[Sentence]) -> list[str]:
    return [s.text for s in chosen]


def test_the_question_terms_are_as_the_docstring_says() -> None:
    assert terms(WHICH) == ["which", "compani", "built", "pellam", "ferri", "termin"]
    assert GAIN == 0.2 and RELATIVE_FLOOR == 0.8 and READER_FLOOR == 0.6


# --- an open question: up to `sentences` strong, non-redundant sentences ------------------

OPEN = article(
    "open",
    "Crews walked out over pay on the Pellam ferry. "
    "Crews walked out over pay on the Pellam ferry! "
    "The operator cut two sailings in March. "
    "Fuel costs doubled over the winter. "
    "Passengers waited on the quay for hours.",
)


def test_an_open_question_gets_strong_sentences_and_skips_near_duplicates() -> None:
    ranked = scored(OPEN, 1.0, 0.99, 0.9, 0.85, 0.5)
    chosen = compose(ranked, retrieval(WHY, OPEN), limit=3)
    assert texts(chosen) == [
        "Crews walked out over pay on the Pellam ferry.",
        "The operator cut two sailings in March.",
        "Fuel costs doubled over the winter.",
    ]


def test_the_limit_caps_the_sentences() -> None:
    ranked = scored(OPEN, 1.0, 0.99, 0.9, 0.85, 0.5)
    assert len(compose(ranked, retrieval(WHY, OPEN), limit=1)) == 1
    assert len(compose(ranked, retrieval(WHY, OPEN), limit=2)) == 2


def test_sentences_below_the_relative_floor_are_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ranked = scored(OPEN, 1.0, None, 0.81, 0.79, None)  # 0.79 < 0.8 of the best
    chosen = compose(ranked, retrieval(WHY, OPEN), limit=3)
    assert texts(chosen) == [
        "Crews walked out over pay on the Pellam ferry.",
        "The operator cut two sailings in March.",
    ]
    monkeypatch.setattr(extractive, "RELATIVE_FLOOR", 0.75)
    assert len(compose(ranked, retrieval(WHY, OPEN), limit=3)) == 3
    assert len(compose(ranked, retrieval(WHY, OPEN), limit=3, floor=0.9)) == 1


def test_a_read_best_sentence_lowers_the_floor_to_the_readers() -> None:
    plain = scored(OPEN, 1.0, None, 0.7, None, None)
    read = scored(OPEN, 1.0, None, 0.7, None, None, reading=0.9)
    assert floor_for(plain) == RELATIVE_FLOOR and floor_for(read) == READER_FLOOR
    assert floor_for([]) == RELATIVE_FLOOR
    assert len(compose(plain, retrieval(WHY, OPEN), limit=3)) == 1
    assert len(compose(read, retrieval(WHY, OPEN), limit=3)) == 2  # 0.7 >= 0.6 of the best


# --- a question asking for a value: as little as answers it --------------------------------


def test_a_value_question_adds_a_sentence_only_for_a_fifth_of_the_question() -> None:
    c = article(
        "terminal",
        "Grallon Works built the Pellam ferry terminal. "  # holds the name asked for
        "A company which also runs buses owns it now. "  # adds "compani", "which": 2/6
        "The terminal has a private owner, a company. "  # adds "compani" alone: 1/6
        "Grallon Works built the Pellam ferry terminal fast.",  # a near-duplicate
    )
    both = scored(c, 1.0, 0.95, None, 0.97)
    assert texts(compose(both, retrieval(WHICH, c), limit=3)) == [
        "Grallon Works built the Pellam ferry terminal.",
        "A company which also runs buses owns it now.",
    ]
    one_term = scored(c, 1.0, None, 0.95, None)
    assert len(compose(one_term, retrieval(WHICH, c), limit=3)) == 1  # 1/6 < GAIN


def test_a_near_duplicate_is_skipped_even_when_it_adds_to_the_question() -> None:
    c = article(
        "terminal",
        "Grallon Works built the Pellam ferry terminal over two long years. "
        # the same ten terms and two of the question's: 10/12 shared, a near-duplicate
        "Grallon Works, the company which built the Pellam ferry terminal over two long years.",
    )
    ranked = scored(c, 1.0, 0.95)
    assert texts(compose(ranked, retrieval(WHICH, c), limit=3)) == [
        "Grallon Works built the Pellam ferry terminal over two long years."
    ]


@pytest.mark.parametrize(("gain", "chosen"), [(0.1, 3), (0.2, 2), (0.4, 1)])
def test_the_gain_threshold_decides(
    monkeypatch: pytest.MonkeyPatch, gain: float, chosen: int
) -> None:
    c = article(
        "terminal",
        "Grallon Works built the Pellam ferry terminal. "
        "A company which also runs buses owns it now. "
        "The terminal has a private owner, a company.",
    )
    # 1/6 from the third (ranked second), then 1/6 ("which") from the second
    ranked = scored(c, 1.0, 0.9, 0.95)
    monkeypatch.setattr(extractive, "GAIN", gain)
    assert len(compose(ranked, retrieval(WHICH, c), limit=3)) == chosen


def test_a_sentence_holding_the_missing_value_is_added_whatever_its_gain() -> None:
    c = article(
        "terminal",
        "The Pellam ferry terminal opened in spring. "  # no name: the value is missing
        "Ostrander Marine did the work. "  # a name, and none of the question's terms
        "Tolvik Haulage delivered the steel.",  # a name too, but the value is filled by then
    )
    ranked = scored(c, 1.0, 0.9, 0.85)
    assert texts(compose(ranked, retrieval(WHICH, c), limit=3)) == [
        "The Pellam ferry terminal opened in spring.",
        "Ostrander Marine did the work.",
    ]


def test_failing_that_the_articles_own_sentence_holding_it_is_added_in_article_order() -> None:
    c = article(
        "terminal",
        "Ostrander Marine won the contract. "  # retrieved with the chunk, not ranked
        "The Pellam ferry terminal opened in spring.",
    )
    other = article("other", "Ferries at Pellam run hourly. Vessel Kremm docks there.")
    ranked = scored(c, None, 1.0)
    chosen = compose(ranked, retrieval(WHICH, c, other), limit=3)
    assert texts(chosen) == [
        "Ostrander Marine won the contract.",
        "The Pellam ferry terminal opened in spring.",
    ]
    # another article's sentence holding a name is not the filler
    alone = compose(scored(c, None, 1.0), retrieval(WHICH, other), limit=3)
    assert texts(alone) == ["The Pellam ferry terminal opened in spring."]


def test_the_best_articles_sentences_come_first_in_article_order() -> None:
    best = article(
        "best",
        "Ostrander Marine built it for the company. "  # the name asked for
        "The Pellam ferry terminal opened in spring.",  # the best sentence, without it
    )
    other = article("other", "A company which bids on ferry work lost out.")  # gain 2/6
    ranked = sorted([*scored(best, 0.9, 1.0), *scored(other, 0.95)], key=lambda s: -s.score)
    chosen = compose(ranked, retrieval(WHICH, best, other), limit=3)
    assert [(s.source_id, s.span.start) for s in chosen] == [
        ("best", 0),
        ("best", best.sentences[1].start),
        ("other", 0),
    ]


def test_nothing_ranked_nothing_chosen() -> None:
    assert compose([], retrieval(WHICH), limit=3) == []


# --- the generator: evidence with context, text with [n] markers ---------------------------


def test_evidence_brings_the_sentence_an_anaphor_points_to() -> None:
    c = article(
        "strike",
        "Ferry crews at Pellam walked out on Monday. They want a new pay deal.",
    )
    ranked = scored(c, None, 1.0)
    evidence = ExtractiveGenerator(3).evidence(ranked, retrieval(WHY, c))
    assert texts(evidence) == [
        "Ferry crews at Pellam walked out on Monday.",
        "They want a new pay deal.",
    ]


def test_stream_cites_each_sentence_in_order() -> None:
    ranked = scored(OPEN, 1.0, None, 0.9, 0.85, None)
    generator = ExtractiveGenerator(3)
    evidence = generator.evidence(ranked, retrieval(WHY, OPEN))
    text = "".join(generator.stream(WHY, evidence))
    assert text == (
        "Crews walked out over pay on the Pellam ferry. [1] "
        "The operator cut two sailings in March. [2] "
        "Fuel costs doubled over the winter. [3]"
    )
    assert generator.name == "extractive"


def test_the_generators_sentence_count_is_its_limit() -> None:
    ranked = scored(OPEN, 1.0, None, 0.9, 0.85, None)
    evidence = ExtractiveGenerator(2).evidence(ranked, retrieval(WHY, OPEN))
    assert len(evidence) == 2


def test_no_evidence_streams_nothing() -> None:
    # The refusal text is the chain's to give (rag/answering/chain.py): the generator only
    # ever quotes evidence, and with none it says nothing.
    generator = ExtractiveGenerator()
    assert generator.evidence([], retrieval(WHY)) == []
    assert list(generator.stream(WHY, [])) == []
