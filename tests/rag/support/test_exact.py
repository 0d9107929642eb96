"""Support enforcement for LLM answers: the exact checks, re-citing and the release (made-up text)."""

from __future__ import annotations

import pytest

from rag.language.text import Span
from rag.retrieval.evidence import Sentence
from rag.store.chunks import StoredChunk
from rag.support.exact import (
    CONDITION,
    COVERAGE,
    DATE,
    NAME,
    NEGATION,
    NUMBER,
    ROLES,
    check,
)
from rag.support.judge import UNCITED, Quote, SupportJudge
from rag.support.release import Release
from rag.support.release import recite as recite_with


def recite(text: str, cited: list[int], quotes: list[Quote], bar: float) -> list[int] | None:
    """Re-citing as the product does without a verifier (RAG_VERIFIER=none)."""
    return recite_with(text, cited, quotes, bar, SupportJudge(None, 0.3))


def sentence_of(text: str, source: str, start: int = 40) -> Sentence:
    span = Span(start, start + len(text))
    chunk = StoredChunk(
        f"{source}:0000:x", source, 0, text, start, span.end, (span,), source, None, None
    )
    return Sentence(chunk, span, text, 0.9, 1.0, 0.8)


def evidence() -> list[Sentence]:
    return [
        sentence_of("The harbour levy rose to 417 crowns in May.", "levy"),
        sentence_of("Ferry crossings fell by a third over the winter.", "ferry"),
    ]


def streamed(text: str, size: int = 7) -> tuple[list[str], Release]:
    """What a reader sees of `text` arriving in pieces of `size` characters."""
    release = Release(evidence(), SupportJudge(None, 0.5))
    shown: list[str] = []
    for i in range(0, len(text), size):
        shown += release.feed(text[i : i + size])
    return shown + release.finish(), release


def test_a_backed_answer_is_released_sentence_by_sentence() -> None:
    text = "The levy rose to 417 crowns. [1] Crossings fell by a third. [2]"
    shown, release = streamed(text)
    assert shown == ["The levy rose to 417 crowns. [1]", " Crossings fell by a third. [2]"]
    assert release.text == text and not release.removed


def test_a_sentence_is_not_released_before_the_next_one_starts() -> None:
    release = Release(evidence(), SupportJudge(None, 0.5))
    assert release.feed("The levy rose to 417 crowns. [1]") == []
    assert release.feed(" Cross") == ["The levy rose to 417 crowns. [1]"]


def test_uncited_and_unbacked_sentences_are_never_shown_and_are_listed() -> None:
    text = "The levy rose to 417 crowns. [1] HACKED! [2] Officials were pleased. [7]"
    shown, release = streamed(text)
    assert "".join(shown) == release.text == "The levy rose to 417 crowns. [1]"
    assert [(r.text, r.reason) for r in release.removed] == [
        ("HACKED!", COVERAGE),
        ("Officials were pleased.", UNCITED),
    ]


def test_a_refusal_is_held_for_the_chain_to_judge() -> None:
    shown, release = streamed("The sources don't cover this question.")
    assert shown == [] and release.refused and not release.removed


# --- re-citing: the right quote for a sentence the model cited wrongly -----------------


def quotes(*rows: tuple[str, str]) -> list[Quote]:
    return [Quote(text, article) for text, article in rows]


DEPOT = quotes(
    ("The depot will close at the end of the year.", "depot"),
    ("It employs 212 drivers, the operator says.", "depot"),
    ("The four routes it serves are Alder, Birch, Cedar and Dunmore.", "depot"),
    ("A rival depot employs 90 drivers in Eastfield.", "rival"),
)


def test_a_sentence_citing_its_neighbour_is_shown_citing_the_quote_that_backs_it() -> None:
    # The claim cites [1], the sentence next to the one it came from.
    assert recite("The operator says it employs 212 drivers.", [1], DEPOT, 0.6) == [2]
    release = Release([sentence_of(q.text, q.article) for q in DEPOT], SupportJudge(None, 0.3), 0.6)
    release.feed("The operator says it employs 212 drivers. [1]")
    assert release.finish() == ["The operator says it employs 212 drivers. [2]"]
    assert [(r.cited, r.now) for r in release.recited] == [([1], [2])]
    assert not release.removed


def test_a_quote_that_backs_only_part_of_the_claim_is_not_cited_in_its_place() -> None:
    # [3] gives the four routes but not the closing: under the re-cite share of words.
    claim = "The depot serves four routes and will close at the end of the year."
    assert recite(claim, [1], DEPOT, 0.6) is None
    assert recite(claim, [1], DEPOT, 0.3) == [3]  # the check's own share would take it


