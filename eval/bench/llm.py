"""Benchmark the local LLM on the seeds: time to first token, decode tokens/s, seconds per
answer and the server's peak RAM.

Run: `rag llm bench [--questions FILE] [--limit N]`.
The seeds are indexed into a temporary dir and the model is served by a fresh child server on a
free port, so its peak RSS is this run's alone. One warm-up answer (it loads the system prompt
into llama.cpp's prompt cache) is not counted. Every answer goes through the real chain
(retrieve, ChatOpenAI over HTTP, validate, retry/fallback); token counts and prompt/decode
rates come from the server's /metrics.
"""

from __future__ import annotations

import json
import re
import statistics
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from eval.bench.common import free_port, peak_rss_mb, percentile
from rag.answering.chain import AnswerChain
from rag.config import Settings
from rag.errors import ConfigError
from rag.generation.base import Generator, Summarizer
from rag.retrieval.evidence import Sentence
from rag.retrieval.retriever import Retrieval

# One per seed article, answerable from it (from eval/gold/news.jsonl).
SEED_QUESTIONS = (
    "How much money has the US sent to Ukraine in total, and who made that estimate?",
    "Which four Ukrainian regions does the Kremlin claim sovereignty over?",
    "How will the profits of mineral extraction be divided under the new agreement?",
    "What other demands might Russia use the minerals deal to reinforce?",
    "Where might Trump and Putin meet to continue discussing ceasefire conditions?",
)
WARMUP = "What does Nedim Useinow expect from a US presence in Ukraine?"
COUNTERS = (
    "prompt_tokens_total",
    "prompt_seconds_total",
    "tokens_predicted_total",
    "tokens_predicted_seconds_total",
)


@dataclass(frozen=True)
class Run:
    question: str
    model_ttft_s: float  # question in -> the model's first token (retrieval included)
    ttft_s: float  # question in -> first checked sentence shown (what a reader waits for)
    total_s: float  # question in -> validated Answer (retry and fallback included)
    prompt_tokens: int
    prompt_tps: float
    decode_tokens: int
    decode_tps: float
    citations: int
    dropped: int
    outcome: str  # "cited", "retried", "fallback" or "refusal"


def load_questions(path: Path | None, limit: int) -> list[str]:
    if path is None:
        return list(SEED_QUESTIONS[:limit])
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [str(row["question"]) for row in rows][:limit]


def read_metrics(port: int) -> dict[str, float]:
    """The llama.cpp Prometheus counters we need, from GET /metrics."""
    import httpx

    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5, trust_env=False).text
    found = dict(re.findall(r"^llamacpp:(\w+) ([\d.eE+-]+)$", text, flags=re.M))
    return {name: float(found.get(name, 0.0)) for name in COUNTERS}


class FirstToken:
    """Wraps a generator: notes when its first piece of text arrives."""

    def __init__(self, inner: Generator) -> None:
        self.inner, self.name = inner, inner.name
        self.at: float | None = None

    @property
    def verbatim(self) -> bool:
        return self.inner.verbatim

    @property
    def summarizer(self) -> Summarizer | None:
        return self.inner.summarizer

    def evidence(self, ranked: Sequence[Sentence], retrieval: Retrieval) -> list[Sentence]:
        return self.inner.evidence(ranked, retrieval)

    def stream(
        self, question: str, evidence: Sequence[Sentence], strict: bool = False
    ) -> Iterator[str]:
        for piece in self.inner.stream(question, evidence, strict):
            self.at = self.at or time.perf_counter()
            yield piece


