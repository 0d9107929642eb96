"""The answer chain with fakes: citation validation, retry, fallback, refusal, compare."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.answering.chain import AnswerChain
from rag.answering.writing import MODEL_REFUSED
from rag.config import Settings
from rag.generation.chat import ChatGenerator
from rag.generation.extractive import ExtractiveGenerator
from rag.retrieval.retriever import Retriever
from rag.store.chunks import ChunkStore
from rag.store.filters import Filters
from tests.conftest import FakeChat, fake_store

ARTICLES = {
    "monitor.txt": "Talks Broke Down\nThe mineral rights deal was not signed. "
    "Negotiations between the United States and Ukraine broke down on Friday.",
    "statecraft.txt": "A Tactical Win\nUnder the new agreement, the profits of mineral extraction "
    "will be equally shared. NATO membership remains off the table.",
}


@pytest.fixture
def store(settings: Settings, tmp_path: Path) -> Iterator[ChunkStore]:
    with fake_store(settings, tmp_path / "corpus", ARTICLES) as s:
        yield s


def chain(
    store: ChunkStore, settings: Settings, replies: list[str]
) -> tuple[AnswerChain, FakeChat]:
    model = FakeChat(replies=replies, calls=[])
    return AnswerChain(Retriever(store, settings), ChatGenerator(model, "openai"), settings), model


def test_llm_citations_are_validated_and_unknown_markers_dropped(
    store: ChunkStore, settings: Settings
) -> None:
    c, model = chain(store, settings, ["The deal was not signed. [1] Talks ended in Paris. [9]"])
    answer = c.ask("Was the mineral rights deal signed?")
    assert answer.generator == "openai" and answer.mode == "answer" and not answer.fallback
    assert [x.n for x in answer.citations] == [1]
    assert answer.dropped_citations == [9]
    cited = answer.citations[0]
    assert cited.quote in ARTICLES["monitor.txt"] or cited.quote in ARTICLES["statecraft.txt"]
    assert answer.claims[0].citations == [1]
    assert len(model.calls) == 1


def test_evidence_goes_in_the_user_message_numbered(store: ChunkStore, settings: Settings) -> None:
    c, model = chain(store, settings, ["Not signed. [1]"])
    c.ask("Was the mineral rights deal signed?")
    system, user = model.calls[0]
    text = str(user.content)
    assert "\n[1] " in text and "mineral rights deal" in text
    # Each outlet is named once, on a line before its sentences; the question comes once,
    # after the evidence: the fixed system prompt stays a cacheable prefix.
    assert re.search(r"^From .+:\n\[1\] ", text, re.M)
    assert text.count("Was the mineral rights deal signed?") == 1
    assert text.index("Question:") > text.index("[1] ")
    assert "mineral rights deal" not in str(system.content)


def test_one_strict_retry_then_success(store: ChunkStore, settings: Settings) -> None:
    c, model = chain(store, settings, ["It was not signed.", "It was not signed. [1]"])
    answer = c.ask("Was the mineral rights deal signed?")
    assert not answer.fallback and [x.n for x in answer.citations] == [1]
    assert "no valid citation" in str(model.calls[1][-1].content)


def test_fallback_to_extractive_when_the_llm_never_cites(
    store: ChunkStore, settings: Settings
) -> None:
    c, model = chain(store, settings, ["No citations here.", "Still none [42]."])
    answer = c.ask("Was the mineral rights deal signed?")
    assert answer.fallback is True
    assert answer.generator == "extractive"
    assert answer.citations and "[1]" in answer.answer
    assert len(model.calls) == 2


def test_a_model_refusing_evidence_judged_to_answer_falls_back(
    store: ChunkStore, settings: Settings
) -> None:
    """Whether the articles answer is decided once, before the model (answerability); a
    model that then refuses is replaced by the extractive answer, flagged, never retried."""
    c, model = chain(store, settings, ["The sources don't cover this question."])
    events = list(c.events("Was the mineral rights deal signed?", mode="answer"))
    answer = events[-1].data
    assert answer.mode == "answer" and answer.generator == "extractive" and answer.citations
    assert answer.fallback and answer.fallback_reason == MODEL_REFUSED
    shown = [e.data for e in events if e.event == "delta"]
    assert shown == [{"replace": answer.answer}]  # the refusal was never shown
    assert len(model.calls) == 1


def test_weak_evidence_is_refused_without_calling_the_model(
    store: ChunkStore, settings: Settings
) -> None:
    c, model = chain(store, settings, [])
    answer = c.ask("Who won the football world cup in Qatar?")
    assert answer.mode == "refusal" and answer.citations == [] and model.calls == []


def test_stream_events_come_in_order_and_match_the_answer(
    store: ChunkStore, settings: Settings
) -> None:
    c = AnswerChain(Retriever(store, settings), ExtractiveGenerator(), settings)
    events = list(c.events("Was the mineral rights deal signed?"))
    kinds = [e.event for e in events]
    assert kinds[0] == "sources" and kinds[-1] == "done"
    assert kinds.index("citation") > max(i for i, k in enumerate(kinds) if k == "delta")
    text = "".join(e.data for e in events if e.event == "delta")
    assert text == events[-1].data.answer


def test_compare_mode_is_chosen_for_comparative_questions(
    store: ChunkStore, settings: Settings
) -> None:
    c = AnswerChain(Retriever(store, settings), ExtractiveGenerator(), settings)
    answer = c.ask("What does each source say about NATO membership?")
    assert answer.mode == "compare" and answer.per_source is not None
    assert {e.source_id for e in answer.per_source} == {"monitor", "statecraft"}
    forced = c.ask("NATO membership", mode="compare")
    assert forced.mode == "compare"
    plain = c.ask("What does each source say about NATO membership?", mode="answer")
    assert plain.mode != "compare"


def test_compare_limited_to_one_source_gives_it_the_only_entry(
    store: ChunkStore, settings: Settings
) -> None:
    c, _model = chain(store, settings, ["It says NATO membership remains off the table. [1]"] * 2)
    answer = c.ask("NATO membership", mode="compare", filters=Filters.of(sources=["statecraft"]))
    (entry,) = answer.per_source or []
    assert entry.addresses_topic and entry.citations == [1]
    assert answer.citations[0].source_id == "statecraft"
