"""Eval fixtures: `rag eval` over the fake embedder (no real model), and its inputs."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from rag.config import Settings, get_settings
from tests.conftest import SEEDS, FakeEmbeddings

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


def fact(qid: str, question: str, *facts: str, source: str) -> dict[str, Any]:
    return {
        "id": qid,
        "question": question,
        "type": "fact",
        "must_include": [[f] for f in facts],
        "sources": [source],
        "refuse": False,
    }


# Ten questions: about half fall in each hash split (which a foreign file must not use).
GOLD = [
    fact(
        "q01",
        "How much will the Northport harbor bridge repairs cost?",
        "14 million",
        source="a_bridge",
    ),
    fact("q02", "Who is the engineer on the Northport bridge?", "Lena Ortiz", source="a_bridge"),
    fact("q03", "When will the Northport bridge close?", "3 May", source="a_bridge"),
    fact(
        "q04",
        "How long will the bridge repairs take?",
        "six weeks",
        "no such phrase",
        source="a_bridge",
    ),
    fact("q05", "What helped the apple trees in the Vell valley?", "rain", source="b_orchard"),
    fact("q06", "How much will apple prices fall?", "ten percent", source="b_orchard"),
    fact(
        "q07",
        "What did the Northport city council vote to build?",
        "ferry terminal",
        source="c_council",
    ),
    fact("q08", "Who is the mayor of Northport?", "Tom Reyes", source="c_council"),
    fact("q09", "How many votes did the ferry terminal get?", "seven", source="c_council"),
    {
        "id": "q10",
        "question": "Who won the 2022 football World Cup?",
        "type": "unanswerable",
        "refuse": True,
    },
]


@pytest.fixture
def fake_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pipeline the eval opens embeds with FakeEmbeddings; provenance asks no git."""
    monkeypatch.setattr("rag.answering.pipeline.embedder_for", lambda settings: FakeEmbeddings())
    monkeypatch.setattr("eval.results.git_sha", lambda: "test")
    monkeypatch.setattr("eval.benchmarks.run.git_sha", lambda: "test")


@pytest.fixture
def eval_settings(tmp_path: Path, fake_models: None) -> Settings:
    return Settings(data_dir=tmp_path / "data", seeds_dir=SEEDS, reader="none", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def cli_env(tmp_path: Path, fake_models: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`rag` run in-process over a throwaway data dir, with the fake embedder."""
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def write_inputs(
    folder: Path, gold: list[dict[str, Any]] = GOLD, name: str = "mine.jsonl"
) -> tuple[Path, Path]:
    """A corpus folder of ARTICLES and a gold file of `gold` under `folder`."""
    corpus = folder / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for stem, text in ARTICLES.items():
        (corpus / f"{stem}.txt").write_text(text + "\n", encoding="utf-8")
    gold_file = folder / name
    gold_file.write_text("\n".join(json.dumps(g) for g in gold) + "\n", encoding="utf-8")
    return corpus, gold_file


def recording() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=120, color_system=None), buffer