def measure(chain: AnswerChain, question: str, port: int) -> Run:
    before = read_metrics(port)
    timed = FirstToken(chain.generator)
    chain.generator = timed
    started = time.perf_counter()
    first: float | None = None
    replaced = False
    answer = None
    for event in chain.events(question, mode="answer"):
        if event.event == "delta" and isinstance(event.data, str):
            first = first or time.perf_counter()
        elif event.event == "delta":  # {"replace": ...}: the strict retry or the fallback
            replaced = True
        elif event.event == "done":
            answer = event.data
    total = time.perf_counter() - started
    chain.generator = timed.inner
    assert answer is not None
    after = read_metrics(port)
    d = {name: after[name] - before[name] for name in COUNTERS}
    outcome = (
        "refusal"
        if answer.mode == "refusal"
        else "fallback"
        if answer.fallback
        else "retried"
        if replaced
        else "cited"
    )
    return Run(
        question=question,
        model_ttft_s=(timed.at or time.perf_counter()) - started,
        ttft_s=(first or time.perf_counter()) - started,
        total_s=total,
        prompt_tokens=int(d["prompt_tokens_total"]),
        prompt_tps=d["prompt_tokens_total"] / max(d["prompt_seconds_total"], 1e-9),
        decode_tokens=int(d["tokens_predicted_total"]),
        decode_tps=d["tokens_predicted_total"] / max(d["tokens_predicted_seconds_total"], 1e-9),
        citations=len(answer.citations),
        dropped=len(answer.dropped_citations),
        outcome=outcome,
    )


def run_llm_bench(settings: Settings, questions: list[str], console: Console) -> list[Run]:
    from rag.answering.pipeline import make_generator, open_pipeline
    from rag.ingest import ingest_paths
    from rag.llm.server import managed_server

    if not settings.seeds_dir.is_dir():
        raise ConfigError(f"no seeds folder at {settings.seeds_dir} (RAG_SEEDS_DIR)")
    with tempfile.TemporaryDirectory(prefix="rag-llm-bench-") as tmp:
        # A fresh server on a free port (the model is assembled first if needed).
        server = managed_server(settings, port=free_port(), log=Path(tmp) / "server.log")
        t0 = time.perf_counter()
        with server:
            load_s = time.perf_counter() - t0
            local = settings.model_copy(
                update={
                    "data_dir": Path(tmp) / "data",
                    "generator": "local",
                    "local_port": server.port,
                }
            )
            with open_pipeline(local, generator=make_generator(local)) as pipe:
                ingest_paths(pipe.store, [settings.seeds_dir], local)
                measure(pipe.chain, WARMUP, server.port)
                runs = [measure(pipe.chain, q, server.port) for q in questions]
            assert server.pid is not None
            peak = peak_rss_mb(server.pid, children=False)
    report(console, server.model, load_s, runs, peak)
    return runs


def report(
    console: Console, model: Path, load_s: float, runs: list[Run], peak: float | None
) -> None:
    table = Table(
        "question",
        "model TTFT s",
        "shown TTFT s",
        "new prompt tok",
        "prompt tok/s",
        "decode tok",
        "decode tok/s",
        "s/answer",
        "cites",
        "outcome",
        title=f"local LLM: {model.name}",
    )
    for r in runs:
        table.add_row(
            r.question[:32],
            f"{r.model_ttft_s:.2f}",
            f"{r.ttft_s:.2f}",
            str(r.prompt_tokens),
            f"{r.prompt_tps:.1f}",
            str(r.decode_tokens),
            f"{r.decode_tps:.1f}",
            f"{r.total_s:.2f}",
            f"{r.citations} (-{r.dropped})",
            r.outcome,
        )
    console.print(table)

    def med(values: Iterable[float]) -> float:
        return percentile(list(values), 50) or 0.0

    console.print(
        f"median TTFT: model {med(r.model_ttft_s for r in runs):.2f} s, first checked "
        f"sentence shown {med(r.ttft_s for r in runs):.2f} s · "
        f"decode {med(r.decode_tps for r in runs):.1f} tok/s · "
        f"prompt {med(r.prompt_tps for r in runs):.1f} tok/s · "
        f"{med(r.total_s for r in runs):.2f} s/answer (mean "
        f"{statistics.fmean(r.total_s for r in runs):.2f}) · load {load_s:.1f} s · "
        f"peak server RAM {'n/a' if peak is None else f'{peak:,.0f} MB'}"
    )
