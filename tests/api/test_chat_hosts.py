"""Two API hosts (two apps, each with its own data dir) over one index: the catalog and the
conversations in one PostgreSQL database (RAG_CATALOG_URL), the vectors on one Chroma
server. A chat started through one host continues through the other, whose answer is
rewritten with the first exchange, and a delete through one is gone through both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from rag.config import Settings
from tests.api.support import fake_embedder, index_seeds
from tests.conftest import SEEDS
from tests.postgres import PgServer
from tests.servers import ChromaServer

pytestmark = pytest.mark.integration  # a PostgreSQL and a Chroma server


@pytest.fixture
def hosts(postgres: PgServer, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    url = postgres.new_database()
    with ChromaServer(tmp_path / "chroma") as chroma, fake_embedder():
        a, b = (
            Settings(  # type: ignore[call-arg]
                data_dir=tmp_path / host,
                seeds_dir=SEEDS,
                catalog_url=url,
                chroma_url=chroma.url,
                _env_file=None,
            )
            for host in ("a", "b")
        )
        index_seeds(a)
        with TestClient(create_app(a)) as host_a, TestClient(create_app(b)) as host_b:
            yield host_a, host_b


def test_a_chat_started_on_one_host_continues_on_the_other(
    hosts: tuple[TestClient, TestClient], tmp_path: Path
) -> None:
    a, b = hosts
    first = a.post("/v1/chat", json={"message": "What did Zelenskyy say about the minerals deal?"})
    assert first.status_code == 200
    cid = first.json()["conversation_id"]

    follow = b.post("/v1/chat", json={"conversation_id": cid, "message": "and sanctions?"})
    assert follow.status_code == 200 and follow.json()["conversation_id"] == cid
    # host B rewrote the follow-up with the exchange host A recorded
    assert follow.json()["rewritten_question"] == "Sanctions (Zelenskyy, minerals deal)?"

    conv = a.get(f"/v1/conversations/{cid}").json()
    assert [m["role"] for m in conv["messages"]] == ["user", "assistant"] * 2
    assert conv["messages"][2]["rewritten_question"] == "Sanctions (Zelenskyy, minerals deal)?"
    assert conv["messages"][3]["answer"]["answer"] == follow.json()["answer"]
    assert conv == b.get(f"/v1/conversations/{cid}").json()
    assert a.get("/v1/conversations").json() == b.get("/v1/conversations").json()

    assert b.delete(f"/v1/conversations/{cid}").status_code == 204
    assert a.get(f"/v1/conversations/{cid}").status_code == 404
    gone = a.post("/v1/chat", json={"conversation_id": cid, "message": "and then?"})
    assert gone.status_code == 404
    assert not list(tmp_path.glob("*/conversations.sqlite3"))  # no host keeps its own
