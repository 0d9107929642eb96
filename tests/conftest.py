"""Shared fixtures: a deterministic fake embedder, a fake chat model, settings, seeded pipelines.

Unit tests use the fakes. Tests marked `integration` use the real MiniLM embedder and
real servers they start themselves on 127.0.0.1. Both rules are enforced: a test that
needs a real-model or server fixture without the mark fails at collection, and one that
loads the model or starts a process or server at run time without it fails then.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from eval.bench.common import free_port
from rag.config import Settings
from rag.embedding.embedders import CachedEmbeddings
from rag.language.text import terms
from tests.postgres import backend_settings, postgres

if TYPE_CHECKING:
    from rag.store.chunks import ChunkStore

__all__ = [
    "SEEDS",
    "FakeChat",
    "FakeEmbeddings",
    "FakeReader",
    "backend_settings",
    "free_port",
    "postgres",
]

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


# Fixtures that load the real MiniLM or start a real server (with everything built on them).
REAL_FIXTURES = frozenset({"seeded_dir", "real_embedder", "chroma_url", "smol_server", "postgres"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unmarked = [
        item.nodeid
        for item in items
        if REAL_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("integration") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "these tests use the real model or a real server but are not marked "
            "`integration`: " + ", ".join(unmarked)
        )


@pytest.fixture(autouse=True)
def _no_real_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard: no test reaches a real OpenAI endpoint by accident."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture(autouse=True)
def _unit_tests_use_fakes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard: a test not marked `integration` cannot load the real model or start a process."""
    if request.node.get_closest_marker("integration") is not None:
        return

    def refuse(*args: Any, **kwargs: Any) -> None:
        pytest.fail(
            f"{request.node.nodeid} loads the real embedding model or starts a process or "
            "server: use the fakes, or mark it `integration`"
        )

    monkeypatch.setattr("rag.embedding.minilm.OnnxMiniLM.__init__", refuse)
    monkeypatch.setattr("rag.embedding.minilm.TorchMiniLM.__init__", refuse)
    # The shipped reader is a real model too: unit tests read with `FakeReader` or none.
    monkeypatch.setenv("RAG_READER", "none")
    monkeypatch.setattr("rag.reading.onnx.OnnxReader.__init__", refuse)
    monkeypatch.setattr("rag.reading.crossencoder.CrossEncoderReader.__init__", refuse)
    # So is the shipped verifier: unit tests judge support with a fake one or none.
    monkeypatch.setenv("RAG_VERIFIER", "none")
    monkeypatch.setattr("rag.verification.onnx.OnnxVerifier.__init__", refuse)
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    monkeypatch.setattr("uvicorn.Server.run", refuse)


class FakeEmbeddings(CachedEmbeddings):
    """Hashes stemmed terms into 64 buckets: same text, same vector; shared terms, close vectors."""

    identity = "fake/hash-64"
    dimensions = 64

    def _embed(self, texts: list[str]) -> list[list[float]]:
        out = []
        for text in texts:
            v = np.zeros(self.dimensions)
            for term in terms(text) or ["\x00"]:
                v[int(hashlib.md5(term.encode()).hexdigest(), 16) % self.dimensions] += 1.0
            out.append((v / np.linalg.norm(v)).tolist())
        return out


class FakeReader:
    """Scores a pair by the share of the question's terms in the sentence; the short answer
    is the sentence's first capitalised word the question does not use. Records every read."""

    name = "fake-reader"

    def __init__(self) -> None:
        self.calls: list[list[Any]] = []

    def read(self, pairs: Any) -> list[Any]:
        import re

        from rag.reading.base import Reading

        self.calls.append(list(pairs))
        out = []
        for p in pairs:
            q = set(terms(p.question))
            share = len(q & set(terms(p.sentence))) / len(q) if q else 0.0
            asked = {w.lower() for w in re.findall(r"\w+", p.question)}
            span = next(
                (
                    (m.start(), m.end())
                    for m in re.finditer(r"\b[A-Z][a-z]+\b", p.sentence)
                    if m.start() > 0 and m.group().lower() not in asked
                ),
                None,
            )
            out.append(Reading(share, span, 0.9 if span else 0.0))
        return out


class FakeChat(BaseChatModel):
    """A chat model with a queue of replies; records the messages of every call."""

    replies: list[str]
    calls: list[list[BaseMessage]] = []

    @property
    def _llm_type(self) -> str:
        return "fake-chat"

    def _next(self, messages: list[BaseMessage]) -> str:
        self.calls.append(messages)
        if not self.replies:
            raise AssertionError("FakeChat ran out of replies")
        return self.replies.pop(0)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kw: Any,
    ) -> ChatResult:
        return ChatResult(
            generations=[ChatGeneration(message=AIMessage(content=self._next(messages)))]
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kw: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for word in self._next(messages).split(" "):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word + " "))


@pytest.fixture
def fake_embedder() -> FakeEmbeddings:
    return FakeEmbeddings()


def write_corpus(tmp_path: Path, **articles: str) -> Path:
    """A folder `corpus` under `tmp_path` with one `<name>.txt` per article."""
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    for name, text in articles.items():
        (folder / f"{name}.txt").write_text(text)
    return folder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", seeds_dir=SEEDS, _env_file=None)  # type: ignore[call-arg]


@contextmanager
def fake_store(settings: Settings, folder: Path, articles: dict[str, str]) -> Iterator[ChunkStore]:
    """`articles` ({file name: text}) written to `folder`, indexed with the fake embedder."""
    from rag.ingest import ingest_paths
    from rag.store.chunks import open_store

    folder.mkdir()
    for name, text in articles.items():
        (folder / name).write_text(text)
    with open_store(settings, FakeEmbeddings()) as store:
        ingest_paths(store, [folder], settings)
        yield store


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the seeds indexed with the real MiniLM embedder (built once)."""
    from rag.answering.pipeline import open_pipeline
    from rag.ingest import ingest_paths

    data = tmp_path_factory.mktemp("seeded")
    settings = Settings(data_dir=data, seeds_dir=SEEDS, _env_file=None)  # type: ignore[call-arg]
    with open_pipeline(settings, reader=None) as pipe:
        report = ingest_paths(pipe.store, [SEEDS], settings)
    assert len(report.added) == 5, report
    return data


@pytest.fixture
def seeded_settings(seeded_dir: Path, tmp_path: Path) -> Settings:
    """Settings over a private copy of the seeded index (tests may write to it)."""
    data = tmp_path / "seeded"
    shutil.copytree(seeded_dir, data)
    return Settings(data_dir=data, seeds_dir=SEEDS, _env_file=None)  # type: ignore[call-arg]
