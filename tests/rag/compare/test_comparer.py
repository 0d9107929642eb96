"""Compare mode with an LLM (FakeChat): each source's summary keeps its own citations."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.answering.chain import AnswerChain
from rag.config import Settings
from rag.generation.chat import ChatGenerator
from rag.retrieval.retriever import Retriever
from rag.store.chunks import ChunkStore
from rag.support.citations import keep_markers
from tests.conftest import FakeChat, fake_store

# Two articles that both report on the ferry terminal, each in several sentences.
ARTICLES = {
    "harbour.txt": "Ferry Terminal Opens\nThe new ferry terminal in Port Ellis opened on Monday. "
    "The ferry terminal cost forty million dollars to build. "
    "Officials said the ferry terminal doubles daily crossings.",
    "islander.txt": "Island Reaction\nIslanders welcomed the new ferry terminal in Port Ellis. "
    "Some said the ferry terminal was late and over budget. "
    "The ferry terminal replaces a pier built in 1950.",
}
TOPIC = "the new ferry terminal in Port Ellis"


@pytest.fixture
def store(settings: Settings, tmp_path: Path) -> Iterator[ChunkStore]:
    with fake_store(settings, tmp_path / "corpus", ARTICLES) as s:
        yield s


def compare(store: ChunkStore, settings: Settings, reply: str) -> tuple[object, FakeChat]:
    model = FakeChat(replies=[reply] * 2, calls=[])
    chain = AnswerChain(Retriever(store, settings), ChatGenerator(model, "openai"), settings)
    return chain.ask(TOPIC, mode="compare"), model


def test_each_sources_summary_cites_its_own_sentences(
    store: ChunkStore, settings: Settings
) -> None:
    # Both summaries cite their own first evidence sentence as [1]; compare mode must
    # renumber the second source's marker past the first source's evidence.
    answer, _ = compare(store, settings, "It reports on the ferry terminal. [1]")
    entries = answer.per_source or []  # type: ignore[attr-defined]
    assert [e.source_id for e in entries] == ["harbour", "islander"]
    assert all(e.addresses_topic for e in entries)
    first, second = entries
    assert first.citations == [1] and second.citations[0] > 1
    source_of = {c.n: c.source_id for c in answer.citations}  # type: ignore[attr-defined]
    for entry in entries:
        assert {source_of[n] for n in entry.citations} == {entry.source_id}
        assert f"[{entry.citations[0]}]" in entry.summary


def test_a_marker_past_a_sources_evidence_never_names_another_source(
    store: ChunkStore, settings: Settings
) -> None:
    # [9] is past any one source's evidence: after renumbering it would have named a
    # sentence of the other source. It is dropped instead; [1] stays.
    answer, _ = compare(store, settings, "It reports on the ferry terminal. [1][9]")
    source_of = {c.n: c.source_id for c in answer.citations}  # type: ignore[attr-defined]
    for entry in answer.per_source or []:  # type: ignore[attr-defined]
        assert {source_of[n] for n in entry.citations} == {entry.source_id}
        assert len(entry.citations) == 1


@pytest.mark.parametrize(
    ("text", "valid", "expected"),
    [
        ("A. [1][9] B. [2]", range(1, 3), "A. [1] B. [2]"),
        ("A. [1, 9, 2]", range(1, 3), "A. [1, 2]"),
        ("A. [7]", range(1, 3), "A. "),
    ],
)
def test_keep_markers(text: str, valid: range, expected: str) -> None:
    assert keep_markers(text, valid) == expected
