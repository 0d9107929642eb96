"""Short-answer metrics as SQuAD's official evaluation script defines them.

    exact_match("the Eiffel Tower", ["Eiffel Tower"])   # 1.0: articles and case ignored
    f1("in Paris, France", ["Paris"])                   # 0.5: token overlap

Normalisation: lower case, punctuation removed, the articles a/an/the removed, whitespace
collapsed. Against several gold answers the best score counts. An empty prediction
scores 1 only against an empty gold (SQuAD 2.0's "no answer").
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def _f1(prediction: str, gold: str) -> float:
    pred, true = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not pred or not true:
        return float(pred == true)
    common = sum((Counter(pred) & Counter(true)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(true)
    return 2 * precision * recall / (precision + recall)


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised gold answer."""
    golds = list(golds) or [""]
    return max(float(normalize_answer(prediction) == normalize_answer(g)) for g in golds)


def f1(prediction: str, golds: Sequence[str]) -> float:
    """The best token-overlap F1 against the gold answers."""
    return max(_f1(prediction, g) for g in (list(golds) or [""]))
