"""Extractive generator: the answer is the best evidence sentences, verbatim, each cited.

No LLM, fully deterministic: the same index and question give the same answer. A question
that asks for a value (a name, a number, a date: "Which city …?") gets as little as
answers it: the best sentence; another only when it adds a good part of what the question
asks about (a fifth of its IDF weight) or holds the value the first lacks; failing that,
the sentence of the same article, retrieved with it, that holds it (a headline may: "… The
team has signed …" is answered by the article's "Athletics buy land near the Strip"). An
open question ("What does the mayor expect?", "Why …?") gets up to `sentences` strong,
non-redundant sentences. Either way, a sentence that points back ("They did this …") comes
with the one before it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from rag.language.text import terms
from rag.query.asks import Kind, asks_for, holds
from rag.retrieval.evidence import Sentence, repeats, select, with_context
from rag.retrieval.retriever import Retrieval

# Hand-set (c17053b), not fitted: used only without the reader (RAG_READER=none), whose
# floor below is fitted. A further sentence must score at least this share of the best.
RELATIVE_FLOOR = 0.8
# The same share when the reader scored the sentences (its probability leads the score):
# fitted by `python -m eval.calibrate_reader` on the calibration split, the share that
# keeps most key facts and gold answers with a median answer of at most 45 words.
READER_FLOOR = 0.6  # eval/calibration_reader.json: median 42 words; 0.3 gave 56.5
# Hand-set (c17053b), not fitted: a further sentence must add this share of the question's
# IDF weight, or the value asked for. The calibration (eval/calibrate_reader.py) fits the
# floor with it fixed.
GAIN = 0.2


def floor_for(ranked: Sequence[Sentence]) -> float:
    """The relative floor for these scores: the reader's, when it read the best one."""
    return READER_FLOOR if ranked and ranked[0].reading is not None else RELATIVE_FLOOR


def compose(
    ranked: Sequence[Sentence], retrieval: Retrieval, limit: int, floor: float | None = None
) -> list[Sentence]:
    """The answer's sentences, in rank order (see the module docstring)."""
    if not ranked:
        return []
    floor = floor_for(ranked) if floor is None else floor
    kind = asks_for(retrieval.question)
    if kind is None:
        return select(ranked, limit, floor)
    question = set(terms(retrieval.question))
    weight = {t: retrieval.stats.idf(t) for t in question}
    total = sum(weight.values()) or 1.0
    first = ranked[0]
    chosen, covered = [first], question & set(terms(first.text))
    filled = holds(first.text, kind, question)
    for sentence in ranked[1:]:
        if len(chosen) == limit or sentence.score < floor * first.score:
            break
        if repeats(sentence, chosen):
            continue
        own = set(terms(sentence.text))
        gain = sum(weight[t] for t in (question & own) - covered) / total
        fills = not filled and holds(sentence.text, kind, question)
        if gain >= GAIN or fills:
            chosen.append(sentence)
            covered |= question & own
            filled = filled or fills
    if not filled:
        donor = filler(first, retrieval, kind, question)
        if donor is not None:
            chosen.append(donor)
    return sorted(chosen, key=_reading(first))


def _reading(first: Sentence) -> Callable[[Sentence], tuple[int, int]]:
    """The best sentence first, except that its own article reads in article order."""
    rank = {first.source_id: 0}
    return lambda s: (
        rank.get(s.source_id, 1),
        s.span.start if s.source_id == first.source_id else 0,
    )


def filler(
    first: Sentence, retrieval: Retrieval, kind: Kind, question: set[str]
) -> Sentence | None:
    """The sentence of `first`'s article, among the retrieved passages, that holds a value
    of `kind`: the one sharing most of the question's terms, then the nearest to `first`."""
    best: tuple[float, int, Sentence] | None = None
    for passage in retrieval.passages:
        chunk = passage.chunk
        if chunk.source_id != first.source_id:
            continue
        for span in chunk.sentences:
            text = chunk.sentence_text(span)
            if span == first.span or not holds(text, kind, question):
                continue
            shared = retrieval.stats.coverage(question, set(terms(text)))
            key = (shared, -abs(span.start - first.span.start))
            if best is None or key > best[:2]:
                best = (*key, Sentence(chunk, span, text, first.score, shared, 0.0))
    return best[2] if best else None


class ExtractiveGenerator:
    name = "extractive"
    verbatim = True  # its sentences are their own quotes
    summarizer = None  # compare mode shows each source's own sentences

    def __init__(self, sentences: int = 3) -> None:
        self._limit = sentences

    def evidence(self, ranked: Sequence[Sentence], retrieval: Retrieval) -> list[Sentence]:
        return with_context(compose(ranked, retrieval, self._limit))

    def stream(
        self, question: str, evidence: Sequence[Sentence], strict: bool = False
    ) -> Iterator[str]:
        for n, sentence in enumerate(evidence, start=1):
            yield ("" if n == 1 else " ") + f"{sentence.text} [{n}]"
