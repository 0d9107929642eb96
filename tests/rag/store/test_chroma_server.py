"""Store in client/server mode against a real `chroma run` on 127.0.0.1."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.answering.pipeline import open_pipeline
from rag.config import Settings
from rag.errors import StoreError
from rag.ingest import ingest_paths
from tests.conftest import SEEDS, free_port
from tests.servers import ChromaServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with ChromaServer(tmp_path_factory.mktemp("chroma")) as chroma:
        yield chroma.url


def test_ingest_and_ask_through_a_chroma_server(chroma_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, chroma_url=chroma_url, _env_file=None)  # type: ignore[call-arg]
    with open_pipeline(settings) as pipe:
        report = ingest_paths(pipe.store, [SEEDS], settings)
        assert len(report.added) == 5
        again = ingest_paths(pipe.store, [SEEDS], settings)
        assert len(again.unchanged) == 5
        answer = pipe.chain.ask("How much money has the US sent to Ukraine in total?")
    assert any("$119 billion" in c.quote for c in answer.citations)
    assert not (tmp_path / "chroma").exists()  # nothing embedded was created locally


def test_unreachable_server_is_a_store_error(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}", _env_file=None
    )  # type: ignore[call-arg]
    with pytest.raises(StoreError), open_pipeline(settings):
        pass


def test_malformed_chroma_url_is_a_store_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, chroma_url="ftp://nowhere", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(StoreError), open_pipeline(settings):
        pass
