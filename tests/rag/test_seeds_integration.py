"""End to end on the seed articles with the real MiniLM embedder and the extractive generator."""

import pytest

from rag.answering.pipeline import open_pipeline
from rag.config import Settings
from rag.documents.loading import load_file
from rag.store.filters import Filters

pytestmark = pytest.mark.integration
from tests.conftest import SEEDS  # noqa: E402

FACTS = [
    (
        "What does Nedim Useinow expect from a US presence in Ukraine?",
        "003_40f1f3ddb4e88033",
        "deter Russian attacks",
    ),
    ("How much money has the US sent to Ukraine in total?", "003_40f1f3ddb4e88033", "$119 billion"),
    (
        "What did Trump initially demand that Ukraine fork over?",
        "003_40f1f3ddb4e88033",
        "$500 billion",
    ),
    (
        "Who called the deal the best security guarantee Kyiv could ever hope for?",
        "003_40f1f3ddb4e88033",
        "Mike Waltz",
    ),
    ("What did Ukraine give up in 1994?", "003_40f1f3ddb4e88033", "nuclear weapons"),
    (
        "How will the profits of mineral extraction be shared under the new agreement?",
        "001_224666dbe752bcd1",
        "equally shared",
    ),
    (
        "Who will not be allowed to benefit from the reconstruction of Ukraine, according to Scott Bessent?",
        "001_224666dbe752bcd1",
        "Russian war machine",
    ),
    (
        "Which four Ukrainian regions does the Kremlin claim sovereignty over?",
        "002_61d499616b13814d",
        "Zaporizhia",
    ),
    ("What is the only ace Zelensky has in the negotiations?", "002_61d499616b13814d", "Kursk"),
    (
        "Which countries plan to hold their own summit?",
        "004_d5af3be89cd3b10e",
        "France and Finland",
    ),
    ("Where might Trump and Putin meet?", "004_d5af3be89cd3b10e", "Saudi Arabia"),
    (
        "What are the three strands of negotiations Trump is juggling?",
        "000_76933c42b2fb2140",
        "three separate strands",
    ),
]


@pytest.fixture(scope="module")
def cleaned() -> dict[str, str]:
    return {p.stem: load_file(p).text for p in SEEDS.glob("*.txt")}


@pytest.mark.parametrize(("question", "source", "fact"), FACTS, ids=[f[2] for f in FACTS])
def test_factual_questions_cite_the_right_source_and_quote(
    seeded_settings: Settings, cleaned: dict[str, str], question: str, source: str, fact: str
) -> None:
    with open_pipeline(seeded_settings) as pipe:
        answer = pipe.chain.ask(question)
    assert answer.mode == "answer" and answer.generator == "extractive"
    assert any(c.source_id == source and fact in c.quote for c in answer.citations), answer.answer
    for c in answer.citations:  # every quote is a real span of the cleaned article
        assert cleaned[c.source_id][c.start : c.end] == c.quote
        assert f"[{c.n}]" in answer.answer
    assert all(claim.support == 1.0 for claim in answer.claims)  # extractive quotes verbatim


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 2022 football World Cup?",
        "What is a good recipe for borscht?",
        "Which Nvidia chips were sold to China?",
    ],
)
def test_out_of_scope_questions_are_refused(seeded_settings: Settings, question: str) -> None:
    with open_pipeline(seeded_settings) as pipe:
        answer = pipe.chain.ask(question)
    assert answer.mode == "refusal" and answer.citations == [] and "don't cover" in answer.answer


def test_source_filter_limits_citations(seeded_settings: Settings) -> None:
    with open_pipeline(seeded_settings) as pipe:
        answer = pipe.chain.ask(
            "What is said about NATO membership?",
            filters=Filters.of(sources=["002_61d499616b13814d"]),
        )
    assert answer.citations and {c.source_id for c in answer.citations} == {"002_61d499616b13814d"}


def test_compare_nato_marks_silent_sources(seeded_settings: Settings) -> None:
    with open_pipeline(seeded_settings) as pipe:
        answer = pipe.chain.ask("What does each source say about NATO?")
    assert answer.mode == "compare" and answer.per_source and answer.synthesis
    entries = {e.source_id: e for e in answer.per_source}
    assert set(entries) == {p.stem for p in SEEDS.glob("*.txt")}
    by_n = {c.n: c for c in answer.citations}
    for sid in ("001_224666dbe752bcd1", "002_61d499616b13814d", "003_40f1f3ddb4e88033"):
        assert entries[sid].addresses_topic
        quotes = [by_n[n].quote for n in entries[sid].citations]
        assert quotes and all(by_n[n].source_id == sid for n in entries[sid].citations)
        assert any("NATO" in q for q in quotes)
    for sid in ("000_76933c42b2fb2140", "004_d5af3be89cd3b10e"):  # never mention NATO
        assert not entries[sid].addresses_topic and entries[sid].citations == []
        assert entries[sid].summary == "Does not discuss NATO."


def test_compare_signed_or_not_names_both_sides_with_citations(seeded_settings: Settings) -> None:
    with open_pipeline(seeded_settings) as pipe:
        answer = pipe.chain.ask("Do the sources agree on whether the minerals deal was signed?")
    assert answer.mode == "compare" and answer.synthesis
    assert "disagree" in answer.synthesis
    by_n = {c.n: c for c in answer.citations}
    disagreement = answer.synthesis[answer.synthesis.index("disagree") :]
    cited = [by_n[int(n)] for n in __import__("re").findall(r"\[(\d+)\]", disagreement)]
    assert any(c.source_id == "003_40f1f3ddb4e88033" and "not signed" in c.quote for c in cited)
    other = [c for c in cited if c.source_id != "003_40f1f3ddb4e88033"]
    assert other and any("sign" in c.quote for c in other)


def test_compare_subset_only_compares_those_sources(seeded_settings: Settings) -> None:
    subset = ["001_224666dbe752bcd1", "004_d5af3be89cd3b10e"]
    with open_pipeline(seeded_settings) as pipe:
        answer = pipe.chain.ask(
            "What does each source say about sanctions?", filters=Filters.of(sources=subset)
        )
    assert [e.source_id for e in answer.per_source or []] == subset
    assert {c.source_id for c in answer.citations} <= set(subset)
