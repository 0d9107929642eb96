"""`rag bench reader`: the reader's own cost and what it adds to an answer.

- load: seconds to load the reader (the shipped model: onnxruntime, no torch);
- pairs/s and ms for 10, 20 and 40 candidate sentences of a question, one call each;
- answer latency p50/p95 over the seed gold questions with the reader and without it
  (the same index, the same questions), and the difference: what a question pays for it.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from eval.bench.common import p50_p95
from eval.gold import load_gold
from eval.harness import temporary_pipeline
from rag.answering.pipeline import Pipeline
from rag.config import Settings
from rag.reading.base import Reader
from rag.reading.encoding import Pair
from rag.reading.factory import make_reader
from rag.reading.rank import pair
from rag.retrieval.evidence import rank_sentences

COUNTS = (10, 20, 40)
ROUNDS = 5


def run_reader_bench(
    settings: Settings, gold: Path = Path("eval/gold/news.jsonl"), console: Console | None = None
) -> dict[str, object]:
    console = console or Console()
    started = time.perf_counter()
    reader = make_reader(settings.reader)
    load_s = time.perf_counter() - started
    if reader is None:
        console.print("RAG_READER is none: nothing to measure")
        return {}
    questions = [i.question for i in load_gold(gold) if not i.refuse][:40]
    with temporary_pipeline(settings, settings.seeds_dir, reader=None) as (pipe, _):
        retrieval = pipe.retriever.retrieve(questions[0], k=12)
        ranked = rank_sentences(retrieval)
        rates = {}
        for n in COUNTS:
            pairs = [pair(questions[0], s) for s in ranked[:n]]
            ms = statistics.median(_read_ms(reader, pairs) for _ in range(ROUNDS))
            rates[n] = (len(pairs), ms)
        without = [_ask_ms(pipe, q) for q in questions]
        pipe.chain.reader = reader
        pipe.chain.ask(questions[0])  # warm
        with_reader = [_ask_ms(pipe, q) for q in questions]
    table = Table("measure", "value", title=f"reader {reader.name}")
    table.add_row("load", f"{load_s:.2f} s")
    for real, ms in rates.values():
        table.add_row(f"{real} sentences", f"{ms:.0f} ms ({1000 * real / ms:.0f} pairs/s)")
    table.add_row(f"answer p50/p95, no reader ({len(questions)} q)", p50_p95(without))
    table.add_row(f"answer p50/p95, reader reads {settings.reader_sentences}", p50_p95(with_reader))
    added = statistics.median(with_reader) - statistics.median(without)
    table.add_row("added per answer (p50)", f"{added:.0f} ms")
    console.print(table)
    return {"load_s": load_s, "rates": rates, "added_ms": added}


def _read_ms(reader: Reader, pairs: list[Pair]) -> float:
    started = time.perf_counter()
    reader.read(pairs)
    return (time.perf_counter() - started) * 1000


def _ask_ms(pipe: Pipeline, question: str) -> float:
    started = time.perf_counter()
    pipe.chain.ask(question)
    return (time.perf_counter() - started) * 1000
