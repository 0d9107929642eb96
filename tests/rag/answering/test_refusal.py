"""The refusal model: the deterministic check first, then the logistic model against the
threshold from settings (made-up articles and names)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from rag.answering.chain import AnswerChain
from rag.answering.refusal import (
    READER_WEIGHTS,
    WEIGHTS,
    Features,
    Judgement,
    around,
    judge,
    paragraph,
    probability,
)
from rag.config import Settings
from rag.generation.base import REFUSAL, is_refusal
from rag.generation.extractive import ExtractiveGenerator
from rag.language.text import sentences
from rag.retrieval.evidence import Sentence
from rag.retrieval.retriever import Passage, Retrieval, Retriever
from rag.store.chunks import ChunkStore, StoredChunk
from rag.store.filters import Filters
from rag.store.lexical import TermStats
from tests.conftest import FakeReader, fake_store

STATS = TermStats(size=100, df={})


def chunk(*lines: str, title: str | None = None, published: str | None = None) -> StoredChunk:
    """One chunk of `lines` (a paragraph each), split into sentences as ingest splits them."""
    text = "\n".join(lines)
    spans = tuple(sentences(text))
    return StoredChunk("doc:0", "doc", 0, text, 0, len(text), spans, title, None, published)


def ranked(
    c: StoredChunk, best: int = 0, coverage: float = 1.0, dense: float = 0.9
) -> list[Sentence]:
    """The chunk's sentences, sentence `best` first with these signals, the rest weak."""
    out = []
    for i, span in enumerate(c.sentences):
        strong = i == best
        out.append(
            Sentence(
                c,
                span,
                c.sentence_text(span),
                score=0.9 if strong else 0.1,
                coverage=coverage if strong else 0.0,
                dense=dense if strong else 0.0,
            )
        )
    return sorted(out, key=lambda s: -s.score)


def retrieval(question: str, c: StoredChunk, passage: float = 0.9) -> Retrieval:
    return Retrieval(question, [Passage(c, 1.0, passage, 1.0)], [1.0, 0.0], STATS)


BRIDGE = chunk(
    "The Velmont bridge cost 40 million crowns. It opened to traffic in the spring.",
    title="Velmont bridge opens",
)
HOW_MUCH = "How much did the Velmont bridge cost?"


def test_a_clear_answer_is_not_refused() -> None:
    judgement = judge(ranked(BRIDGE), retrieval(HOW_MUCH, BRIDGE), Filters(), strong=3)
    assert judgement.holds
    assert probability(judgement.features) > 0.9
    assert judgement.answers(Settings(_env_file=None).refusal_threshold)


def test_evidence_without_the_kind_of_value_asked_for_is_refused_whatever_its_score() -> None:
    c = chunk("The Velmont bridge opened to traffic in the spring after long delays.")
    judgement = judge(ranked(c, coverage=1.0, dense=1.0), retrieval(HOW_MUCH, c, 1.0), Filters(), 3)
    assert probability(judgement.features) > 0.9  # the model alone would answer
    assert not judgement.holds
    assert not judgement.answers(0.0)  # no threshold lets it through


@pytest.mark.parametrize(
    "question",
    [
        "In the canal talks, what did Orsolya Brandt say about the treaty?",
        "What did Orsolya Brandt say about the canal treaty?",
        "According to Orsolya Brandt, when will the canal treaty be signed?",
    ],
)
def test_evidence_not_naming_the_quoted_person_is_refused(question: str) -> None:
    c = chunk("Tomas Lind said the canal treaty would be signed in May.")
    judgement = judge(ranked(c), retrieval(question, c), Filters(), strong=3)
    assert judgement.features.missing > 0.0  # "Orsolya", "Brandt" are not near it
    assert not judgement.holds and not judgement.answers(0.0)
    named = chunk("Orsolya Brandt said the canal treaty would be signed in May.")
    assert judge(ranked(named), retrieval(question, named), Filters(), strong=3).holds