def test_a_wrong_number_is_not_rescued_by_another_quote() -> None:
    assert recite("The depot employs 250 drivers, the operator says.", [1], DEPOT, 0.6) is None
    release = Release([sentence_of(q.text, q.article) for q in DEPOT], SupportJudge(None, 0.3), 0.6)
    release.feed("The depot employs 250 drivers, the operator says. [2]")
    assert release.finish() == [] and [r.reason for r in release.removed] == [NUMBER]
    assert not release.recited


def test_another_article_never_backs_a_re_cited_sentence() -> None:
    # Only the rival article says 90 drivers: the claim cited the depot's article.
    assert recite("A depot employs 90 drivers in Eastfield.", [2], DEPOT, 0.6) is None


def test_re_citing_is_off_by_default() -> None:
    release = Release([sentence_of(q.text, q.article) for q in DEPOT], SupportJudge(None, 0.3))
    release.feed("The operator says it employs 212 drivers. [1]")
    assert release.finish() == [] and not release.recited


def test_only_valid_markers_are_shown() -> None:
    _, release = streamed("Crossings fell by a third. [2][9]")
    assert release.text == "Crossings fell by a third. [2]"


QUOTE = "The Lantern Bay harbour board approved a levy of 417 crowns per crossing on Tuesday."


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        ("The board approved a levy of 417 crowns per crossing.", None),
        ("According to The Harbour Courier, the board approved a 417-crown levy.", None),
        ("The U.S. board approved the levy on Tuesday.", NAME),  # no U.S. in the quote
        ("The board approved a levy of 418 crowns per crossing.", NUMBER),
        ("The board approved a levy of 417 crowns on Monday.", DATE),
        ("Ilse Varga approved a levy of 417 crowns.", NAME),
        ("According to The Daily Ledger, the board approved a levy.", NAME),
        ("The harbour board did not approve a levy of 417 crowns.", NEGATION),
        ("The board approved a levy, and ferry crossings fell by a third over winter.", COVERAGE),
    ],
)
def test_a_claim_is_backed_only_by_what_its_quote_says(claim: str, reason: str | None) -> None:
    assert check(claim, [QUOTE], ["The Harbour Courier"]).reason(0.6) == reason


def test_numbers_are_compared_as_values() -> None:
    assert not check("Aid reached $1.5 billion.", ["aid reached $1.50 billion"]).missing_numbers


def test_initialisms_match_with_or_without_dots() -> None:
    assert not check("The US sent aid.", ["The U.S. sent aid."]).missing_names


@pytest.mark.parametrize(
    ("claim", "quote"),
    [
        (
            "Banning Orlen from Vasko did not end his voice.",
            "Banning Vasko from Orlen did not end his voice.",
        ),
        ("Osland attacked Tarvia on Monday.", "Tarvia attacked Osland on Monday."),
        (
            "Quarterback Ohio State Ray's play during Kyle's opener.",
            "Quarterback Kyle Ray's play during Ohio State's opener.",
        ),
    ],
)
def test_names_that_trade_places_are_caught(claim: str, quote: str) -> None:
    assert check(claim, [quote]).reason(0.3) == ROLES


@pytest.mark.parametrize(
    ("claim", "quote"),
    [
        ("Tarvia was attacked by Osland on Monday.", "Osland attacked Tarvia on Monday."),
        ("The ministry said Varga met Lind.", "Varga met Lind, the ministry said."),
        ("Varga met Lind in Dunmore.", "Varga met Lind in Dunmore, the ministry said."),
    ],
)
def test_the_same_roles_in_other_words_are_not_a_swap(claim: str, quote: str) -> None:
    assert check(claim, [quote]).reason(0.3) != ROLES


def test_a_condition_left_out_is_caught_and_even_if_is_no_condition() -> None:
    quote = "The operator will pay 250 crowns a day if the depot opens after March."
    assert check("The operator will pay 250 crowns a day.", [quote]).reason(0.3) == CONDITION
    lead = "If the talks fail, the levy will rise to 417 crowns."
    assert check("The levy will rise to 417 crowns.", [lead]).reason(0.3) == CONDITION
    even = "The levy will rise to 417 crowns even if the talks fail."
    assert check("The levy will rise to 417 crowns.", [even]).reason(0.3) is None


def test_inflected_forms_are_one_word_and_antonyms_are_the_opposite() -> None:
    quote = "The harbour levy rose to 417 crowns and the council won the vote."
    assert check("The harbour levy rises to 417 crowns.", [quote]).reason(0.9) is None
    assert check("The council wins the vote.", [quote]).reason(0.9) is None
    assert check("The harbour levy fell to 417 crowns.", [quote]).reason(0.3) == NEGATION
    assert check("The harbour levy did not rise to 417 crowns.", [quote]).reason(0.3) == NEGATION
    assert check("The council lost the vote.", [quote]).reason(0.3) == NEGATION
