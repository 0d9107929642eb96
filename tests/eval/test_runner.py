"""`rag eval` end to end on a tiny corpus and gold file written here (real MiniLM embedder)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from rag.cli import app
from rag.config import get_settings

pytestmark = pytest.mark.integration

ARTICLES = {
    "a_bridge": "Northport bridge to close for repairs\n"
    "The Northport harbor bridge will close for repairs on 3 May, the city transport office "
    "said. Engineer Lena Ortiz said the steel cables had corroded faster than expected. "
    "The repairs will cost 14 million euros and take six weeks.",
    "b_orchard": "Record apple harvest expected\n"
    "Apple growers in the Vell valley expect a record harvest this autumn. The growers' "
    "cooperative said warm spring weather and heavy rain in June helped the trees. "
    "Prices for apples are expected to fall by ten percent.",
    "c_council": "Council backs ferry terminal\n"
    "The Northport city council voted on Tuesday to build a new ferry terminal. Mayor Tom "
    "Reyes said the terminal would take traffic off the harbor bridge. The vote passed by "
    "seven votes to four.",
}
GOLD = [
    {
        "id": "f1",
        "question": "How much will the Northport harbor bridge repairs cost?",
        "type": "fact",
        "answer": "14 million euros",
        "must_include": [["14 million"]],
        "sources": ["a_bridge"],
        "refuse": False,
        "silent_sources": [],
    },
    {
        "id": "f2",
        "question": "What did the Northport city council vote to build?",
        "type": "fact",
        "answer": "A ferry terminal.",
        "must_include": [["ferry terminal"], ["no such phrase"]],
        "sources": ["c_council"],
        "refuse": False,
        "silent_sources": [],
    },
    {
        "id": "u1",
        "question": "Who won the 2022 football World Cup?",
        "type": "unanswerable",
        "answer": "",
        "must_include": [],
        "sources": [],
        "refuse": True,
        "silent_sources": [],
    },
    {
        "id": "c1",
        "question": "What does each source say about the harbor bridge?",
        "type": "compare",
        "answer": "",
        "must_include": [["bridge"]],
        "sources": ["a_bridge", "c_council"],
        "refuse": False,
        "silent_sources": ["b_orchard"],
    },
]


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def write_inputs(folder: Path, gold: list[dict[str, Any]] = GOLD) -> tuple[Path, Path]:
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    for stem, text in ARTICLES.items():
        (corpus / f"{stem}.txt").write_text(text + "\n", encoding="utf-8")
    gold_file = folder / "gold.jsonl"
    gold_file.write_text("\n".join(json.dumps(g) for g in gold) + "\n", encoding="utf-8")
    return corpus, gold_file


def run_eval(folder: Path, *extra: str) -> Result:
    args = [
        "eval",
        "--corpus",
        str(folder / "corpus"),
        "--gold",
        str(folder / "gold.jsonl"),
        "--baseline",
        str(folder / "baseline.json"),
        "--out",
        str(folder / "results.json"),
        "--split",
        "all",  # a handful of questions here: all of them (the default for an unsplit file)
        *extra,
    ]
    return CliRunner().invoke(app, args)


@pytest.fixture(scope="module")
def baselined(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """Inputs plus a baseline made by one `--update-baseline --report` run."""
    get_settings.cache_clear()
    folder = tmp_path_factory.mktemp("eval")
    write_inputs(folder)
    result = run_eval(folder, "--update-baseline", "--report", str(folder / "report.html"))
    return folder, result


def test_update_baseline_writes_results_baseline_and_report(baselined: tuple[Path, Result]) -> None:
    folder, result = baselined
    assert result.exit_code == 0, result.output
    assert "baseline written" in result.output

    doc = json.loads((folder / "results.json").read_text())
    assert set(doc) >= {"run", "metrics", "applicable", "questions", "gate"}
    assert set(doc["metrics"]) == {"overall", "fact", "unanswerable", "compare"}
    assert doc["metrics"]["fact"]["key_fact_recall"] == 0.75  # f2 misses "no such phrase"
    assert doc["metrics"]["unanswerable"]["refusal_accuracy"] == 1.0
    assert doc["run"]["config"]["generator"] == "extractive"
    assert "openai_api_key" not in doc["run"]["config"]
    assert doc["run"]["corpus"]["indexed"] == 3
    assert {"git_sha", "versions"} <= set(doc["run"])
    by_id = {q["id"]: q for q in doc["questions"]}
    assert by_id["f1"]["retrieved"][0] == "a_bridge"
    assert by_id["f2"]["must_include"] == [
        {"alternatives": ["ferry terminal"], "passed": True},
        {"alternatives": ["no such phrase"], "passed": False},
    ]
    assert by_id["u1"]["mode"] == "refusal"

    baseline = json.loads((folder / "baseline.json").read_text())
    assert baseline["metrics"] == doc["metrics"]
    assert baseline["failing"] == sorted(q["id"] for q in doc["questions"] if q["failures"])

    html = (folder / "report.html").read_text()
    assert html.startswith("<!doctype html>") and "<svg" in html and "f2" in html
    for external in ("<link", "<script", "src=", "url(", "@import"):
        assert external not in html


def test_passes_against_its_own_baseline(baselined: tuple[Path, Result]) -> None:
    folder, _ = baselined
    result = run_eval(folder)
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output and "REGRESSED" not in result.output


def test_fails_when_the_baseline_is_higher(baselined: tuple[Path, Result], tmp_path: Path) -> None:
    folder, _ = baselined
    baseline = json.loads((folder / "baseline.json").read_text())
    baseline["metrics"]["fact"]["key_fact_recall"] = 1.0  # this run gives 0.75
    doctored = tmp_path / "higher.json"
    doctored.write_text(json.dumps(baseline))
    result = run_eval(folder, "--baseline", str(doctored))
    assert result.exit_code == 1, result.output
    assert "REGRESSED" in result.output and "fact/key_fact_recall" in result.output


def test_fails_on_a_degraded_setting(
    baselined: tuple[Path, Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _ = baselined
    monkeypatch.setenv("RAG_REFUSAL_THRESHOLD", "0.99")  # refuses (nearly) everything,
    monkeypatch.setenv("RAG_READER_REFUSAL_THRESHOLD", "0.99")  # with the reader on too
    result = run_eval(folder, "--out", str(folder / "degraded.json"))
    assert result.exit_code == 1, result.output
    assert "refusal_accuracy" in result.output and "newly failing" in result.output


@pytest.mark.parametrize(
    ("gold", "message"),
    [
        ([GOLD[0] | {"type": "trivia"}], "gold.jsonl:1 (id 'f1'): type"),
        ([GOLD[0] | {"sources": ["nowhere"]}], "nowhere (in f1)"),
    ],
)
def test_bad_gold_exits_2_with_a_clear_error(
    tmp_path: Path, gold: list[dict[str, Any]], message: str
) -> None:
    write_inputs(tmp_path, gold)
    result = run_eval(tmp_path)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_calibrate_fits_on_the_calibration_split_only(tmp_path: Path) -> None:
    from eval.calibrate import main as calibrate
    from eval.gold import load_gold, splits

    extra = {**GOLD[2], "id": "u2", "question": "Which airline flies from Northport to Vell?"}
    corpus, gold_file = write_inputs(tmp_path, [*GOLD, extra])  # u2, f2 and c1: calibration
    out = tmp_path / "calibration.json"
    calibrate(["--gold", str(gold_file), "--corpus", str(corpus), "--out", str(out)])
    data = json.loads(out.read_text())
    parts = splits(load_gold(gold_file))
    used = {e["id"] for e in data["examples"]}
    assert used and all(parts[i] == "calibration" for i in used)  # held-out never read
    assert "c1" not in used  # compare mode does not refuse: left out
    assert set(data["weights"]) >= {"bias", "coverage", "dense"} and 0 < data["threshold"] < 1
    assert data["calibration"]["seeds"]["answered"] >= 0.95


def test_another_gold_file_has_no_baseline_instead_of_regressions(
    baselined: tuple[Path, Result], tmp_path: Path
) -> None:
    folder, _ = baselined
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps(GOLD[0]) + "\n", encoding="utf-8")  # one question of the four
    result = run_eval(folder, "--gold", str(other), "--out", str(tmp_path / "r.json"))
    flat = " ".join(result.output.split())
    assert result.exit_code == 0, result.output  # nothing regressed: nothing to fail
    assert flat.count("nothing gated") == 1 and "another gold file" in flat
    assert "REGRESSED" not in result.output and "FAIL" not in result.output
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["gate"]["baseline"] is None and not doc["gate"]["failed"]


def test_another_split_of_the_same_gold_has_no_baseline(baselined: tuple[Path, Result]) -> None:
    folder, _ = baselined
    result = run_eval(folder, "--split", "heldout", "--out", str(folder / "held.json"))
    flat = " ".join(result.output.split())
    assert result.exit_code == 0 and "nothing gated" in flat and "'all' split" in flat