def test_how_many_needs_the_counted_thing_beside_a_number() -> None:
    question = "How many ferries sail from Dunmarrow?"
    wrong = chunk("Dunmarrow has 12 harbours along its coast.")
    right = chunk("Dunmarrow runs 12 ferries a day across the sound.")
    assert not judge(ranked(wrong), retrieval(question, wrong), Filters(), 3).holds
    assert judge(ranked(right), retrieval(question, right), Filters(), 3).holds


def test_no_evidence_is_refused() -> None:
    empty = Retrieval(HOW_MUCH, [], [1.0, 0.0], STATS)
    judgement = judge([], empty, Filters(), strong=3)
    assert not judgement.holds and not judgement.answers(0.0)
    assert judgement.features == Features(0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    windowed = judge([], empty, Filters().preferring(date(2023, 3, 1), date(2023, 3, 7)), 3)
    assert windowed.features.windowed == 1.0


@pytest.mark.parametrize("delta", [0.05, 0.2])
def test_moving_the_threshold_across_the_probability_flips_the_decision(delta: float) -> None:
    judgement = judge(
        ranked(BRIDGE, coverage=0.5, dense=0.5), retrieval(HOW_MUCH, BRIDGE, 0.5), Filters(), 3
    )
    p = probability(judgement.features)
    assert judgement.holds and delta < p < 1 - delta
    assert judgement.answers(p - delta)
    assert judgement.answers(p)  # at the threshold: answered
    assert not judgement.answers(p + delta)


@pytest.fixture
def store(settings: Settings, tmp_path: Path) -> Iterator[ChunkStore]:
    articles = {
        "bridge.txt": "Velmont Bridge Opens\nThe Velmont bridge cost 40 million crowns to "
        "build. It opened to traffic in the spring after two years of work.",
        "ferry.txt": "Ferry Strike Ends\nFerry crews in Dunmarrow ended their strike on "
        "Tuesday after the operator raised wages.",
    }
    with fake_store(settings, tmp_path / "corpus", articles) as s:
        yield s


@pytest.mark.parametrize(("threshold", "refused"), [(0.0, False), (1.0, True)])
def test_the_chain_refuses_below_the_settings_threshold(
    store: ChunkStore, settings: Settings, threshold: float, refused: bool
) -> None:
    moved = settings.updated(refusal_threshold=threshold)
    chain = AnswerChain(Retriever(store, moved), ExtractiveGenerator(), moved)
    answer = chain.ask(HOW_MUCH)
    assert (answer.mode == "refusal") is refused
    assert is_refusal(answer.answer) is refused
    if refused:
        assert answer.answer == REFUSAL and answer.citations == []
    else:
        assert "40 million crowns" in answer.answer


def test_the_chain_takes_the_reader_threshold_when_a_reader_reads(
    store: ChunkStore, settings: Settings
) -> None:
    moved = settings.updated(refusal_threshold=1.0, reader_refusal_threshold=0.0)
    plain = AnswerChain(Retriever(store, moved), ExtractiveGenerator(), moved)
    read = AnswerChain(Retriever(store, moved), ExtractiveGenerator(), moved, reader=FakeReader())
    assert plain.refusal_threshold == 1.0 and read.refusal_threshold == 0.0
    assert read.ask(HOW_MUCH).mode == "answer"
    assert plain.ask(HOW_MUCH).mode == "refusal"


@pytest.mark.parametrize(
    "features",
    [
        Features(0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0),
        Features(1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0),
        Features(1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, reader=1.0),
        Features(0.3, 0.2, 0.5, 0.0, 0.0, 0.0, 0.1, reader=0.0),
    ],
)
def test_probability_is_a_probability(features: Features) -> None:
    assert all(math.isfinite(v) for v in features.values().values())
    assert 0.0 < probability(features) < 1.0


def test_huge_logits_are_clipped_not_overflowed() -> None:
    f = Features(1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0)
    assert probability(f, {"bias": 1e6}) == pytest.approx(1.0)
    assert probability(f, {"bias": -1e6}) == pytest.approx(0.0, abs=1e-20)


def test_features_of_real_evidence_are_finite_and_bounded() -> None:
    for question in (HOW_MUCH, "Who built the Velmont bridge?", "Why did it open late?"):
        features = Features.of(ranked(BRIDGE), retrieval(question, BRIDGE), Filters())
        values = features.values()
        assert all(math.isfinite(v) for v in values.values()), values
        assert all(0.0 <= v <= 1.0 for v in values.values()), values
        assert "reader" not in values  # not read: the reader's weight is not used


def test_the_logistic_model_is_the_weighted_sum_of_the_features() -> None:
    f = Features(0.6, 0.5, 0.25, 1.0, 1.0, 0.0, 0.4)
    logit = WEIGHTS["bias"] + sum(WEIGHTS[k] * v for k, v in f.values().items())
    assert probability(f) == pytest.approx(1 / (1 + math.exp(-logit)))
    read = replace(f, reader=0.8)
    logit = READER_WEIGHTS["bias"] + sum(READER_WEIGHTS[k] * v for k, v in read.values().items())
    assert probability(read) == pytest.approx(1 / (1 + math.exp(-logit)))
    assert probability(read) != pytest.approx(probability(f))


def test_better_evidence_is_more_probable() -> None:
    weak = Features(0.2, 0.2, 0.5, 1.0, 0.0, 0.0, 0.2)
    assert probability(replace(weak, coverage=0.9)) > probability(weak)
    assert probability(replace(weak, dense=0.9)) > probability(weak)
    assert probability(replace(weak, passage=0.9)) > probability(weak)
    assert probability(replace(weak, missing=1.0)) < probability(weak)


def test_evidence_in_the_named_window_counts_for_it() -> None:
    c = replace(BRIDGE, published="2023-03-05")
    window = Filters().preferring(date(2023, 3, 1), date(2023, 3, 7))
    inside = Features.of(ranked(c), retrieval(HOW_MUCH, c), window)
    outside = Features.of(
        ranked(replace(c, published="2022-01-05")), retrieval(HOW_MUCH, c), window
    )
    undated = Features.of(ranked(replace(c, published=None)), retrieval(HOW_MUCH, c), window)
    assert (inside.windowed, inside.in_window) == (1.0, 1.0)
    assert (outside.windowed, outside.in_window) == (1.0, 0.0)
    assert undated.in_window == 0.0
    assert probability(inside) > probability(outside)


def test_named_is_whether_the_value_asked_for_is_near() -> None:
    who = "Who designed the Velmont bridge?"
    c = chunk("The Velmont bridge was designed by Ilse Marrek. It opened in the spring.")
    bare = chunk("The Velmont bridge was designed over many years. It opened in the spring.")
    assert Features.of(ranked(c), retrieval(who, c), Filters()).named == 1.0
    assert Features.of(ranked(bare), retrieval(who, bare), Filters()).named == 0.0
    # an open question asks for no value: nothing can be missing from it
    why = "Why was the Velmont bridge late?"
    assert Features.of(ranked(bare), retrieval(why, bare), Filters()).named == 1.0


def test_paragraph_and_around_read_the_best_sentence_in_place() -> None:
    c = chunk("Ilse Marrek spoke first. She said the bridge was late.", "A new paragraph here.")
    best = ranked(c, best=1)[0]
    assert best.text == "She said the bridge was late."
    assert paragraph(best) == "Ilse Marrek spoke first. She said the bridge was late."
    assert around(best).startswith("Ilse Marrek spoke first. She said the bridge was late.")
    assert "A new paragraph here." in around(best)  # the neighbour, across the break


def test_a_judgement_answers_only_when_both_hold() -> None:
    f = Features(1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0)
    assert Judgement(f, True).answers(0.5)
    assert not Judgement(f, False).answers(0.5)
    assert not Judgement(f, True).answers(0.5, {"bias": -60.0})
