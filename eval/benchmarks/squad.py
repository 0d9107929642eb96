"""SQuAD 1.1 and 2.0, read from the published JSON:

    {"version", "data": [{"title", "paragraphs": [{"context", "qas": [{"id", "question",
      "answers": [{"text", "answer_start"}], "is_impossible"}]}]}]}

Each article becomes one article of a temporary corpus (its paragraphs in order, blank
lines between, titled with its title) and every question is asked over all of them, so
finding the right article is part of the test. `--limit-articles N` keeps the first N
articles; `--limit N` the first N questions, taken in turn from each article.

Scored as SQuAD's official evaluation scores it (eval/answer_metrics.py): `exact_match`
and `f1` of the short answer against the gold answers (best over them; a refusal, or an
answer without a short answer, predicts "", which is right only for a 2.0 unanswerable
question). `no_answer_accuracy` (2.0): of the unanswerable questions, the share refused.
Next to ours: `source_recall_at_k` (the question's article retrieved), `key_fact_recall`
(answer containment: a gold answer in the answer text), `refusal_accuracy`, `refused`.
"""

from __future__ import annotations

import json
from itertools import zip_longest
from pathlib import Path
from typing import Any

from eval.answer_metrics import exact_match, f1
from eval.benchmarks.base import BenchmarkError, Built, Limits, need, slug, write_article
from eval.gold import GoldItem
from eval.harness import Case
from eval.metrics import FAILURE_CHECKS, is_refused
from rag.schema import Answer


def read_squad(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """(version, articles) of a SQuAD JSON file, its structure checked."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BenchmarkError(f"no such file {path}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BenchmarkError(f"{path}: not SQuAD JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise BenchmarkError(f"{path}: SQuAD JSON has a 'data' list of articles")
    for i, article in enumerate(data["data"]):
        where = f"{path}: data[{i}]"
        if not isinstance(article, dict):
            raise BenchmarkError(f"{where}: expected an object")
        need(article, "title", where, str)
        for j, paragraph in enumerate(need(article, "paragraphs", where, list)):
            need(paragraph, "context", f"{where}.paragraphs[{j}]", str)
            for k, qa in enumerate(need(paragraph, "qas", f"{where}.paragraphs[{j}]", list)):
                at = f"{where}.paragraphs[{j}].qas[{k}]"
                need(qa, "question", at, str)
                need(qa, "answers", at, list)
    return str(data.get("version", "")), data["data"]


def golds_of(qa: dict[str, Any]) -> list[str]:
    """The gold answers as the official v2 script takes them: "" when there is none."""
    texts = [
        a["text"] for a in qa["answers"] if isinstance(a, dict) and str(a.get("text", "")).strip()
    ]
    return list(dict.fromkeys(texts)) or [""]


def prediction(answer: Answer) -> str:
    """What SQuAD scores: the short answer, "" for a refusal or none."""
    if is_refused(answer) or answer.short_answer is None:
        return ""
    return answer.short_answer.text


def build(path: Path, workdir: Path, limits: Limits) -> Built:
    version, articles = read_squad(path)
    articles = articles[: limits.articles] if limits.articles else articles
    v2 = version.startswith("v2") or any(
        "is_impossible" in qa for a in articles for p in a["paragraphs"] for qa in p["qas"]
    )
    corpus = workdir / "corpus"
    corpus.mkdir()
    per_article: list[list[Case]] = []
    golds: dict[str, list[str]] = {}
    for i, article in enumerate(articles):
        source = f"squad-{i:03d}-{slug(article['title'])}"
        paragraphs = [p["context"] for p in article["paragraphs"]]
        write_article(corpus, source, "\n\n".join(paragraphs), article["title"].replace("_", " "))
        cases = []
        for j, paragraph in enumerate(article["paragraphs"]):
            for k, qa in enumerate(paragraph["qas"]):
                qid = str(qa.get("id") or f"{i}-{j}-{k}")
                impossible = bool(qa.get("is_impossible")) or golds_of(qa) == [""]
                golds[qid] = golds_of(qa)
                item = GoldItem(
                    id=qid,
                    question=qa["question"],
                    type="unanswerable" if impossible else "fact",
                    answer=" | ".join(g for g in golds[qid] if g),
                    must_include=[] if impossible else [golds[qid]],
                    sources=[source],
                    refuse=impossible,
                )
                cases.append(Case(item, mode="answer"))
        per_article.append(cases)
    cases = [c for turn in zip_longest(*per_article) for c in turn if c is not None]
    cases = cases[: limits.questions] if limits.questions else cases

    def score(case: Case, answer: Answer) -> dict[str, float | None]:
        said, wanted = prediction(answer), golds[case.item.id]
        out: dict[str, float | None] = {
            "exact_match": exact_match(said, wanted),
            "f1": f1(said, wanted),
            "refused": 1.0 if is_refused(answer) else 0.0,
        }
        if v2:
            out["no_answer_accuracy"] = (
                (1.0 if is_refused(answer) else 0.0) if case.item.refuse else None
            )
        return out

    headline = ("exact_match", "f1", "no_answer_accuracy") if v2 else ("exact_match", "f1")
    return Built(
        kind="squad",
        source=path,
        cases=cases,
        corpus=corpus,
        extra=score,
        headline=headline,
        checks=(*FAILURE_CHECKS, "exact_match"),
        note=f"SQuAD {'2.0' if v2 else '1.1'}: {len(articles)} articles, {len(cases)} questions",
        about={"version": "2.0" if v2 else "1.1", "articles": len(articles)},
    )
