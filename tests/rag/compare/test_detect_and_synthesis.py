import pytest

from rag.compare.comparer import shift_markers
from rag.compare.detect import is_comparative, topic_label, topic_of
from rag.compare.synthesis import find_disagreements
from rag.language.text import Span, negated_terms
from rag.retrieval.evidence import Sentence
from rag.store.chunks import StoredChunk


@pytest.mark.parametrize(
    ("question", "comparative"),
    [
        ("What does each source say about NATO?", True),
        ("What do the different outlets say about sanctions?", True),
        ("Compare the coverage of the minerals fund.", True),
        ("Compare what the articles say about peacekeepers", True),
        ("How do the sources differ on security guarantees?", True),
        ("Do the articles agree on whether the deal was signed?", True),
        ("According to each outlet, who benefits from the deal?", True),
        ("Which sources mention Crimea?", True),
        ("How do the reports describe Putin's demands?", True),
        ("Across the sources, what is said about elections?", True),
        ("What does Nedim Useinow expect from a US presence in Ukraine?", False),
        ("Was the minerals deal signed?", False),
        ("What did the source in the Kremlin say?", False),
        ("How much has the US sent to Ukraine?", False),
        ("Who won the 2022 football World Cup?", False),
        ("What does each side want from the talks?", False),
    ],
)
def test_detects_comparative_questions(question: str, comparative: bool) -> None:
    assert is_comparative(question) is comparative


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("What does each source say about NATO?", "NATO"),
        ("How do the sources differ on European peacekeepers?", "European peacekeepers"),
        ("Do the articles agree on whether the deal was signed?", "whether the deal was signed"),
        ("Compare the coverage of the minerals fund.", "the minerals fund"),
        ("What do the different outlets say about sanctions?", "sanctions"),
        ("Who benefits from the deal, according to each outlet?", "Who benefits from the deal"),
        ("NATO", "NATO"),
    ],
)
def test_topic_of(question: str, topic: str) -> None:
    assert topic_of(question) == topic


def test_topic_label_quotes_yes_no_topics() -> None:
    assert topic_label("NATO") == "NATO"
    assert topic_label("Was the deal signed") == "the question “Was the deal signed?”"


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("The harbour contract was not signed.", {"sign"}),
        ("Ellis wouldn't be allowed to join the league.", {"allow"}),
        ("Nor under this plan will any money go.", {"under"}),  # "this" is a stop word
        ("The council rejected the harbour plan.", {"harbour"}),  # "the" is a stop word
        ("The ferry company failed to meet the deadline.", {"meet"}),
        ("Officials denied the report on Monday.", {"report"}),
        ("Nobody attended the hearing.", {"attend"}),  # the two words after the negator
        ("The harbour contract was signed.", set()),
        ("The plan is unrealistic and unacceptable.", set()),  # adjectives are not negation
    ],
)
def test_negated_terms(text: str, negated: set[str]) -> None:
    assert negated_terms(text) == negated


def _s(source: str, text: str) -> Sentence:
    chunk = StoredChunk(
        f"{source}:0", source, 0, text, 0, len(text), (Span(0, len(text)),), None, None, None
    )
    return Sentence(chunk, Span(0, len(text)), text, 1.0, 1.0, 1.0)


def test_disagreement_needs_a_negated_topic_term_stated_elsewhere() -> None:
    not_signed = _s("a", "The harbour contract was not signed on Friday.")
    signed = _s("b", "Port Ellis and the ferry line sign the harbour contract.")
    unrelated = _s("c", "Nor under this contract will any money go to the harbour.")
    found = find_disagreements(
        {"a": [not_signed], "b": [signed], "c": [unrelated]}, "was the harbour contract signed"
    )
    assert [(d.negated.source_id, d.stated.source_id, d.term) for d in found] == [
        ("a", "b", "sign")
    ]


def test_a_rejection_disagrees_with_an_approval() -> None:
    rejected = _s("a", "The council rejected the harbour plan after a long debate.")
    approved = _s("b", "The harbour plan won approval from the council on Tuesday.")
    found = find_disagreements({"a": [rejected], "b": [approved]}, "the harbour plan")
    assert [(d.negated.source_id, d.stated.source_id, d.term) for d in found] == [
        ("a", "b", "harbour")
    ]


def test_no_disagreement_when_both_negate() -> None:
    a = _s("a", "The harbour contract was not signed.")
    b = _s("b", "Officials said the harbour contract was not signed yet.")
    assert find_disagreements({"a": [a], "b": [b]}, "harbour contract signed") == []


def test_shift_markers() -> None:
    assert shift_markers("One [1]. Two [1, 2].", 3) == "One [4]. Two [4][5]."
