"""Eval: metrics, gold validation, the gate, calibration and judge parsing (pure functions)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from pydantic import SecretStr

from eval.calibrate import Example, auc, fit, report, threshold
from eval.gate import compare, status_of
from eval.gold import GoldError, GoldItem, check_sources, parse_gold
from eval.judge import parse_verdict
from eval.metrics import (
    MetricTable,
    aggregate,
    citation_precision,
    citation_source_recall,
    citation_validity,
    failure_reasons,
    groups_passed,
    key_fact_recall,
    mean,
    mrr,
    percentile,
    refusal_accuracy,
    score_question,
    silence_accuracy,
    source_coverage,
    source_recall_at_k,
)
from eval.runinfo import settings_dump
from rag.answering.refusal import Features, Judgement, probability
from rag.config import Settings
from rag.schema import Answer, Citation, Claim, Mode, SourceEntry, SourceRef

A, B, C = "src-a", "src-b", "src-c"


def gold(**kw: Any) -> GoldItem:
    base: dict[str, Any] = {"id": "q1", "question": "What?", "type": "fact", "refuse": False}
    return GoldItem.model_validate(base | kw)


def cite(n: int, source_id: str = A) -> Citation:
    return Citation(
        n=n,
        source_id=source_id,
        title=None,
        outlet=None,
        chunk_id=f"{source_id}:0",
        quote="q",
        start=0,
        end=1,
    )


def entry(
    source_id: str, addresses: bool, summary: str = "", cites: list[int] | None = None
) -> SourceEntry:
    return SourceEntry(
        source_id=source_id,
        title=None,
        outlet=None,
        addresses_topic=addresses,
        summary=summary,
        citations=cites or [],
    )


def ans(text: str = "An answer. [1]", mode: Mode = "answer", **kw: Any) -> Answer:
    retrieved = [SourceRef(source_id=s, title=None, outlet=None) for s in kw.pop("retrieved", [])]
    return Answer(
        question="What?",
        answer=text,
        mode=mode,
        generator="extractive",
        retrieved=retrieved,
        **kw,
    )


REFUSAL = ans("The sources don't cover this question.", mode="refusal", retrieved=[A, B])
EMPTY = ans("", retrieved=[A])


@pytest.mark.parametrize(
    ("groups", "text", "expected"),
    [
        ([["deter"]], "It would DETER attacks", [True]),
        ([["not signed", "broke down"]], "Talks broke down.", [True]),
        ([["sign 'historic' deal"]], "US and Ukraine sign ‘historic’ deal", [True]),  # curly quotes
        ([["deal was not signed"]], "The deal was [2] not signed", [True]),  # markers are removed
        ([["Kiel"], ["119 billion"]], "Kiel says so", [True, False]),
        ([["anything"]], "", [False]),
        ([], "text", []),
    ],
)
def test_groups_passed(groups: list[list[str]], text: str, expected: list[bool]) -> None:
    assert groups_passed(groups, text) == expected


@pytest.mark.parametrize(
    ("sources", "answer", "recall", "rr"),
    [
        ([], ans(retrieved=[A]), None, None),  # unanswerable: no gold sources
        ([A], ans(retrieved=[A, B]), 1.0, 1.0),
        ([A], ans(retrieved=[B, C, A]), 1.0, 1 / 3),
        ([A, B], ans(retrieved=[C, B]), 0.5, 0.5),
        ([A], ans(retrieved=[]), 0.0, 0.0),
        ([A], REFUSAL, 1.0, 1.0),  # retrieval is scored even when the answer refuses
        ([A, B], ans(retrieved=[A, A, B]), 1.0, 1.0),  # repeated sources count once
    ],
)
def test_retrieval_metrics(
    sources: list[str], answer: Answer, recall: float | None, rr: float | None
) -> None:
    item = gold(sources=sources)
    assert source_recall_at_k(item, answer).value == pytest.approx(recall)
    assert mrr(item, answer).value == pytest.approx(rr)


@pytest.mark.parametrize(
    ("item", "answer", "expected"),
    [
        (gold(), ans(), None),  # no must_include groups
        (gold(must_include=[["x"]]), REFUSAL, 0.0),
        (gold(must_include=[["x"]]), EMPTY, 0.0),
        (gold(must_include=[["deal"], ["zzz"]]), ans("The deal. [1]"), 0.5),
        (gold(must_include=[["DEAL", "pact"]]), ans("the pact [1]"), 1.0),
        (
            gold(type="compare", must_include=[["crimea"], ["nato"]]),
            ans(
                "Two sources.",
                mode="compare",
                per_source=[entry(A, True, "Crimea [1]")],
                synthesis="NATO differs.",
            ),
            1.0,
        ),  # summaries and synthesis count for compare
    ],
)
def test_key_fact_recall(item: GoldItem, answer: Answer, expected: float | None) -> None:
    assert key_fact_recall(item, answer).value == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (REFUSAL, None),
        (EMPTY, None),
        (ans("No markers at all."), None),  # nothing cited: nothing to be valid or not
        (ans("One. [1] Two. [2]", citations=[cite(1), cite(2)]), 1.0),
        (ans("One. [1] Bad. [7]", citations=[cite(1)], dropped_citations=[7]), 0.5),
        (ans("Bad. [7] [9]", dropped_citations=[7, 9]), 0.0),  # only unknown numbers
        (
            ans("x", mode="compare", citations=[cite(1)], per_source=[entry(A, True, "s", [1, 4])]),
            0.5,
        ),  # per-source [4] names no citation
    ],
)
def test_citation_validity(answer: Answer, expected: float | None) -> None:
    assert citation_validity(answer).value == expected


def claim(support: float, cites: list[int] | None = None) -> Claim:
    return Claim(text="c", citations=[1] if cites is None else cites, support=support)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (REFUSAL, None),
        (EMPTY, None),
        (ans("Uncited."), None),  # no claims
        (ans("Uncited.", claims=[claim(0.0, [])]), None),  # only uncited claims
        (ans(claims=[claim(1.0), claim(0.5)]), 1.0),  # the threshold itself counts as supported
        (ans(claims=[claim(0.9), claim(0.2), claim(0.0, [])]), 0.5),  # uncited claims are ignored
    ],
)
def test_citation_precision(answer: Answer, expected: float | None) -> None:
    assert citation_precision(answer, threshold=0.5).value == expected


@pytest.mark.parametrize(
    ("sources", "answer", "expected"),
    [
        ([], ans(citations=[cite(1)]), None),
        ([A], REFUSAL, None),
        ([A], EMPTY, None),
        ([A], ans("No markers."), 0.0),
        ([A, B], ans(citations=[cite(1, A), cite(2, A)]), 0.5),
        ([A, B], ans(citations=[cite(1, B), cite(2, A), cite(3, C)]), 1.0),
    ],
)
def test_citation_source_recall(sources: list[str], answer: Answer, expected: float | None) -> None:
    assert citation_source_recall(gold(sources=sources), answer).value == expected


@pytest.mark.parametrize(
    ("refuse", "answer", "expected"),
    [
        (True, REFUSAL, 1.0),
        (True, ans(), 0.0),
        (True, EMPTY, 0.0),  # an empty answer is not a refusal either
        (False, ans(), 1.0),
        (False, REFUSAL, 0.0),
        (False, EMPTY, 0.0),
        (False, ans("", mode="compare", per_source=[entry(A, True, "Says X.")]), 1.0),
    ],
)
def test_refusal_accuracy(refuse: bool, answer: Answer, expected: float) -> None:
    item = gold(type="unanswerable", refuse=True) if refuse else gold()
    assert refusal_accuracy(item, answer).value == expected


COMPARED = ans("x", mode="compare", per_source=[entry(A, True), entry(B, False), entry(C, True)])


@pytest.mark.parametrize(
    ("item", "answer", "coverage", "silence"),
    [
        (gold(sources=[A]), COMPARED, None, None),  # not a compare question
        (gold(type="compare", sources=[A, B], silent_sources=[C]), COMPARED, 0.5, 0.0),
        (gold(type="compare", sources=[A, C], silent_sources=[B]), COMPARED, 1.0, 1.0),
        (gold(type="compare", sources=[A], silent_sources=[B, "src-d"]), COMPARED, 1.0, 0.5),
        (gold(type="compare", sources=[A], silent_sources=[B]), ans(), 0.0, 0.0),  # no per_source
        (gold(type="compare", sources=[A], silent_sources=[B]), REFUSAL, 0.0, 0.0),
        (gold(type="compare", sources=[A]), COMPARED, 1.0, None),  # no silent sources
    ],
)
def test_compare_metrics(
    item: GoldItem, answer: Answer, coverage: float | None, silence: float | None
) -> None:
    assert source_coverage(item, answer).value == coverage
    assert silence_accuracy(item, answer).value == silence


def test_score_question_names_every_metric() -> None:
    scores = score_question(
        gold(sources=[A], must_include=[["answer"]]),
        ans(citations=[cite(1)], claims=[claim(1.0)], retrieved=[A]),
        0.5,
    )
    assert scores == {
        "source_recall_at_k": 1.0,
        "mrr": 1.0,
        "key_fact_recall": 1.0,
        "citation_validity": 1.0,
        "citation_precision": 1.0,
        "citation_source_recall": 1.0,
        "refusal_accuracy": 1.0,
        "source_coverage": None,
        "silence_accuracy": None,
    }


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 50, None),
        ([7.0], 95, 7.0),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),
        ([4.0, 1.0, 3.0, 2.0], 100, 4.0),
        ([10.0, 20.0], 95, 19.5),
    ],
)
def test_percentile(values: list[float], q: float, expected: float | None) -> None:
    assert percentile(values, q) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        ([None, None], None),
        ([1.0, None, 0.0], 0.5),
        ([0.25], 0.25),
    ],
)
def test_mean_skips_not_applicable(values: list[float | None], expected: float | None) -> None:
    assert mean(values) == expected


def test_aggregate_excludes_none_and_adds_latency() -> None:
    rows: list[dict[str, float | None]] = [
        {"mrr": 1.0, "judge_correctness": None},
        {"mrr": None, "judge_correctness": 0.5},
    ]
    out = aggregate(rows, [10.0, 30.0])
    assert out["mrr"] == 1.0
    assert out["key_fact_recall"] is None
    assert out["judge_correctness"] == 0.5
    assert (out["latency_p50_ms"], out["latency_p95_ms"]) == (20.0, 29.0)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"refusal_accuracy": 1.0, "key_fact_recall": None}, []),
        (
            {"refusal_accuracy": 0.0, "mrr": 0.0},
            ["refusal_accuracy 0.00"],
        ),  # retrieval is no failure
        ({"key_fact_recall": 0.5, "silence_accuracy": 1.0}, ["key_fact_recall 0.50"]),
    ],
)
def test_failure_reasons(scores: dict[str, float | None], expected: list[str]) -> None:
    assert failure_reasons(scores) == expected


# --- gold file validation -------------------------------------------------------------------

GOOD = {
    "id": "f1",
    "question": "Q?",
    "type": "fact",
    "answer": "A",
    "must_include": [["a"]],
    "sources": [A],
    "refuse": False,
    "silent_sources": [],
}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "g.jsonl:2: not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps(GOOD | {"type": "facts"}), "type: Input should be"),
        (json.dumps(GOOD | {"must_inclde": []}), "must_inclde: Extra inputs are not permitted"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "refuse"}), "refuse: Field required"),
        (json.dumps(GOOD | {"question": "  "}), "question"),
        (json.dumps(GOOD | {"must_include": [[]]}), "group 0 is empty"),
        (json.dumps(GOOD | {"must_include": [["ok", " "]]}), "blank alternative"),
        (json.dumps(GOOD | {"type": "unanswerable", "must_include": []}), "needs refuse: true"),
        (json.dumps(GOOD | {"refuse": True}), "contradicts must_include"),
        (json.dumps(GOOD | {"silent_sources": [A]}), "both in sources and silent_sources"),
        (json.dumps(GOOD | {"sources": [A, A]}), "lists a source id twice"),
    ],
)
def test_gold_errors_name_the_line_and_field(line: str, message: str) -> None:
    with pytest.raises(GoldError, match=message.replace("[", r"\[")):
        parse_gold(["", line], origin="g.jsonl")


def test_gold_parses_and_rejects_duplicates_and_empty_files() -> None:
    items = parse_gold([json.dumps(GOOD), "", json.dumps(GOOD | {"id": "f2"})])
    assert [i.id for i in items] == ["f1", "f2"]
    with pytest.raises(GoldError, match="duplicate id 'f1' \\(first on line 1\\)"):
        parse_gold([json.dumps(GOOD), json.dumps(GOOD)])
    with pytest.raises(GoldError, match="no gold questions"):
        parse_gold(["", "  "])


def test_check_sources_names_unknown_ids() -> None:
    check_sources([gold(sources=[A])], [A, B], "corpus")
    with pytest.raises(GoldError, match="src-x \\(in q1\\)"):
        check_sources([gold(sources=[A], silent_sources=["src-x"])], [A], "corpus")


# --- the gate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "value", "baseline", "expected"),
    [
        ("mrr", 0.80, 0.80, "same"),
        ("mrr", 0.85, 0.80, "better"),
        ("mrr", 0.79, 0.80, "worse"),  # within the 0.02 tolerance
        ("mrr", 0.78, 0.80, "worse"),  # exactly at the tolerance still passes
        ("mrr", 0.77, 0.80, "REGRESSED"),
        ("mrr", None, 0.80, "missing"),
        ("mrr", 0.5, None, "new"),
        ("latency_p95_ms", 900.0, 20.0, "info"),  # latency is reported, never gated
        ("judge_correctness", 0.1, 0.9, "info"),
    ],
)
def test_status_of(metric: str, value: float | None, baseline: float | None, expected: str) -> None:
    assert status_of(metric, value, baseline, tolerance=0.02) == expected


def test_compare_gates_overall_and_per_type() -> None:
    current: MetricTable = {"overall": {"mrr": 0.9, "key_fact_recall": None}, "fact": {"mrr": 0.5}}
    baseline: MetricTable = {
        "overall": {"mrr": 0.9},
        "fact": {"mrr": 0.6},
        "conflict": {"mrr": 1.0},
    }
    rows = compare(current, baseline, tolerance=0.02)
    assert [(r.group, r.metric, r.status) for r in rows] == [
        ("overall", "mrr", "same"),
        ("fact", "mrr", "REGRESSED"),
        ("conflict", "mrr", "missing"),
    ]
    assert rows[1].delta == -0.1
    assert [r.status for r in compare(current, None, 0.02)] == ["new", "new"]


# --- calibration ----------------------------------------------------------------------------


def _example(
    corpus: str, answerable: bool, dense: float, coverage: float, holds: bool = True
) -> Example:
    f = Features(coverage, dense, 0.0, 1.0, 0.0, 0.0, dense)
    return Example(corpus, f"{corpus}-{dense}-{coverage}", answerable, Judgement(f, holds))


def test_the_fit_separates_what_separates_and_the_threshold_answers_95_percent() -> None:
    rng = random.Random(0)
    examples = [
        _example(c, ok, rng.uniform(0.5, 0.9) if ok else rng.uniform(0.1, 0.55), rng.random())
        for c in ("seeds", "archive")
        for ok in (True, False)
        for _ in range(40)
    ]
    weights = fit(examples)
    assert weights["dense"] > 0 and abs(weights["coverage"]) < weights["dense"]  # noise weighs less
    cut = threshold(examples, weights)
    for corpus in ("seeds", "archive"):
        yes = [
            probability(e.features, weights)
            for e in examples
            if e.corpus == corpus and e.answerable
        ]
        assert sum(p >= cut for p in yes) / len(yes) >= 0.95
    summary = report(examples, weights, cut)
    assert all(row["refused"] > 0.5 for row in summary.values())  # type: ignore[index]


def test_the_threshold_counts_what_the_check_refuses() -> None:
    """Answerable examples the deterministic check refuses use up the 5% allowance, so the
    threshold drops to answer the rest; the fit never sees them."""
    answerable = [_example("seeds", True, 0.5 + i / 100, 0.5) for i in range(40)]
    unanswerable = [_example("seeds", False, 0.2 + i / 100, 0.5) for i in range(40)]
    weights = fit(answerable + unanswerable)
    alone = threshold(answerable + unanswerable, weights)
    refused = [_example("seeds", True, 0.95, 0.5, holds=False) for _ in range(2)]
    assert fit(answerable + unanswerable + refused) == weights  # not fitted on
    lower = threshold(answerable + unanswerable + refused, weights)
    assert lower < alone
    everyone = answerable + refused
    answered = sum(
        Judgement(e.features, e.judgement.holds).answers(lower, weights) for e in everyone
    )
    assert answered / len(everyone) >= 0.95


def test_auc() -> None:
    assert auc([0.1, 0.2], [0.6, 0.9]) == 1.0
    assert auc([0.5], [0.5]) == 0.5
    assert auc([], [0.5]) is None


# --- judge and provenance -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "faithful", "correct"),
    [
        ('{"faithfulness": 5, "correctness": 1}', 1.0, 0.0),
        ('Sure! {"faithfulness": 3, "correctness": 4} hope it helps', 0.5, 0.75),
        ('{"faithfulness": 9, "correctness": true}', None, None),  # out of range, not a number
        ("no json here", None, None),
        ("{broken", None, None),
    ],
)
def test_parse_verdict(reply: str, faithful: float | None, correct: float | None) -> None:
    assert parse_verdict(reply) == {"judge_faithfulness": faithful, "judge_correctness": correct}


def test_settings_dump_has_no_secrets() -> None:
    base = Settings(_env_file=None)
    settings = base.model_copy(
        update={"openai_api_key": SecretStr("sk-1"), "openai_base_url": "http://bob:pw-2@llm/v1"}
    )
    text = json.dumps(settings_dump(settings))
    assert "sk-1" not in text and "pw-2" not in text and "bob" not in text
    assert '"openai_base_url": "http://llm/v1"' in text
    assert '"generator": "extractive"' in text


def test_llm_judge_grades_answers_and_skips_refusals() -> None:
    from eval.judge import LLMJudge
    from tests.conftest import FakeChat

    chat = FakeChat(replies=['{"faithfulness": 5, "correctness": 3}'], calls=[])
    judge = LLMJudge(chat)
    item = gold(answer="Fourteen million euros.", sources=[A])
    assert judge(item, REFUSAL) == {"judge_faithfulness": None, "judge_correctness": None}
    scores = judge(item, ans("It costs 14 million. [1]", citations=[cite(1)]))
    assert scores == {"judge_faithfulness": 1.0, "judge_correctness": 0.5}
    prompt = " ".join(str(m.content) for m in chat.calls[0])
    assert "Fourteen million euros." in prompt and "[1] q" in prompt


def test_judge_is_off_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    from eval.judge import JudgeSettings, make_judge

    monkeypatch.delenv("RAG_JUDGE_BASE_URL", raising=False)
    monkeypatch.delenv("RAG_JUDGE_API_KEY", raising=False)
    assert not JudgeSettings(_env_file=None).enabled
    monkeypatch.setenv("RAG_JUDGE_BASE_URL", "http://127.0.0.1:9/v1")
    configured = JudgeSettings(_env_file=None)
    assert configured.enabled
    make_judge(Settings(_env_file=None), configured)  # builds a client, sends nothing


def test_splits_are_stable_when_questions_are_added() -> None:
    from eval.gold import GoldItem, splits

    def item(n: int) -> GoldItem:
        return GoldItem(id=f"q-{n}", question=f"Question {n}?", type="fact", refuse=False)

    before = splits([item(n) for n in range(40)])
    after = splits([item(n) for n in range(80)])
    assert all(after[k] == v for k, v in before.items())  # nothing moved
    assert 10 < sum(v == "calibration" for v in after.values()) < 70  # both parts used
