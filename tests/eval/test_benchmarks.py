"""Benchmark readers on small files in each set's published format, and `rag eval
--benchmark` end to end over the fake embedder. The shared data (../shared) is used
where it is on this machine, and its tests skip with a message where it is not."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from eval.benchmarks import claims, realtimeqa, rgb, squad
from eval.benchmarks.base import BenchmarkError, Limits
from rag.cli import app
from rag.schema import Answer, DisagreementRef, Mode, Side
from tests.conftest import ROOT

SHARED = ROOT.parent / "shared"
SQUAD_TRAIN = SHARED / "datasets" / "squad-v1.1-train" / "train-v1.1.json"
REALTIMEQA = SHARED / "corpora" / "realtimeqa-dev"
FM2, WICE = SHARED / "datasets" / "fm2" / "dev.jsonl", SHARED / "datasets" / "wice" / "dev.jsonl"


def shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not on this machine (the shared data sets, ../shared)")
    return path


def lines(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def said(text: str, mode: Mode = "answer", **kw: Any) -> Answer:
    return Answer(question="q", answer=text, mode=mode, generator="extractive", **kw)


# SQuAD -------------------------------------------------------------------------------------


def test_squad_reads_the_shared_train_file_a_few_articles(tmp_path: Path) -> None:
    path = shared(SQUAD_TRAIN)
    built = squad.build(path, tmp_path, Limits(articles=3))
    data = json.loads(path.read_text())["data"][:3]
    assert len(list(built.corpus.glob("*.txt"))) == 3
    assert len(built.cases) == sum(len(p["qas"]) for a in data for p in a["paragraphs"])
    assert built.headline == ("exact_match", "f1")  # 1.1: every question has an answer
    first = data[0]["paragraphs"][0]["qas"][0]
    case = next(c for c in built.cases if c.item.question == first["question"])
    text = (built.corpus / f"{case.item.sources[0]}.txt").read_text()
    assert first["answers"][0]["text"] in text and data[0]["paragraphs"][1]["context"] in text
    assert case.item.must_include == [[first["answers"][0]["text"]]] and not case.item.refuse


def test_squad_limit_takes_questions_from_each_article_in_turn(tmp_path: Path) -> None:
    built = squad.build(shared(SQUAD_TRAIN), tmp_path, Limits(articles=3, questions=6))
    sources = [c.item.sources[0] for c in built.cases]
    assert len(sources) == 6 and len(set(sources[:3])) == 3 and sources[:3] == sources[3:]


def test_squad_that_is_not_squad_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"data": [{"title": "T", "paragraphs": [{"qas": []}]}]}))
    with pytest.raises(BenchmarkError, match=r"data\[0\]\.paragraphs\[0\]: no 'context'"):
        squad.build(path, tmp_path, Limits())


def test_rag_eval_benchmark_squad_writes_results_and_report(cli_env: None, tmp_path: Path) -> None:
    out, report = tmp_path / "squad.json", tmp_path / "squad.html"
    args = ["eval", "--benchmark", "squad", str(shared(SQUAD_TRAIN)), "--limit-articles", "2"]
    result = CliRunner().invoke(
        app, [*args, "--limit", "6", "--out", str(out), "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["benchmark"]["kind"] == "squad" and len(doc["questions"]) == 6
    assert {"exact_match", "f1", "source_recall_at_k", "key_fact_recall", "refused"} <= set(
        doc["metrics"]["overall"]
    )
    assert doc["run"]["gold"]["why"] == "SQuAD 1.1: 2 articles, 6 questions"
    assert doc["run"]["corpus"]["indexed"] == 2 and doc["run"]["corpus"]["path"].startswith(
        "(temporary"
    )
    html = report.read_text()
    assert "exact_match" in html and "REPORTED" in html and "<script" not in html


# RGB ---------------------------------------------------------------------------------------

RGB_LINES = [  # en.json, en_int.json and en_fact.json lines, as the RGB repository has them
    {
        "id": 0,
        "query": "Who won the 2022 Harbour Cup?",
        "answer": [["Vell Rovers", "the Rovers"]],
        "positive": ["The Vell Rovers won the 2022 Harbour Cup, beating Northport 2-1."],
        "negative": ["The Harbour Cup is a football tournament held in Northport every year."],
    },
    {
        "id": 1,
        "query": "When did the bridge close and when did it reopen?",
        "answer": ["3 May", ["12 June", "June 12"]],
        "positive": [["The bridge closed on 3 May."], ["The bridge reopened on 12 June."]],
        "negative": ["The bridge carries 40,000 cars a day."],
    },
    {
        "id": 2,
        "query": "Who acquired Lumen Apps?",
        "answer": "Orbit Media",
        "fakeanswer": "Polar Systems",
        "positive": ["Orbit Media acquired Lumen Apps in 2019."],
        "positive_wrong": ["Polar Systems acquired Lumen Apps in 2019."],
        "negative": ["Lumen Apps makes photo software."],
    },
]


def test_rgb_lines_become_answerable_negative_and_counterfactual_questions(tmp_path: Path) -> None:
    built = rgb.build(lines(tmp_path / "en.json", RGB_LINES), tmp_path, Limits())
    cases = {c.item.id: c for c in built.cases}
    assert list(cases) == ["rgb-0", "rgb-0-neg", "rgb-1", "rgb-1-neg", "rgb-2-cf"]
    assert cases["rgb-0"].item.must_include == [["Vell Rovers", "the Rovers"]]
    assert cases["rgb-1"].item.must_include == [["3 May"], ["12 June", "June 12"]]
    assert cases["rgb-1"].item.sources == ["rgb-1-pos0", "rgb-1-pos1"]  # nested lists, flattened
    assert cases["rgb-0"].filters is not None
    assert set(cases["rgb-0"].filters.sources) == {"rgb-0-pos0", "rgb-0-neg0"}
    neg = cases["rgb-0-neg"]
    assert neg.item.refuse and neg.filters is not None and neg.filters.sources == ("rgb-0-neg0",)
    cf = cases["rgb-2-cf"]
    assert cf.item.type == "conflict" and cf.filters is not None
    assert set(cf.filters.sources) == {"rgb-2-pos0", "rgb-2-wrong0"}
    passage = (built.corpus / "rgb-2-wrong0.txt").read_text()
    assert passage.strip() == "Polar Systems acquired Lumen Apps in 2019."
    assert len(list(built.corpus.glob("*.txt"))) == 7  # a counterfactual line: no negatives


def test_rgb_scores_accuracy_rejection_and_counterfactuals_as_its_authors_do(
    tmp_path: Path,
) -> None:
    built = rgb.build(lines(tmp_path / "en.json", RGB_LINES), tmp_path, Limits())
    cases = {c.item.id: c for c in built.cases}
    both = built.extra(cases["rgb-1"], said("It closed on 3 May and reopened on June 12. [1]"))
    half = built.extra(cases["rgb-1"], said("It closed on 3 May. [1]"))
    assert both["accuracy"] == 1.0 and half["accuracy"] == 0.0  # every part of the answer
    assert built.extra(cases["rgb-0"], said("No.", mode="refusal"))["accuracy"] == 0.0
    assert built.extra(cases["rgb-0-neg"], said("No.", mode="refusal"))["negative_rejection"] == 1.0
    assert built.extra(cases["rgb-0-neg"], said("A tournament. [1]"))["negative_rejection"] == 0.0
    fooled = built.extra(cases["rgb-2-cf"], said("Polar Systems acquired it. [1]"))
    assert fooled["counterfactual_misled"] == 1.0 and fooled["counterfactual_correct"] == 0.0
    side = [Side(label="a", n=1, quote="q"), Side(label="b", n=2, quote="q")]
    flagged = built.extra(
        cases["rgb-2-cf"],
        said(
            "Orbit Media or Polar Systems. [1][2]",
            disagreements=[DisagreementRef(term="x", sides=side)],
        ),
    )
    assert flagged["counterfactual_correct"] == 1.0 and flagged["counterfactual_misled"] == 0.0
    assert flagged["conflict_flagged"] == 1.0 and flagged["refusal_accuracy"] is None


def test_rgb_line_without_query_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkError, match=r"en\.json:2: an RGB line has 'query'"):
        rgb.build(lines(tmp_path / "en.json", [RGB_LINES[0], {"id": 9}]), tmp_path, Limits())


def test_rag_eval_benchmark_rgb_runs_end_to_end(cli_env: None, tmp_path: Path) -> None:
    path, out = lines(tmp_path / "en.json", RGB_LINES), tmp_path / "rgb.json"
    result = CliRunner().invoke(app, ["eval", "--benchmark", "rgb", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert [q["id"] for q in doc["questions"]] == [
        "rgb-0",
        "rgb-0-neg",
        "rgb-1",
        "rgb-1-neg",
        "rgb-2-cf",
    ]
    overall = doc["metrics"]["overall"]
    assert {"accuracy", "negative_rejection", "counterfactual_correct", "conflict_flagged"} <= set(
        overall
    )
    assert set(doc["metrics"]) == {"overall", "fact", "unanswerable", "conflict"}
    assert "RGB: 3 lines, 5 questions" in " ".join(result.output.split())


# RealTime QA -------------------------------------------------------------------------------


def quiz(folder: Path) -> Path:
    articles = folder / "articles"
    articles.mkdir(parents=True)
    for stem, text in {
        "rtqa_a": "Nashville school shooting\nA shooting at a school in Nashville left six dead.",
        "rtqa_b": "Senate vote\nThe Senate voted to end the national emergency for Covid-19.",
        "rtqa_c": "Weather\nRain is expected across the Midwest this weekend.",
    }.items():
        (articles / f"{stem}.txt").write_text(text)
    (articles / "manifest.json").write_text(
        json.dumps(
            {
                s: {"outlet": "CNN", "published": "2023/03/28"}
                for s in ("rtqa_a", "rtqa_b", "rtqa_c")
            }
        )
    )
    rows = [
        {
            "id": "20230331_0",
            "question": "A school shooting occurred in which city this week?",
            "question_date": "2023-03-30",
            "answer": "Nashville",
            "choices": ["Houston", "Sacramento", "Nashville", "Portland"],
            "doc_ids": ["rtqa_a", "rtqa_c"],
            "answer_in_docs": True,
        },
        {
            "id": "20230331_1",
            "question": "The Senate voted to end the national emergency for which virus?",
            "question_date": "2023-03-31",
            "answer": "Covid-19",
            "choices": ["Flu", "RSV", "Measles", "Covid-19"],
            "doc_ids": ["rtqa_b"],
            "answer_in_docs": True,
        },
    ]
    return lines(folder / "questions.jsonl", rows)


def test_realtimeqa_asks_each_quiz_question_as_of_its_date(tmp_path: Path) -> None:
    quiz(tmp_path / "rtqa")
    built = realtimeqa.build(tmp_path / "rtqa", tmp_path, Limits())
    first, second = built.cases
    assert first.as_of == date(2023, 3, 30) and second.as_of == date(2023, 3, 31)
    assert first.item.sources == ["rtqa_a"]  # of its own articles, those holding the answer
    assert first.item.must_include == [["Nashville"]] and first.mode == "answer"
    assert built.corpus == tmp_path / "rtqa" / "articles"  # the whole archive
    named = built.extra(first, said("A shooting in Nashville left six dead. [1]"))
    assert named["choice_accuracy"] == 1.0 and named["exact_match"] == 0.0  # no short answer
    assert built.extra(first, said("Nashville or Houston. [1]"))["choice_accuracy"] == 0.0


def test_realtimeqa_limit_indexes_only_the_questions_own_articles(tmp_path: Path) -> None:
    quiz(tmp_path / "rtqa")
    built = realtimeqa.build(tmp_path / "rtqa" / "questions.jsonl", tmp_path, Limits(questions=1))
    assert sorted(p.name for p in built.corpus.iterdir()) == [
        "manifest.json",
        "rtqa_a.txt",
        "rtqa_c.txt",
    ]
    assert set(json.loads((built.corpus / "manifest.json").read_text())) == {"rtqa_a", "rtqa_c"}


def test_realtimeqa_reads_the_shared_archive(tmp_path: Path) -> None:
    built = realtimeqa.build(shared(REALTIMEQA), tmp_path, Limits(questions=5))
    rows = [json.loads(x) for x in (REALTIMEQA / "questions.jsonl").read_text().splitlines()[:5]]
    assert [c.item.id for c in built.cases] == [r["id"] for r in rows]
    assert [c.as_of for c in built.cases] == [date.fromisoformat(r["question_date"]) for r in rows]
    wanted = {d for r in rows for d in r["doc_ids"]}
    assert {p.stem for p in built.corpus.glob("*.txt")} == wanted


# Claims (FM2, WiCE) ------------------------------------------------------------------------


def test_claims_reads_fm2_and_wice_lines(tmp_path: Path) -> None:
    fm2 = {
        "id": "f1",
        "text": "The repairs cost 14 million euros.",
        "label": "SUPPORTS",
        "wikipedia_page": "Northport Bridge",
        "gold_evidence": [
            {"section_header": "Repairs", "text": "The repairs cost 14 million euros."}
        ],
    }
    article = [f"Sentence {i} about the harbour." for i in range(8)]
    article[5] = "The mayor said the ferry terminal opens in 2026."
    wice = {
        "claim": "The ferry terminal opens in 2026, the mayor said.",
        "label": "partially_supported",
        "evidence": ["(meta data) TITLE: Northport News", *article],
        "supporting_sentences": [[6]],
    }
    read = claims.read_claims(lines(tmp_path / "c.jsonl", [fm2, wice]), Limits())
    assert read[0].quotes == ("The repairs cost 14 million euros.",) and read[0].supported
    assert read[0].context == ("Northport Bridge", "Repairs")
    assert len(read[1].quotes) == 3 and article[5] in read[1].quotes  # chosen by overlap
    assert read[1].context == ("Northport News",) and not read[1].supported


def test_claims_balanced_accuracy_of_the_support_check(cli_env: None, tmp_path: Path) -> None:
    quote = [{"text": "The repairs will cost 14 million euros, the city said."}]
    rows = [
        {
            "id": "kept",
            "claim": "The repairs will cost 14 million euros.",
            "label": "SUPPORTS",
            "gold_evidence": quote,
        },
        {
            "id": "lost",
            "claim": "The repairs will cost 15 million euros.",
            "label": "SUPPORTS",
            "gold_evidence": quote,
        },
        {
            "id": "caught",
            "claim": "The repairs will cost 20 million euros.",
            "label": "REFUTES",
            "gold_evidence": quote,
        },
    ]
    path, out = lines(tmp_path / "c.jsonl", rows), tmp_path / "claims.json"
    result = CliRunner().invoke(
        app, ["eval", "--benchmark", "claims", str(path), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["metrics"]["overall"] == {
        "balanced_accuracy": 0.75,  # (kept 1/2 + caught 1/1) / 2
        "supported_kept": 0.5,
        "unsupported_caught": 1.0,
        "accuracy": 0.6667,
    }
    assert doc["metrics"]["SUPPORTS"] == {"accuracy": 0.5}
    assert [q["id"] for q in doc["questions"] if q["failures"]] == ["lost"]


def test_claims_unknown_label_names_the_line(tmp_path: Path) -> None:
    path = lines(tmp_path / "c.jsonl", [{"claim": "x", "label": "MAYBE", "evidence": "y"}])
    with pytest.raises(BenchmarkError, match=r"c\.jsonl:1: label 'MAYBE'"):
        claims.read_claims(path, Limits())


@pytest.mark.parametrize("path", [FM2, WICE], ids=["fm2", "wice"])
def test_claims_reads_the_shared_sets(path: Path) -> None:
    read = claims.read_claims(shared(path), Limits(questions=40))
    assert len(read) == 40 and all(c.quotes and c.claim for c in read)
    assert {c.supported for c in read} == {True, False}
