import pytest

from rag.evidence import Sentence, answer_kind, holds_kind, select, with_context
from rag.store import StoredChunk
from rag.text import Span


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("On what exact date was the deal signed?", "date"),
        ("In what year did Kyiv give up its arsenal?", "date"),
        ("How much money has the US sent to Ukraine?", "number"),
        ("How many troops has the UK pledged?", "number"),
        ("What exact percentage of the fund does the US own?", "number"),
        ("When will the deal be implemented?", None),  # an event can answer "when"
        ("Who mediated the talks?", None),
        ("What does Nedim Useinow expect?", None),
    ],
)
def test_answer_kind(question: str, kind: str | None) -> None:
    assert answer_kind(question) == kind


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


@pytest.mark.parametrize(
    ("text", "kind", "holds"),
    [
        ("The U.S. has sent a total of $119 billion to Ukraine.", "number", True),
        ("Minerals worth hundreds of billions of dollars.", "number", True),
        ("The U.S. will own the maximum amount allowed under U.S. law.", "number", False),
        ("Kyiv did this in 1994.", "date", True),
        ("Talks broke down on Friday afternoon.", "date", True),
        ("The deal was not signed.", "date", False),
        ("Anything at all.", None, True),
    ],
)
def test_holds_kind(text: str, kind: str | None, holds: bool) -> None:
    assert holds_kind(_sentences(text), kind) is holds


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
