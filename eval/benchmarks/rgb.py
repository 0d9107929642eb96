"""RGB (Chen et al., "Benchmarking Large Language Models in Retrieval-Augmented Generation",
github.com/chen700564/RGB), read from its JSON lines (en.json, en_int.json, en_fact.json):

    {"id", "query", "answer", "positive": [passage, ...], "negative": [passage, ...],
     "positive_wrong": [passage, ...], "fakeanswer"}     # the last two in *_fact.json only

`answer` is one string, or a list whose every element must be in the answer: a string, or
a list of alternatives (RGB's `checkanswer`); in *_int.json `positive` is a list of lists.
Every passage becomes one article of a temporary corpus, and each question may use only
its own passages (a source filter):
- a line without `positive_wrong`: asked over its positive and negative passages
  (`accuracy`: every part of the answer is in the answer text, as RGB checks it), and
  again over its negative passages alone, where it must refuse (`negative_rejection`);
- a counterfactual line: asked over its true and its counterfeit passages together:
  `counterfactual_correct` (the true answer given), `counterfactual_misled` (only the fake
  one given: lower is better), `conflict_flagged` (a disagreement between passages shown).
Next to ours: source recall (positives), refusal accuracy, citation validity, `refused`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.benchmarks.base import (
    BenchmarkError,
    Built,
    Limits,
    read_json_lines,
    refused,
    write_article,
)
from eval.gold import GoldItem
from eval.harness import Case
from eval.metrics import FAILURE_CHECKS, answer_text, groups_passed, is_refused, normalize
from rag.schema import Answer
from rag.store.filters import Filters


def answer_groups(answer: Any, where: str) -> list[list[str]]:
    """RGB's answer as must_include groups: each element required, a list being any-of."""
    parts = answer if isinstance(answer, list) else [answer]
    groups = []
    for part in parts:
        alternatives = part if isinstance(part, list) else [part]
        kept = [str(a).strip() for a in alternatives if str(a).strip()]
        if kept:
            groups.append(kept)
    if not groups:
        raise BenchmarkError(f"{where}: 'answer' is empty")
    return groups


def passages(value: Any, where: str, key: str) -> list[str]:
    """A list of passages; *_int.json nests one list per part of the answer."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BenchmarkError(f"{where}: {key!r} is not a list of passages")
    flat = [p for v in value for p in (v if isinstance(v, list) else [v])]
    return [str(p) for p in flat if str(p).strip()]


@dataclass
class Lines:
    """The cases read so far, their corpus, and what the counterfactual ones are scored by."""

    corpus: Path
    cases: list[Case] = field(default_factory=list)
    fakes: dict[str, str] = field(default_factory=dict)  # counterfactual id -> fake answer
    truths: dict[str, list[list[str]]] = field(default_factory=dict)  # id -> answer groups

    def articles(self, prefix: str, texts: list[str]) -> list[str]:
        """Write `texts` as articles `prefix`0, `prefix`1, ... and return their ids."""
        ids = [f"{prefix}{n}" for n in range(len(texts))]
        for source, text in zip(ids, texts, strict=True):
            write_article(self.corpus, source, text)
        return ids

    def add(self, number: int, row: dict[str, Any], where: str) -> None:
        """One RGB line: a counterfactual case, or an answerable and a negative one."""
        if "query" not in row or "answer" not in row:
            raise BenchmarkError(f"{where}: an RGB line has 'query' and 'answer'")
        qid = f"rgb-{row.get('id', number)}"
        qid = f"{qid}-line{number}" if qid in self.truths or f"{qid}-cf" in self.truths else qid
        groups = answer_groups(row["answer"], where)
        self.truths[qid] = self.truths[f"{qid}-cf"] = groups
        positive = self.articles(f"{qid}-pos", passages(row.get("positive"), where, "positive"))
        gold = " | ".join(" / ".join(g) for g in groups)
        base = {"question": str(row["query"]), "answer": gold}
        if "positive_wrong" in row:  # its negatives are not asked about: not indexed
            wrong = self.articles(
                f"{qid}-wrong", passages(row["positive_wrong"], where, "positive_wrong")
            )
            self.fakes[f"{qid}-cf"] = str(row.get("fakeanswer", "")).strip()
            item = GoldItem(id=f"{qid}-cf", type="conflict", sources=positive, refuse=False, **base)
            self.cases.append(Case(item, Filters.of(sources=positive + wrong), mode="answer"))
            return
        negative = self.articles(f"{qid}-neg", passages(row.get("negative"), where, "negative"))
        if positive:
            item = GoldItem(
                id=qid, type="fact", must_include=groups, sources=positive, refuse=False, **base
            )
            self.cases.append(Case(item, Filters.of(sources=positive + negative), mode="answer"))
        if negative:
            item = GoldItem(id=f"{qid}-neg", type="unanswerable", refuse=True, **base)
            self.cases.append(Case(item, Filters.of(sources=negative), mode="answer"))

    def score(self, case: Case, answer: Answer) -> dict[str, float | None]:
        """RGB's own figures for one answer, beside `refused`."""
        item, said = case.item, answer_text(answer)
        out = refused(case, answer)
        if item.type == "fact":
            out["accuracy"] = float(
                not is_refused(answer) and all(groups_passed(item.must_include, said))
            )
        elif item.type == "unanswerable":
            out["negative_rejection"] = 1.0 if is_refused(answer) else 0.0
        else:
            text = "" if is_refused(answer) else said
            true = all(groups_passed(self.truths[item.id], text))
            fake = bool(self.fakes[item.id]) and normalize(self.fakes[item.id]) in normalize(text)
            out["counterfactual_correct"] = float(true)
            out["counterfactual_misled"] = float(fake and not true)
            out["conflict_flagged"] = float(bool(answer.disagreements))
            out["refusal_accuracy"] = None  # refusing conflicting passages is not wrong here
        return out


def build(path: Path, workdir: Path, limits: Limits) -> Built:
    corpus = workdir / "corpus"
    corpus.mkdir()
    lines = Lines(corpus)
    rows = list(read_json_lines(path))
    rows = rows[: limits.questions] if limits.questions else rows
    for number, row in rows:
        lines.add(number, row, f"{path}:{number}")
    if not lines.cases:
        raise BenchmarkError(f"{path}: no RGB lines")
    return Built(
        kind="rgb",
        source=path,
        cases=lines.cases,
        corpus=corpus,
        extra=lines.score,
        headline=("accuracy", "negative_rejection", "counterfactual_correct"),
        checks=(*FAILURE_CHECKS, "accuracy", "negative_rejection", "counterfactual_correct"),
        note=f"RGB: {len(rows)} lines, {len(lines.cases)} questions",
        about={"lines": len(rows)},
    )
