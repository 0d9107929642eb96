"""RealTime QA (Kasai et al., NeurIPS 2023): weekly news-quiz questions over news articles,
as in ../shared/corpora/realtimeqa-dev:

    questions.jsonl   {"id", "question", "question_date", "answer", "choices", "doc_ids",
                       "answer_in_docs"}
    articles/         one <source id>.txt per article (+ manifest.json)

PATH is that folder, or the questions file with `articles/` beside it (`--corpus` names
another articles folder). Every question is asked over all the articles as of its quiz
date ("this week" is that week), as one answer. `--limit N` asks the first N questions
and indexes only their own articles (`doc_ids`): quick, but easier than the whole archive.

Scored with the authors' generation metrics, `exact_match` and `f1` of the short answer
against the gold answer (SQuAD's normalisation; none scores ""), and `choice_accuracy`:
the answer names the right one of the quiz's choices and no other. Next to ours:
`key_fact_recall` (the gold answer in the answer text), `source_recall_at_k` (of its own
articles that hold the answer), refusal accuracy, `refused`.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

from eval.answer_metrics import exact_match, f1
from eval.archive import contains
from eval.benchmarks.base import BenchmarkError, Built, Limits, need, read_json_lines
from eval.benchmarks.squad import prediction
from eval.gold import GoldItem
from eval.harness import Case, Extra
from eval.metrics import FAILURE_CHECKS, answer_text, is_refused
from rag.documents.loading import MANIFEST
from rag.schema import Answer


def locate(path: Path, articles: Path | None) -> tuple[Path, Path]:
    """(questions file, articles folder) from PATH and an optional `--corpus`."""
    questions = path / "questions.jsonl" if path.is_dir() else path
    folder = articles or questions.parent / "articles"
    if not questions.is_file():
        raise BenchmarkError(f"no RealTime QA questions at {questions}")
    if not folder.is_dir():
        raise BenchmarkError(f"no articles folder at {folder} (give one with --corpus)")
    return questions, folder


def subset(folder: Path, ids: list[str], target: Path) -> Path:
    """A folder holding only the articles `ids` of `folder`, with their manifest entries."""
    target.mkdir()
    for source in ids:
        for found in folder.glob(f"{source}.*"):
            shutil.copy(found, target / found.name)
    manifest = folder / MANIFEST
    if manifest.is_file():
        entries = json.loads(manifest.read_text(encoding="utf-8"))
        kept = {k: v for k, v in entries.items() if k in set(ids)}
        (target / MANIFEST).write_text(json.dumps(kept), encoding="utf-8")
    return target


def holding(folder: Path, doc_ids: list[str], answer: str) -> list[str]:
    """Those of `doc_ids` whose article in `folder` holds `answer`."""
    return [
        d
        for d in doc_ids
        if (folder / f"{d}.txt").is_file()
        and contains((folder / f"{d}.txt").read_text(encoding="utf-8", errors="replace"), answer)
    ]


def question_case(
    row: dict[str, Any], number: int, where: str, folder: Path
) -> tuple[str, Case, list[str]]:
    """One quiz question: its id as given, its case (asked as of the quiz date) and its own
    articles (`doc_ids`)."""
    answer = str(need(row, "answer", where, (str, int, float)))
    doc_ids = [str(d) for d in row.get("doc_ids", [])]
    sources = holding(folder, doc_ids, answer)
    try:
        day = date.fromisoformat(str(need(row, "question_date", where, str)))
    except ValueError as exc:
        raise BenchmarkError(f"{where}: question_date is not YYYY-MM-DD") from exc
    qid = str(row.get("id", number))
    item = GoldItem(
        id=qid,
        question=need(row, "question", where, str),
        type="fact",
        answer=answer,
        must_include=[[answer]] if answer.strip() else [],
        sources=sources,
        refuse=False,
    )
    return qid, Case(item, as_of=day, mode="answer"), doc_ids


def scorer(choices: dict[str, list[str]]) -> Extra:
    """The authors' metrics, and which of the quiz's `choices` (by question id) is named."""

    def score(case: Case, answer: Answer) -> dict[str, float | None]:
        said, gold = prediction(answer), [case.item.answer]
        text = "" if is_refused(answer) else answer_text(answer)
        named = {c for c in choices[case.item.id] if contains(text, c)}
        return {
            "exact_match": exact_match(said, gold),
            "f1": f1(said, gold),
            "choice_accuracy": float(named == {case.item.answer})
            if choices[case.item.id]
            else None,
            "refused": 1.0 if is_refused(answer) else 0.0,
        }

    return score


def build(path: Path, workdir: Path, limits: Limits, articles: Path | None = None) -> Built:
    questions, folder = locate(path, articles)
    rows = list(read_json_lines(questions))
    rows = rows[: limits.questions] if limits.questions else rows
    cases: list[Case] = []
    choices: dict[str, list[str]] = {}
    own: list[str] = []
    for number, row in rows:
        qid, case, doc_ids = question_case(row, number, f"{questions}:{number}", folder)
        own += doc_ids
        choices[qid] = [str(c) for c in row.get("choices", [])]
        cases.append(case)
    if not cases:
        raise BenchmarkError(f"{questions}: no questions")
    corpus = (
        subset(folder, list(dict.fromkeys(own)), workdir / "corpus") if limits.questions else folder
    )
    scope = "their own articles" if limits.questions else f"all of {folder}"
    return Built(
        kind="realtimeqa",
        source=questions,
        cases=cases,
        corpus=corpus,
        extra=scorer(choices),
        headline=("exact_match", "f1", "choice_accuracy"),
        checks=(*FAILURE_CHECKS, "exact_match"),
        note=f"RealTime QA: {len(cases)} questions over {scope}",
        about={"articles": str(folder)},
    )
