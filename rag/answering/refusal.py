"""Answerability: does the evidence answer the question, or should the answer be a refusal?

    features = Features.of(ranked, retrieval, filters)
    if probability(features) < settings.refusal_threshold: refuse
    judge(ranked, retrieval, filters, strong=3).answers(settings.refusal_threshold)

A deterministic check comes first (rag/query/asks.py `answers`): evidence that holds no
value of the kind asked for ("How much …?" and no number), not the counted thing, or not
the person the question quotes, cannot answer, whatever its score.

The features are absolute, about the question and its best evidence, never scaled to the
corpus or to the other candidates, so the decision holds from five articles to thousands:
- `coverage`: the IDF-weighted share of the question's terms in the best sentence (and a
  quarter of what its context adds), `dense`: its cosine with the question;
- `missing`: the share of the question's specific words (capitalised names, numbers) that
  the best sentence and its neighbours lack: "What did Varga say about the treaty?" is not
  answered by a sentence about what Lind said about the treaty, two paragraphs from Varga;
- `named`: the question asks for a name, a number or a date and the best sentence, its
  neighbours or the next best sentences hold one (1), or not (0); 1 when it asks for none;
- `windowed`, `in_window`: the question names a period, and its best evidence is from it;
- `passage`: the best passage's cosine with the question;
- `reader`: the reader's probability that the best sentence answers (rag/reading/), when a
  reader read it; the model then uses `READER_WEIGHTS`, fitted with that feature.
Nothing depends on how many articles the search may read: a question asked of one article
(a source filter) is judged as one asked of the archive.
They are combined by a logistic model fitted on the calibration split only
(`python -m eval.calibrate`); the chain refuses below `refusal_threshold`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from rag.language.dates import parse_date
from rag.language.text import terms
from rag.query.asks import answers, asks_for, holds, missing_share
from rag.retrieval.evidence import Sentence, select
from rag.retrieval.retriever import Retrieval
from rag.store.filters import Filters

NAMED_AMONG = 3  # the best sentences in which `named` looks for the value asked for
# Logistic weights, fitted by `python -m eval.calibrate` on the calibration split only (half
# the seed gold questions by hash; the archive quiz of alternate quiz dates, each asked with
# and without its own articles): ROC AUC 0.819 on the seeds and 0.742 on the
# archive there (eval/calibration.json).
WEIGHTS = {
    "bias": -4.7,
    "coverage": 1.91,
    "dense": 2.64,
    "missing": -0.78,
    "named": 0.0,
    "windowed": -0.45,
    "in_window": 1.5,
    "passage": 4.25,
}
# The same model with the reader's probability, fitted the same way with the reader on
# (`python -m eval.calibrate`, eval/calibration.json "reader"): ROC AUC 0.830 on the seeds
# and 0.758 on the archive there (0.819 and 0.742 without the reader).
READER_WEIGHTS = {
    "bias": -2.08,
    "coverage": 0.78,
    "dense": 2.33,
    "missing": -1.16,
    "named": -2.34,
    "windowed": -0.58,
    "in_window": 1.53,
    "passage": 4.6,
    "reader": 0.57,
}


@dataclass(frozen=True)
class Features:
    coverage: float
    dense: float
    missing: float
    named: float
    windowed: float
    in_window: float
    passage: float  # the best passage's cosine with the question
    reader: float | None = None  # the reader's probability for the best sentence, if read

    @classmethod
    def of(cls, ranked: Sequence[Sentence], retrieval: Retrieval, filters: Filters) -> Features:
        if not ranked:
            return cls(0.0, 0.0, 1.0, 0.0, float(filters.prefer is not None), 0.0, 0.0)
        best = ranked[0]
        question = set(terms(retrieval.question))
        kind = asks_for(retrieval.question)
        near = around(best)
        missing = missing_share(retrieval.question, near)
        nearby = " ".join([near, *(s.text for s in ranked[1:NAMED_AMONG])])
        named = kind is None or holds(nearby, kind, question)
        in_window = filters.is_preferred(parse_date(best.chunk.published))
        return cls(
            coverage=best.coverage,
            dense=best.dense,
            missing=missing,
            named=float(named),
            windowed=float(filters.prefer is not None),
            in_window=float(in_window),
            passage=max((p.dense for p in retrieval.passages), default=0.0),
            reader=best.reading,
        )

    def values(self) -> dict[str, float]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Judgement:
    features: Features
    holds: bool  # the evidence passes the deterministic check (`answers`)

    def answers(self, threshold: float, weights: dict[str, float] | None = None) -> bool:
        return self.holds and probability(self.features, weights) >= threshold


def judge(
    ranked: Sequence[Sentence], retrieval: Retrieval, filters: Filters, strong: int
) -> Judgement:
    """The features of the evidence, and whether it passes the deterministic check: on the
    `strong` best sentences and the best one's whole chunk, title and outlet (a quote runs
    on for sentences after "…, she said:"), with the person or outlet the question quotes
    in the best sentence's paragraph, the other strong sentences, the title or the outlet."""
    features = Features.of(ranked, retrieval, filters)
    if not ranked:
        return Judgement(features, False)
    best = [s.text for s in select(ranked, strong)]
    wide = " ".join([*best, around(ranked[0], whole=True)])
    top = ranked[0].chunk
    near = " ".join([*best, paragraph(ranked[0]), *(x for x in (top.title, top.outlet) if x)])
    return Judgement(features, answers(retrieval.question, wide, near))


def paragraph(best: Sentence) -> str:
    """The best sentence's paragraph, as far as its chunk holds it: a quote that runs on
    ("As the minister said: “… . … . And …”") names its speaker there."""
    chunk, spans = best.chunk, best.chunk.sentences
    if best.span not in spans:
        return best.text

    def breaks(a: int, b: int) -> bool:  # a paragraph ends between sentences a and b
        return "\n" in chunk.text[spans[a].end - chunk.start : spans[b].start - chunk.start]

    first = last = spans.index(best.span)
    while first > 0 and not breaks(first - 1, first):
        first -= 1
    while last + 1 < len(spans) and not breaks(last, last + 1):
        last += 1
    return " ".join(chunk.sentence_text(s) for s in spans[first : last + 1])


def around(best: Sentence, whole: bool = False) -> str:
    """The best sentence with its neighbours in its chunk (or the `whole` chunk), and its
    article's title and outlet."""
    spans = best.chunk.sentences
    at = spans.index(best.span) if best.span in spans else 0
    window = spans if whole else spans[max(0, at - 1) : at + 2]
    near = [best.chunk.sentence_text(s) for s in window] or [best.text]
    return " ".join([*near, *(x for x in (best.chunk.title, best.chunk.outlet) if x)])


def probability(features: Features, weights: dict[str, float] | None = None) -> float:
    """The model's probability that the evidence answers the question (with the reader's
    weights when the reader read the evidence)."""
    w = weights or (WEIGHTS if features.reader is None else READER_WEIGHTS)
    logit = w["bias"] + sum(w.get(name, 0.0) * v for name, v in features.values().items())
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))
