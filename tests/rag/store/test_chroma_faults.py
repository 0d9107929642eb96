"""A Chroma server that hangs (SIGSTOP: it accepts connections but never answers) is a
StoreError after the request timeout, not a request that waits forever; once it answers
again, so does the store, without reopening it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rag.config import Settings
from rag.errors import StoreError
from tests.conftest import SEEDS, FakeEmbeddings, fake_store
from tests.servers import ChromaServer

pytestmark = pytest.mark.integration

ARTICLE = (
    "Harbour tolls rise in Kestrel Bay\n"
    "Kestrel Bay raised its harbour tolls by 12 percent on Friday.\n"
    "The harbour master said the money pays for a new breakwater.\n"
)


def test_a_hung_chroma_server_times_out_as_a_store_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("rag.store.vectors.REQUEST_TIMEOUT_S", 1.0)
    query = FakeEmbeddings().embed_query("harbour tolls in Kestrel Bay")
    with ChromaServer(tmp_path / "chroma") as chroma:
        settings = Settings(
            data_dir=tmp_path / "data", seeds_dir=SEEDS, chroma_url=chroma.url, _env_file=None
        )  # type: ignore[call-arg]
        with fake_store(settings, tmp_path / "articles", {"tolls.txt": ARTICLE}) as store:
            assert store.dense(query, 3)
            with chroma.hung():
                start = time.monotonic()
                with pytest.raises(StoreError, match=r"unreachable.*ReadTimeout"):
                    store.dense(query, 3)
                waited = time.monotonic() - start
            assert waited < 5, waited
            assert store.dense(query, 3)  # it answers again: so does the store
