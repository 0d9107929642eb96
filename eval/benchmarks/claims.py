"""Claim verification sets (claim, evidence, label JSON lines, such as FM2 and WiCE in
../shared/datasets) scored against the support judgement (rag/support/judge.py): does it keep the
supported claims and catch the others?

    FM2:  {"text" (the claim), "label": SUPPORTS|REFUTES, "gold_evidence": [{"text",
           "section_header"}], "wikipedia_page"}
    WiCE: {"claim", "label": supported|partially_supported|not_supported,
           "evidence": [sentence, ...] (the cited article)}
    also: {"claim", "label", "evidence": "text" | [text | {"text"}, ...]}

The quotes are the evidence when it has at most 3 passages; of a longer one (WiCE: the whole
cited article) the 3 sentences that share most words with the claim, chosen without the
label. The page title or section headers are the check's context (names may come from
them). A partially supported claim counts as not supported: the product shows only what
its quotes back. `balanced_accuracy` is the mean of `supported_kept` and
`unsupported_caught`; per label, `accuracy` is the share the check got right. No index is
built: the judge reads the claim and its quotes, with the verifier of the settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.benchmarks.base import BenchmarkError, Limits, need, read_json_lines
from rag.language.text import terms
from rag.support.judge import Quote, SupportJudge

SUPPORTED = frozenset({"supports", "supported", "support", "true", "entailment"})
UNSUPPORTED = frozenset(
    {"refutes", "refuted", "not_supported", "partially_supported", "false", "contradiction"}
)
QUOTES = 3
_META_TITLE = re.compile(r"^\(meta data\) TITLE:\s*(.+)$")


@dataclass(frozen=True)
class LabelledClaim:
    id: str
    claim: str
    label: str  # as the file gives it
    supported: bool
    quotes: tuple[str, ...]
    context: tuple[str, ...]


def best_quotes(claim: str, sentences: list[str], n: int = QUOTES) -> list[str]:
    """The `n` sentences sharing most terms with `claim`, in their order in the text."""
    if len(sentences) <= n:
        return sentences
    wanted = set(terms(claim))
    ranked = sorted(range(len(sentences)), key=lambda i: -len(wanted & set(terms(sentences[i]))))
    return [sentences[i] for i in sorted(ranked[:n])]


def _evidence(row: dict[str, Any], where: str) -> tuple[list[str], list[str]]:
    """(passages, context) of a line."""
    raw = row.get("gold_evidence", row.get("evidence"))
    if raw is None:
        raise BenchmarkError(f"{where}: no 'evidence' (or 'gold_evidence') field")
    items = raw if isinstance(raw, list) else [raw]
    texts, context = [], []
    for item in items:
        if isinstance(item, dict):
            texts.append(str(item.get("text", "")))
            if item.get("section_header"):
                context.append(str(item["section_header"]))
        elif (title := _META_TITLE.match(str(item))) is not None:
            context.append(title.group(1))
        else:
            texts.append(str(item))
    if row.get("wikipedia_page"):
        context.insert(0, str(row["wikipedia_page"]))
    return [t for t in texts if t.strip()], context


def read_claims(path: Path, limits: Limits) -> list[LabelledClaim]:
    out: list[LabelledClaim] = []
    for number, row in read_json_lines(path):
        if limits.questions and len(out) >= limits.questions:
            break
        where = f"{path}:{number}"
        claim = row.get("claim", row.get("text"))
        if not isinstance(claim, str) or not claim.strip():
            raise BenchmarkError(f"{where}: no 'claim' (or 'text') field")
        label = str(need(row, "label", where, str))
        if label.lower() not in SUPPORTED | UNSUPPORTED:
            raise BenchmarkError(f"{where}: label {label!r} is neither supported nor refuted")
        texts, context = _evidence(row, where)
        quotes = best_quotes(claim, texts)
        out.append(
            LabelledClaim(
                id=str(row.get("id", number)),
                claim=claim.strip(),
                label=label,
                supported=label.lower() in SUPPORTED,
                quotes=tuple(quotes),
                context=tuple(context),
            )
        )
    if not out:
        raise BenchmarkError(f"{path}: no claims")
    return out


def judge(item: LabelledClaim, support: SupportJudge) -> str | None:
    """Why the product would not show the claim (None: it would): the exact checks, then
    the verifier RAG_VERIFIER names, at its threshold (rag/support/judge.py)."""
    quotes = [Quote(q, "evidence", item.context) for q in item.quotes]
    return support.verdict(item.claim, quotes).reason


def record(item: LabelledClaim, reason: str | None, ms: float) -> dict[str, Any]:
    """The per-claim record of the results JSON (the keys `rag eval` questions have)."""
    right = (reason is None) == item.supported
    said = "supported" if reason is None else f"not supported: {reason}"
    return {
        "id": item.id,
        "type": item.label,
        "question": item.claim,
        "mode": "support check",
        "answer": said,
        "gold_answer": item.label,
        "citations": [
            {"n": n, "source_id": "evidence", "quote": q, "start": 0, "end": len(q)}
            for n, q in enumerate(item.quotes, start=1)
        ],
        "scores": {"accuracy": 1.0 if right else 0.0},
        "latency_ms": round(ms, 3),
        "failures": [] if right else [f"wrong: {said}"],
    }


def summarize(records: list[dict[str, Any]], supported: list[bool]) -> dict[str, float | None]:
    """Overall figures: balanced accuracy, kept and caught shares, accuracy."""

    def share(flags: list[float]) -> float | None:
        return round(sum(flags) / len(flags), 4) if flags else None

    right = [r["scores"]["accuracy"] for r in records]
    kept = share([ok for ok, s in zip(right, supported, strict=True) if s])
    caught = share([ok for ok, s in zip(right, supported, strict=True) if not s])
    balanced = None if kept is None or caught is None else round((kept + caught) / 2, 4)
    return {
        "balanced_accuracy": balanced,
        "supported_kept": kept,
        "unsupported_caught": caught,
        "accuracy": share(right),
    }
