import pytest

from rag.language.text import Span
from rag.retrieval.evidence import Sentence, is_heading, select, with_context
from rag.store.chunks import StoredChunk


def _sentences(*texts: str) -> list[Sentence]:
    text = " ".join(texts)
    spans, at = [], 0
    for t in texts:
        start = text.index(t, at)
        spans.append(Span(start, start + len(t)))
        at = start + len(t)
    chunk = StoredChunk("c:0", "c", 0, text, 0, len(text), tuple(spans), None, None, None)
    return [
        Sentence(chunk, s, t, 1.0 - i / 10, 1.0, 1.0)
        for i, (s, t) in enumerate(zip(spans, texts, strict=True))
    ]


def test_select_skips_near_duplicates_and_weak_sentences() -> None:
    ranked = _sentences(
        "The deal was not signed today.",
        "The deal was not signed today!",
        "Unrelated filler words.",
    )
    ranked[2] = Sentence(ranked[2].chunk, ranked[2].span, ranked[2].text, 0.1, 0.0, 0.0)
    chosen = select(ranked, limit=3)
    assert [s.text for s in chosen] == ["The deal was not signed today."]


def test_with_context_adds_the_sentence_an_anaphor_points_to() -> None:
    first, second = _sentences("Ukraine gave up its nuclear weapons.", "Kyiv did this in 1994.")
    assert [s.text for s in with_context([second])] == [first.text, second.text]
    assert [s.text for s in with_context([first])] == [first.text]


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        ("Peacekeepers on the border", True),
        ("Ferry Terminal Opens In Port Ellis", True),
        ("Q&A: what the harbour plan means for you", True),
        ("The terminal cost 40 million dollars.", False),
        ("“We will not sign,” she said.”", False),
        ("Is the ferry late again?", False),
        (" ".join(["word"] * 20), False),  # too long to be a heading, even unpunctuated
    ],
)
def test_is_heading(text: str, heading: bool) -> None:
    assert is_heading(text) is heading
