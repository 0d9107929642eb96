"""Two setups side by side: each metric for A and B and the difference, and the questions
whose outcome changed with both answers, from two results files (`--compare`) or two
`--set` setups in one run; plus the running figures a long run shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from eval.progress import figures
from eval.setups import parse_setting
from eval.sidebyside import side_by_side
from rag.cli import app
from rag.errors import ConfigError
from tests.eval.conftest import write_inputs


def question(
    qid: str, failures: list[str], answer: str, short: str | None = None
) -> dict[str, Any]:
    return {
        "id": qid,
        "type": "fact",
        "question": f"Question {qid}?",
        "mode": "answer",
        "answer": answer,
        "short_answer": short,
        "failures": failures,
    }


def results(
    reader: str, metrics: dict[str, dict[str, float | None]], questions: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "run": {
            "started": "2026-12-01T10:00:00+00:00",
            "config": {"generator": "extractive", "reader": reader, "data_dir": "(temporary)"},
            "gold": {"path": "g.jsonl", "sha256": "g"},
            "corpus": {"path": "c", "sha256": "c"},
        },
        "metrics": metrics,
        "questions": questions,
    }


A = results(
    "none",
    {"overall": {"exact_match": 0.25, "refusal_accuracy": 1.0, "latency_p50_ms": 40.0}},
    [
        question("q1", [], "The Broncos won. [1]", "Broncos"),
        question("q2", ["exact_match 0.00"], "Carolina lost. [1]"),
        question("q3", [], "Levi's Stadium. [1]"),
    ],
)
B = results(
    "local",
    {
        "overall": {"exact_match": 0.5, "refusal_accuracy": 0.9, "latency_p50_ms": 55.0},
        "fact": {"exact_match": 0.5},
    },
    [
        question("q1", ["refusal_accuracy 0.00"], "The sources don't cover this."),
        question("q2", [], "Denver beat Carolina. [1]", "Denver"),
        question("q3", [], "At Levi's Stadium. [1]"),
    ],
)


def test_each_metric_of_a_and_b_with_the_difference() -> None:
    rows = {(r["group"], r["metric"]): r for r in side_by_side(A, B)["metrics"]}
    assert rows[("overall", "exact_match")] == {
        "group": "overall",
        "metric": "exact_match",
        "a": 0.25,
        "b": 0.5,
        "delta": 0.25,
    }
    assert rows[("overall", "refusal_accuracy")]["delta"] == -0.1
    assert rows[("overall", "latency_p50_ms")]["delta"] == 15.0
    assert (
        rows[("fact", "exact_match")]["a"] is None
        and rows[("fact", "exact_match")]["delta"] is None
    )


def test_questions_whose_outcome_changed_with_both_answers() -> None:
    comparison = side_by_side(A, B)
    assert [(c["id"], c["change"]) for c in comparison["changed"]] == [
        ("q1", "broke"),
        ("q2", "fixed"),
    ]
    broke = comparison["changed"][0]
    assert broke["a"] == {
        "passed": True,
        "failures": [],
        "mode": "answer",
        "answer": "The Broncos won. [1]",
        "short_answer": "Broncos",
    }
    assert broke["b"]["answer"] == "The sources don't cover this." and not broke["b"]["passed"]
    assert comparison["settings_differ"] == {"reader": ["none", "local"]}
    assert comparison["questions"] | {"only_a": [], "only_b": []} == {
        "both": 3,
        "only_a": [],
        "only_b": [],
        "fixed": 1,
        "broke": 1,
    }
    assert comparison["notes"] == []


def test_rag_eval_compare_prints_and_writes_one_table(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(A))
    (tmp_path / "b.json").write_text(json.dumps(B))
    out, report = tmp_path / "cmp.json", tmp_path / "cmp.html"
    args = ["eval", "--compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--report", str(report)])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "exact_match 0.250 0.500 +0.250" in flat
    assert "settings that differ: reader 'none' -> 'local'" in flat
    assert "broke q1" in flat and "The Broncos won." in flat and "The sources don't cover" in flat
    assert json.loads(out.read_text())["changed"][1]["id"] == "q2"
    html = report.read_text()
    assert (
        html.startswith("<!doctype html>") and "+0.250" in html and "Denver beat Carolina" in html
    )
    assert "<script" not in html and "<link" not in html


def test_compare_of_a_file_that_is_not_results_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(A))
    (tmp_path / "b.json").write_text("[1, 2]")
    result = CliRunner().invoke(
        app, ["eval", "--compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")]
    )
    assert result.exit_code == 2
    assert "b.json: not a results file" in " ".join(result.output.split())


def test_two_sets_run_both_setups_and_write_the_side_by_side(cli_env: None, tmp_path: Path) -> None:
    corpus, gold = write_inputs(tmp_path)
    out = tmp_path / "r.json"
    args = ["eval", "--gold", str(gold), "--corpus", str(corpus), "--out", str(out)]
    sets = ["--set", "refusal_threshold=0.01", "--set", "RAG_REFUSAL_THRESHOLD=0.99"]
    result = CliRunner().invoke(app, [*args, *sets])
    assert result.exit_code == 0, result.output
    a, b = (json.loads((tmp_path / f"r.{k}.json").read_text()) for k in "ab")
    assert (
        a["run"]["config"]["refusal_threshold"] == 0.01
        and a["run"]["setup"] == "refusal_threshold=0.01"
    )
    assert b["run"]["config"]["refusal_threshold"] == 0.99
    comparison = json.loads((tmp_path / "r.compare.json").read_text())
    assert comparison["settings_differ"]["refusal_threshold"] == [0.01, 0.99]
    assert "refusal_accuracy" in {r["metric"] for r in comparison["metrics"]}
    assert not (tmp_path / "mine.baseline.json").exists()  # a side-by-side run gates nothing


@pytest.mark.parametrize(
    ("text", "message"),
    [("top_k", "NAME=VALUE"), ("colour=red", "no setting 'colour'"), ("", "NAME=VALUE")],
)
def test_a_bad_set_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_setting(text)


def test_set_names_may_be_written_as_environment_variables() -> None:
    assert parse_setting("RAG_TOP_K=4, reader=none") == {"top_k": "4", "reader": "none"}


def test_three_sets_exit_2(cli_env: None, tmp_path: Path) -> None:
    corpus, gold = write_inputs(tmp_path)
    args = ["eval", "--gold", str(gold), "--corpus", str(corpus)]
    result = CliRunner().invoke(
        app, [*args, "--set", "top_k=2", "--set", "top_k=3", "--set", "top_k=4"]
    )
    assert result.exit_code == 2 and "twice" in result.output


def test_running_figures_are_the_means_so_far_of_the_headline_metrics() -> None:
    rows = [
        {"exact_match": 1.0, "f1": 1.0},
        {"exact_match": 0.0, "f1": 0.5, "other": 3.0},
        {"f1": None},
    ]
    assert figures(rows, ("exact_match", "f1", "no_answer_accuracy")) == "EM 0.500 · F1 0.750"
