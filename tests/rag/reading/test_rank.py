"""The reader in the answer chain (with FakeReader): it re-ranks evidence and passages,
its probability joins the refusal model, and a confident span becomes the short answer."""

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from rag.answering.chain import AnswerChain
from rag.answering.refusal import READER_WEIGHTS, WEIGHTS, Features, probability
from rag.config import Settings
from rag.generation.extractive import ExtractiveGenerator
from rag.reading.rank import Use, before, read_evidence
from rag.retrieval.retriever import Retriever
from rag.store.chunks import ChunkStore
from tests.conftest import FakeReader, fake_store

ARTICLES = {
    "harbour.txt": "Harbour Levy\nThe harbour levy was debated for months by the council. "
    "In the end the council set the harbour levy at 417 crowns. Traders protested.",
    "ferry.txt": "Ferry News\nThe new ferry terminal opened in Ellisport on Monday.",
}


@pytest.fixture
def store(settings: Settings, tmp_path: Path) -> Iterator[ChunkStore]:
    with fake_store(settings, tmp_path / "corpus", ARTICLES) as s:
        yield s


def test_the_reader_reads_the_best_candidates_and_reorders_them(
    store: ChunkStore, settings: Settings
) -> None:
    reader = FakeReader()
    chain = AnswerChain(Retriever(store, settings), ExtractiveGenerator(), settings, reader)
    retrieval, ranked = chain.retrieve("What did the council set the harbour levy at?")
    assert len(reader.calls) == 1 and len(reader.calls[0]) <= settings.reader_sentences
    read = [s for s in ranked if s.reading is not None]
    assert read and ranked[0].reading == max(s.reading for s in read)
    assert "417 crowns" in ranked[0].text
    assert retrieval.passages[0].chunk.chunk_id == ranked[0].chunk.chunk_id


def test_sentences_not_read_rank_after_the_read_ones_that_answer(
    store: ChunkStore, settings: Settings
) -> None:
    chain = AnswerChain(Retriever(store, settings), ExtractiveGenerator(), settings)
    retrieval, ranked = chain.retrieve("What did the council set the harbour levy at?")
    out, _ = read_evidence(ranked, retrieval, FakeReader(), top=1)
    assert out[0].reading is not None
    assert all(s.reading is None for s in out[1:])
    assert before(ranked[0]) is None or before(ranked[0]) in ARTICLES["harbour.txt"]


def test_the_short_answer_is_a_verbatim_span_of_a_cited_quote(
    store: ChunkStore, settings: Settings
) -> None:
    settings = settings.updated(short_answer_threshold=0.1)
    chain = AnswerChain(Retriever(store, settings), ExtractiveGenerator(), settings, FakeReader())
    answer = chain.ask("Where did the new ferry terminal open?")
    short = answer.short_answer
    assert short is not None and short.text == "Ellisport"
    cited = next(c for c in answer.citations if c.n == short.n)
    assert cited.start <= short.start < short.end <= cited.end
    assert cited.quote[short.start - cited.start : short.end - cited.start] == "Ellisport"
    assert answer.reader == "fake-reader"


def test_no_short_answer_below_the_threshold_or_without_a_reader(
    store: ChunkStore, settings: Settings
) -> None:
    sure = settings.updated(short_answer_threshold=1.0)
    chain = AnswerChain(Retriever(store, sure), ExtractiveGenerator(), sure, FakeReader())
    assert chain.ask("Where did the new ferry terminal open?").short_answer is None
    plain = AnswerChain(Retriever(store, settings), ExtractiveGenerator(), settings)
    answer = plain.ask("Where did the new ferry terminal open?")
    assert answer.short_answer is None and answer.reader is None


def test_the_refusal_model_uses_the_reader_weights_only_when_the_reader_read() -> None:
    plain = Features(0.5, 0.5, 0.0, 1.0, 0.0, 0.0, 0.5)
    assert probability(plain) == probability(plain, WEIGHTS)
    read = replace(plain, reader=0.9)
    assert probability(read) == probability(read, READER_WEIGHTS)
    heavy = {**READER_WEIGHTS, "reader": 5.0}
    assert probability(replace(plain, reader=0.9), heavy) > probability(
        replace(plain, reader=0.1), heavy
    )


def test_an_llm_reads_the_readers_best_evidence(store: ChunkStore, settings: Settings) -> None:
    from rag.generation.chat import ChatGenerator
    from tests.conftest import FakeChat

    question = "What did the council set the harbour levy at?"
    model = FakeChat(replies=["The levy was set at 417 crowns. [1]"], calls=[])
    llm = ChatGenerator(model, "openai", evidence_sentences=1)
    chain = AnswerChain(Retriever(store, settings), llm, settings, FakeReader())
    _, read = chain.retrieve(question)
    answer = chain.ask(question)
    _, user = model.calls[0]
    assert read[0].text in str(user.content)  # the one sentence it reads is the reader's best
    assert answer.citations[0].quote == read[0].text


class SameScore:
    """A reader that finds every sentence equally likely to answer (reads word pieces only)."""

    name = "same"

    def read(self, pairs):  # type: ignore[no-untyped-def]
        from rag.reading.base import Reading

        return [Reading(0.9) for _ in pairs]


def test_a_sentence_whose_passage_lacks_the_questions_name_ranks_below(
    settings: Settings, tmp_path: Path
) -> None:
    twins = {
        "a.txt": "Stars\nAstronomers at the Nipasuar observatory catalogued 366 new stars.",
        "b.txt": "Stars\nAstronomers at the Nalibuar observatory catalogued 212 new stars.",
    }
    with fake_store(settings, tmp_path / "twins", twins) as twin_store:
        chain = AnswerChain(Retriever(twin_store, settings), ExtractiveGenerator(), settings)
        retrieval, cheap = chain.retrieve("How many stars did the Nalibuar observatory list?")
        ranked, _ = read_evidence(cheap, retrieval, SameScore(), top=4)
    assert "Nalibuar" in ranked[0].text
    unpenalised, _ = read_evidence(cheap, retrieval, SameScore(), top=4, use=Use(named=0.0))
    assert unpenalised[0].score == unpenalised[1].score  # only the names told them apart
