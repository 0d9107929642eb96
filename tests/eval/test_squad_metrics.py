"""SQuAD's metrics as its official evaluation script defines them, on hand-checked cases,
and how a SQuAD benchmark run turns an Answer into its prediction (eval/benchmarks/squad)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.answer_metrics import exact_match, f1
from eval.benchmarks.base import Limits
from eval.benchmarks.squad import build, prediction
from rag.schema import Answer, Mode, ShortAnswer


@pytest.mark.parametrize(
    ("said", "golds", "em", "f"),
    [
        ("The Eiffel Tower", ["Eiffel Tower"], 1.0, 1.0),  # articles and case ignored
        ("Eiffel Tower!", ["eiffel  tower"], 1.0, 1.0),  # punctuation and spaces ignored
        ("$1.2 billion", ["1.2 billion"], 1.0, 1.0),  # "$" and "." dropped: "12 billion"
        ("in Paris, France", ["Paris"], 0.0, 0.5),  # P 1/3, R 1: 2PR/(P+R) = 0.5
        ("the cat sat", ["a cat sat down"], 0.0, 0.8),  # P 2/2, R 2/3
        ("cat cat dog", ["cat dog dog"], 0.0, 2 / 3),  # overlap counts repeats: min(2,1)+min(1,2)
        ("Denver", ["Denver Broncos", "Denver"], 1.0, 1.0),  # the best gold answer counts
        ("Broncos", ["Denver Broncos", "Carolina"], 0.0, 2 / 3),  # P 1, R 1/2
        ("Carolina Panthers", ["Denver Broncos"], 0.0, 0.0),
        ("", ["Denver Broncos"], 0.0, 0.0),  # no answer to an answerable question
        ("", [""], 1.0, 1.0),  # SQuAD 2.0: no answer to an unanswerable one is right
        ("Denver", [""], 0.0, 0.0),  # and any answer to it is wrong
        ("the", [""], 1.0, 1.0),  # normalises to nothing: a no-answer
    ],
)
def test_exact_match_and_f1_are_squads(said: str, golds: list[str], em: float, f: float) -> None:
    assert exact_match(said, golds) == em
    assert f1(said, golds) == pytest.approx(f)


def answer(mode: Mode = "answer", short: str | None = None, text: str = "Some text. [1]") -> Answer:
    found = (
        None if short is None else ShortAnswer(text=short, n=1, start=0, end=len(short), score=0.9)
    )
    return Answer(question="q", answer=text, mode=mode, generator="extractive", short_answer=found)


def test_the_prediction_is_the_short_answer_and_empty_for_a_refusal_or_none() -> None:
    assert prediction(answer(short="Denver Broncos")) == "Denver Broncos"
    assert prediction(answer(short=None)) == ""
    assert prediction(answer(mode="refusal", short="Denver")) == ""


V2 = {
    "version": "v2.0",
    "data": [
        {
            "title": "Super_Bowl_50",
            "paragraphs": [
                {
                    "context": "The Denver Broncos defeated the Carolina Panthers 24-10 to win "
                    "Super Bowl 50. The game was played at Levi's Stadium.",
                    "qas": [
                        {
                            "id": "sb-1",
                            "question": "Which team won Super Bowl 50?",
                            "answers": [
                                {"text": "Denver Broncos", "answer_start": 4},
                                {"text": "The Denver Broncos", "answer_start": 0},
                            ],
                            "is_impossible": False,
                        },
                        {
                            "id": "sb-2",
                            "question": "Which team won Super Bowl 51?",
                            "answers": [],
                            "plausible_answers": [{"text": "Denver Broncos", "answer_start": 4}],
                            "is_impossible": True,
                        },
                    ],
                }
            ],
        }
    ],
}


def test_a_squad_2_file_scores_exact_match_f1_and_no_answer_accuracy(tmp_path: Path) -> None:
    path = tmp_path / "dev-v2.0.json"
    path.write_text(json.dumps(V2))
    (tmp_path / "work").mkdir()
    built = build(path, tmp_path / "work", Limits())
    answerable, impossible = built.cases
    assert answerable.item.type == "fact" and not answerable.item.refuse
    assert answerable.item.must_include == [["Denver Broncos", "The Denver Broncos"]]
    assert impossible.item.type == "unanswerable" and impossible.item.refuse
    assert built.headline == ("exact_match", "f1", "no_answer_accuracy")

    right = built.extra(answerable, answer(short="the Denver Broncos"))
    assert right["exact_match"] == 1.0 and right["f1"] == 1.0
    assert right["no_answer_accuracy"] is None  # applies to unanswerable questions only
    partly = built.extra(answerable, answer(short="Broncos"))
    assert partly["exact_match"] == 0.0 and partly["f1"] == pytest.approx(2 / 3)
    no_short = built.extra(answerable, answer(short=None))
    assert no_short["exact_match"] == 0.0 and no_short["f1"] == 0.0

    refused = built.extra(impossible, answer(mode="refusal"))
    assert refused["exact_match"] == 1.0 and refused["no_answer_accuracy"] == 1.0
    answered = built.extra(impossible, answer(short="Denver Broncos"))
    assert answered["exact_match"] == 0.0 and answered["no_answer_accuracy"] == 0.0
    assert answered["refused"] == 0.0 and refused["refused"] == 1.0
