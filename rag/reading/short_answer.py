"""The short answer: the reader's span in the best sentence, shown when the reader is sure
of it and the answer cites the quote that holds it.

    short = short_answer(ranked, answer.citations, threshold=0.3)
    short.text, short.n, short.start, short.end   # offsets into the cleaned article
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.retrieval.evidence import Sentence
from rag.schema import Citation, ShortAnswer

MAX_WORDS = 12  # a span longer than this is a clause, not a short answer


def confidence(sentence: Sentence) -> float:
    """P(the sentence answers) x P(the span is its answer), 0 when it was not read."""
    if sentence.reading is None or sentence.answer_span is None:
        return 0.0
    return sentence.reading * sentence.span_score


def short_answer(
    ranked: Sequence[Sentence], citations: Sequence[Citation], threshold: float
) -> ShortAnswer | None:
    """The best sentence's span when its confidence clears `threshold` and a citation's
    quote holds it (the answer may not cite that sentence: then there is none)."""
    if not ranked or ranked[0].answer_span is None:
        return None
    best = ranked[0]
    score = confidence(best)
    assert best.answer_span is not None
    a, b = best.answer_span
    text = best.text[a:b].strip(" ,;:")
    if score < threshold or not text or len(text.split()) > MAX_WORDS:
        return None
    start = best.span.start + a + best.text[a:b].index(text)
    end = start + len(text)
    for citation in citations:
        if citation.source_id == best.source_id and citation.start <= start and end <= citation.end:
            return ShortAnswer(text=text, n=citation.n, start=start, end=end, score=round(score, 4))
    return None
