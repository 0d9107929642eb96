"""`rag eval` on a user's own gold file (fake embedder): scored whole, no baseline is not a
failure, a baseline written beside it gates the next run, Ctrl-C keeps what was scored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.runner import run_eval
from rag.cli import app
from rag.config import Settings
from tests.eval.conftest import GOLD, recording, write_inputs


def evaluate(settings: Settings, folder: Path, **kw: object) -> tuple[int, str]:
    corpus, gold = folder / "corpus", folder / "mine.jsonl"
    console, buffer = recording()
    options: dict[str, object] = {"baseline": None, "tolerance": 0.02, "out": folder / "r.json"}
    code = run_eval(
        settings, gold=gold, corpus=corpus, console=console, err=console, **(options | kw)
    )  # type: ignore[arg-type]
    return code, " ".join(buffer.getvalue().split())


def test_a_foreign_gold_file_is_scored_whole_and_exits_0_without_a_baseline(
    eval_settings: Settings, tmp_path: Path
) -> None:
    write_inputs(tmp_path)
    code, said = evaluate(eval_settings, tmp_path)
    assert code == 0, said
    doc = json.loads((tmp_path / "r.json").read_text())
    assert [q["id"] for q in doc["questions"]] == [g["id"] for g in GOLD]
    assert doc["run"]["gold"] | {"sha256": None} == {
        "path": str(tmp_path / "mine.jsonl"),
        "sha256": None,
        "split": "all",
        "questions": 10,
        "of": 10,
        "why": "all 10 questions: mine.jsonl records no split (no mine.meta.json)",
    }
    assert "scored 10: all 10 questions" in said
    assert said.count("nothing gated") == 1 and "mine.baseline.json" in said
    assert "FAIL" not in said and "REGRESSED" not in said
    assert doc["gate"]["baseline"] is None and not doc["gate"]["failed"]


def test_update_baseline_writes_it_beside_the_gold_file_and_the_next_run_passes(
    eval_settings: Settings, tmp_path: Path
) -> None:
    write_inputs(tmp_path)
    code, said = evaluate(eval_settings, tmp_path, update_baseline=True)
    assert code == 0 and "baseline written" in said
    baseline = json.loads((tmp_path / "mine.baseline.json").read_text())
    assert baseline["gold"]["split"] == "all" and baseline["gold"]["questions"] == 10
    code, said = evaluate(eval_settings, tmp_path)
    assert code == 0 and "PASS" in said and "nothing gated" not in said


def test_a_baseline_that_the_run_falls_below_exits_1(
    eval_settings: Settings, tmp_path: Path
) -> None:
    write_inputs(tmp_path)
    evaluate(eval_settings, tmp_path, update_baseline=True)
    path = tmp_path / "mine.baseline.json"
    baseline = json.loads(path.read_text())
    assert baseline["metrics"]["fact"]["key_fact_recall"] < 1.0  # q04 names "no such phrase"
    baseline["metrics"]["fact"]["key_fact_recall"] = 1.0
    path.write_text(json.dumps(baseline))
    code, said = evaluate(eval_settings, tmp_path)
    assert code == 1, said
    assert "REGRESSED" in said and "FAIL" in said and "fact/key_fact_recall" in said


def test_the_cli_exits_0_without_a_baseline_and_1_on_a_regression(
    cli_env: None, tmp_path: Path
) -> None:
    corpus, gold = write_inputs(tmp_path)
    args = ["eval", "--gold", str(gold), "--corpus", str(corpus), "--out", str(tmp_path / "r.json")]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert " ".join(first.output.split()).count("nothing gated") == 1
    assert CliRunner().invoke(app, [*args, "--update-baseline"]).exit_code == 0
    path = tmp_path / "mine.baseline.json"
    baseline = json.loads(path.read_text())
    baseline["metrics"]["overall"]["key_fact_recall"] = 1.0
    path.write_text(json.dumps(baseline))
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 1, second.output
    assert "overall/key_fact_recall" in second.output


def test_a_baseline_of_another_gold_file_gates_nothing_and_says_why(
    eval_settings: Settings, tmp_path: Path
) -> None:
    write_inputs(tmp_path)
    evaluate(eval_settings, tmp_path, update_baseline=True)
    write_inputs(tmp_path, GOLD[:3])  # the same name, other questions
    code, said = evaluate(eval_settings, tmp_path)
    assert code == 0, said
    assert said.count("nothing gated") == 1 and "another gold file" in said


def test_ctrl_c_writes_what_was_scored_and_gates_nothing(
    eval_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eval.harness

    write_inputs(tmp_path)
    evaluate(eval_settings, tmp_path, update_baseline=True)
    asked = eval.harness.ask_case
    calls: list[str] = []

    def ask_then_stop(pipe, case, *rest):  # type: ignore[no-untyped-def]
        calls.append(case.item.id)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return asked(pipe, case, *rest)

    monkeypatch.setattr(eval.harness, "ask_case", ask_then_stop)
    code, said = evaluate(eval_settings, tmp_path, update_baseline=True, report=tmp_path / "r.html")
    assert code == 130, said
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["run"]["interrupted"] is True
    assert [q["id"] for q in doc["questions"]] == ["q01", "q02", "q03"]
    assert doc["run"]["gold"]["of"] == 10 and not doc["gate"]["failed"]
    assert "interrupted after 3 of 10" in said
    assert json.loads((tmp_path / "mine.baseline.json").read_text())["gold"]["questions"] == 10
    assert "INTERRUPTED" in (tmp_path / "r.html").read_text()
