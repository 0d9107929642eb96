import pytest

from rag.language.text import Span
from rag.retrieval.evidence import Sentence
from rag.store.chunks import StoredChunk
from rag.support.citations import markers, split_claims, validate
from rag.support.judge import SupportJudge

JUDGE = SupportJudge(None, 0.3)  # the exact checks and the share of words


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            "NATO is off the table. [1][2] The deal was signed [3].",
            [("NATO is off the table.", (1, 2)), ("The deal was signed.", (3,))],
        ),
        (
            "Mr. Trump met Dr. Meister in the U.S. [1]",
            [("Mr. Trump met Dr. Meister in the U.S.", (1,))],
        ),
        ("A claim [1, 2]. Uncited claim.", [("A claim.", (1, 2)), ("Uncited claim.", ())]),
        ("Same marker twice [1][1].", [("Same marker twice.", (1,))]),
        ("", []),
        ("No markers at all.", [("No markers at all.", ())]),
        ("- bullet one [2]\n- bullet two", [("- bullet one", (2,)), ("- bullet two", ())]),
    ],
)
def test_split_claims(answer: str, expected: list[tuple[str, tuple[int, ...]]]) -> None:
    assert [(c.text, c.markers) for c in split_claims(answer)] == expected


def test_markers_in_order_with_repeats() -> None:
    assert markers("a [2] b [1, 3] c [2]") == [2, 1, 3, 2]


def _evidence() -> list[Sentence]:
    text = "The deal was not signed. NATO membership remains off the table."
    chunk = StoredChunk(
        "s1:0000:abc",
        "s1",
        0,
        text,
        100,
        100 + len(text),
        (Span(100, 124), Span(125, 100 + len(text))),
        "Title",
        "Outlet",
        None,
    )
    return [
        Sentence(chunk, Span(100, 124), "The deal was not signed.", 0.9, 1.0, 0.8),
        Sentence(
            chunk,
            Span(125, 100 + len(text)),
            "NATO membership remains off the table.",
            0.8,
            1.0,
            0.7,
        ),
    ]


def test_validate_maps_markers_to_quotes_and_offsets() -> None:
    result = validate(
        "The deal was not signed. [1] NATO is off the table. [2]", _evidence(), JUDGE.support
    )
    assert [c.n for c in result.citations] == [1, 2]
    first = result.citations[0]
    assert (first.source_id, first.chunk_id, first.title, first.outlet) == (
        "s1",
        "s1:0000:abc",
        "Title",
        "Outlet",
    )
    assert (first.quote, first.start, first.end) == ("The deal was not signed.", 100, 124)
    assert result.claims[0].support == 1.0  # the quote itself
    assert result.dropped == []


def test_validate_drops_and_reports_unknown_markers() -> None:
    result = validate(
        "Claim one. [1][7] Claim two. [0] Claim three. [9]", _evidence(), JUDGE.support
    )
    assert [c.n for c in result.citations] == [1]
    assert result.dropped == [7, 0, 9]
    assert result.claims[0].citations == [1]
    assert result.claims[1].citations == [] and result.claims[1].support == 0.0


def test_validate_empty_answer() -> None:
    result = validate("", _evidence(), JUDGE.support)
    assert (result.citations, result.claims, result.dropped) == ([], [], [])
