"""Fixtures of the API tests.

`api_client`: one app per test module over a private copy of the seeded index (real
MiniLM, extractive), for the read-only route tests; `warm_settings`: a private copy per
test, opened with the same already-warm MiniLM. `fake_settings`: a fresh index of
the seeds built with the fake embedder, for fast tests that write.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from rag.config import Settings
from rag.embedding.embedders import CachedEmbeddings
from tests.api.support import fake_embedder, index_seeds, sharing
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def module_settings(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data = tmp_path_factory.mktemp("api") / "data"
    shutil.copytree(seeded_dir, data)
    return Settings(data_dir=data, seeds_dir=SEEDS, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def real_embedder() -> CachedEmbeddings:
    """One MiniLM for every API test: loaded once, its sentence cache stays warm."""
    from rag.answering.pipeline import embedder_for

    return embedder_for(Settings(_env_file=None))  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def api_client(module_settings: Settings, real_embedder: CachedEmbeddings) -> Iterator[TestClient]:
    with sharing(real_embedder), TestClient(create_app(module_settings)) as client:
        yield client


@pytest.fixture
def warm_settings(seeded_settings: Settings, real_embedder: CachedEmbeddings) -> Iterator[Settings]:
    """A private copy of the seeded index, opened with the shared (warm) MiniLM."""
    with sharing(real_embedder):
        yield seeded_settings


@pytest.fixture
def fake_settings(settings: Settings) -> Iterator[Settings]:
    """The seeds indexed with the fake embedder; pipelines opened in the test use it too."""
    with fake_embedder():
        index_seeds(settings)
        yield settings
