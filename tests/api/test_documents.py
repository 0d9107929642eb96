"""Document management, auth, CORS, readiness and restarts (fake embedder: fast)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from rag.config import Settings
from rag.documents.chunking import chunk_document
from rag.documents.loading import build_document

ARTICLE = (
    "Harbour town opens new ferry terminal\n"
    "The new ferry terminal in Port Ellis opened on Monday after three years of building work.\n"
    "Mayor Ana Ruiz said the terminal would double the number of daily crossings to the islands.\n"
)


def test_add_json_document_is_idempotent_by_content(fake_settings: Settings) -> None:
    with TestClient(create_app(fake_settings)) as c:
        body = {
            "source_id": "ferry",
            "title": "Ferry terminal",
            "outlet": "Ellis Post",
            "text": ARTICLE,
        }
        added = c.post("/v1/documents", json=body)
        assert added.status_code == 201
        assert added.json()["status"] == "added" and added.json()["chunks_written"] >= 1

        again = c.post("/v1/documents", json=body)
        assert again.status_code == 200 and again.json()["status"] == "unchanged"

        retitled = c.post("/v1/documents", json={**body, "title": "Port Ellis ferry"})
        assert retitled.status_code == 201 and retitled.json()["status"] == "updated"
        changed = {**body, "text": ARTICLE + "It cost 40 million.\n"}
        assert c.post("/v1/documents", json=changed).status_code == 409  # PUT replaces text
        replaced = c.put("/v1/documents/ferry", json=changed)
        assert replaced.status_code == 200 and replaced.json()["status"] == "updated"

        sources = {s["source_id"]: s for s in c.get("/v1/sources").json()["sources"]}
        assert sources["ferry"]["outlet"] == "Ellis Post" and len(sources) == 6
        answer = c.post(
            "/v1/ask", json={"question": "When did the Port Ellis ferry terminal open?"}
        )
        assert {x["source_id"] for x in answer.json()["citations"]} == {"ferry"}


def test_missing_source_id_is_derived_from_title_and_content(fake_settings: Settings) -> None:
    with TestClient(create_app(fake_settings)) as c:
        first = c.post("/v1/documents", json={"title": "Ferry terminal opens!", "text": ARTICLE})
        sid = first.json()["source_id"]
        assert re.fullmatch(r"ferry-terminal-opens-[0-9a-f]{10}", sid)
        assert c.post(
            "/v1/documents", json={"title": "Ferry terminal opens!", "text": ARTICLE}
        ).json() == {
            **first.json(),
            "status": "unchanged",
            "chunks_written": 0,
        }
        untitled = c.post("/v1/documents", json={"text": ARTICLE}).json()["source_id"]
        assert untitled.startswith("harbour-town-opens-new-ferry-terminal-")


def test_file_uploads(fake_settings: Settings) -> None:
    html = (
        "<html><head><title>Ferry terminal opens</title></head><body><article>"
        f"<h1>Ferry terminal opens</h1><p>{ARTICLE.splitlines()[1]}</p>"
        f"<p>{ARTICLE.splitlines()[2]}</p></article></body></html>"
    )
    with TestClient(create_app(fake_settings)) as c:
        txt = c.post(
            "/v1/documents",
            files={"file": ("port_ellis.txt", ARTICLE, "text/plain")},
            data={"outlet": "Ellis Post"},
        )
        assert txt.status_code == 201
        assert txt.json()["source_id"] == "port_ellis" and txt.json()["outlet"] == "Ellis Post"

        page = c.post("/v1/documents", files={"file": ("page.html", html, "text/html")})
        assert page.status_code == 201 and page.json()["title"] == "Ferry terminal opens"

        named = c.post(
            "/v1/documents",
            files={"file": ("x.md", ARTICLE, "text/markdown")},
            data={"source_id": "chosen-id"},
        )
        assert named.json()["source_id"] == "chosen-id"

        pdf = c.post("/v1/documents", files={"file": ("paper.pdf", b"%PDF-1.4", "application/pdf")})
        assert pdf.status_code == 415 and pdf.json()["detail"]
        no_file = c.post("/v1/documents", data={"title": "t"}, files={"other": ("a.txt", "x")})
        assert no_file.status_code == 422


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": ARTICLE, "html": "<p>x</p>"}, 422),  # both bodies
        ({"title": "no body"}, 422),
        ({"source_id": "../../etc/passwd", "text": ARTICLE}, 422),  # traversal
        ({"source_id": "a/b", "text": ARTICLE}, 422),
        ({"text": "   \n  "}, 422),  # nothing left after cleaning
        ({"text": ARTICLE, "extra": 1}, 422),
    ],
)
def test_bad_documents_are_4xx(fake_settings: Settings, body: dict[str, Any], status: int) -> None:
    with TestClient(create_app(fake_settings)) as c:
        reply = c.post("/v1/documents", json=body)
        assert reply.status_code == status and reply.json()["detail"]


def test_uploads_over_the_limit_are_413(fake_settings: Settings) -> None:
    small = fake_settings.model_copy(update={"max_upload_bytes": 2048})
    big = ARTICLE * 40  # ~8 KB
    with TestClient(create_app(small)) as c:
        as_json = c.post("/v1/documents", json={"text": big})
        assert as_json.status_code == 413 and "RAG_MAX_UPLOAD_BYTES" in as_json.json()["detail"]
        upload = c.post("/v1/documents", files={"file": ("big.txt", big, "text/plain")})
        assert upload.status_code == 413
        huge = c.post("/v1/documents", json={"text": "x" * 200_000})  # over the app-wide cap too
        assert huge.status_code == 413 and huge.json()["detail"]
        other = c.post("/v1/documents", content=b"x", headers={"content-type": "text/csv"})
        assert other.status_code == 415


def test_delete_document(fake_settings: Settings) -> None:
    with TestClient(create_app(fake_settings)) as c:
        c.post("/v1/documents", json={"source_id": "ferry", "text": ARTICLE})
        deleted = c.delete("/v1/documents/ferry")
        assert deleted.status_code == 200 and deleted.json()["deleted_chunks"] >= 1
        assert c.delete("/v1/documents/ferry").status_code == 404
        assert c.delete("/v1/documents/..").status_code in (404, 422)
        assert c.delete("/v1/documents/bad%20id").status_code == 422
        assert "ferry" not in {s["source_id"] for s in c.get("/v1/sources").json()["sources"]}


def test_api_keys(fake_settings: Settings) -> None:
    keyed = fake_settings.model_copy(update={"api_keys": [SecretStr("k1"), SecretStr("k2")]})
    ask = {"question": "When did the talks break down?"}
    with TestClient(create_app(keyed)) as c:
        missing = c.post("/v1/ask", json=ask)
        assert missing.status_code == 401 and missing.json()["detail"]
        assert missing.headers["www-authenticate"] == "Bearer"
        assert (
            c.post("/v1/ask", json=ask, headers={"Authorization": "Bearer nope"}).status_code == 401
        )
        assert c.get("/v1/sources", headers={"Authorization": "Basic k1"}).status_code == 401
        assert (
            c.post("/v1/ask", json=ask, headers={"Authorization": "Bearer k2"}).status_code == 200
        )
        models = c.get("/v1/models")
        assert (
            models.status_code == 401 and models.json()["error"]["type"] == "authentication_error"
        )
        assert c.get("/healthz").status_code == 200 and c.get("/readyz").status_code == 200


def test_cors(fake_settings: Settings) -> None:
    with TestClient(
        create_app(fake_settings.model_copy(update={"cors_origins": ["http://ui.local"]}))
    ) as c:
        pre = c.options(
            "/v1/ask",
            headers={"Origin": "http://ui.local", "Access-Control-Request-Method": "POST"},
        )
        assert pre.headers["access-control-allow-origin"] == "http://ui.local"
        other = c.get("/healthz", headers={"Origin": "http://evil.local"})
        assert "access-control-allow-origin" not in other.headers
    with TestClient(create_app(fake_settings)) as c:
        assert (
            "access-control-allow-origin"
            not in c.get("/healthz", headers={"Origin": "http://ui.local"}).headers
        )


def test_readiness_fails_when_the_store_does(fake_settings: Settings) -> None:
    with TestClient(create_app(fake_settings)) as c:
        assert c.get("/readyz").status_code == 200
        store = c.app_state["services"].pipeline.store

        def down() -> int:
            raise ConnectionError("chroma is down")

        store.count = down
        reply = c.get("/readyz")
        assert reply.status_code == 503
        assert reply.json()["detail"] == "not ready: catalog unreadable"  # not "chroma is down"
        assert c.get("/healthz").status_code == 200


def test_readiness_fails_when_the_embedder_does(
    fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(create_app(fake_settings)) as c:
        embedder = c.app_state["services"].pipeline.store.embedder
        c.post("/v1/ask", json={"question": "Was the minerals deal signed?"})  # warms the cache

        def unreachable(texts: list[str]) -> list[list[float]]:
            raise ConnectionError("embedding endpoint unreachable")

        monkeypatch.setattr(embedder, "_embed", unreachable)
        reply = c.get("/readyz")
        assert reply.status_code == 503
        assert reply.json()["detail"] == "not ready: embedder unavailable"  # the log says why

        monkeypatch.setattr(embedder, "_embed", lambda texts: [[float("nan")] * 64])
        reply = c.get("/readyz")
        assert reply.status_code == 503 and "embedder unavailable" in reply.json()["detail"]

        monkeypatch.undo()
        assert c.get("/readyz").status_code == 200


def test_conversations_survive_a_restart(fake_settings: Settings) -> None:
    with TestClient(create_app(fake_settings)) as c:
        first = c.post(
            "/v1/chat", json={"message": "What did Zelenskyy say about the minerals deal?"}
        )
        cid = first.json()["conversation_id"]
    with TestClient(create_app(fake_settings)) as c:  # a new app: store and SQLite reopened
        conv = c.get(f"/v1/conversations/{cid}")
        assert conv.status_code == 200 and len(conv.json()["messages"]) == 2
        follow = c.post("/v1/chat", json={"conversation_id": cid, "message": "and sanctions?"})
        assert follow.json()["rewritten_question"] == "Sanctions (Zelenskyy, minerals deal)?"
    assert (fake_settings.data_dir / "conversations.sqlite3").is_file()


def test_concurrent_asks_and_writes_keep_the_store_consistent(fake_settings: Settings) -> None:
    questions = [
        "Was the minerals deal signed?",
        "What did Zelenskyy say?",
        "What are the security guarantees?",
        "What did Putin want?",
    ]
    docs = [
        {
            "source_id": f"extra-{i}",
            "text": ARTICLE.replace("Port Ellis", f"Port {i}") * (1 + i % 3),
        }
        for i in range(8)
    ]
    with TestClient(create_app(fake_settings)) as c:
        before = {s["source_id"]: s["chunks"] for s in c.get("/v1/sources").json()["sources"]}

        def ask(i: int) -> int:
            reply = c.post("/v1/ask", json={"question": questions[i % len(questions)]})
            if reply.status_code == 200:
                for cit in reply.json()["citations"]:
                    assert cit["quote"] and cit["end"] > cit["start"]
            return reply.status_code

        def write(i: int) -> int:
            doc = docs[i % len(docs)]
            if i >= len(docs) and i % 3 == 0:
                return c.delete(f"/v1/documents/{doc['source_id']}").status_code
            return c.post("/v1/documents", json=doc).status_code

        with ThreadPoolExecutor(12) as pool:
            asks = [pool.submit(ask, i) for i in range(48)]
            writes = [pool.submit(write, i) for i in range(24)]
            ask_codes = [f.result() for f in asks]
            write_codes = [f.result() for f in writes]

        assert set(ask_codes) == {200}
        assert set(write_codes) <= {200, 201, 404}
        after = {s["source_id"]: s["chunks"] for s in c.get("/v1/sources").json()["sources"]}
        assert {k: after[k] for k in before} == before  # the seeds are untouched
        for doc in docs:  # each extra document is either wholly there (no stray chunks) or gone
            sid = doc["source_id"]
            if sid in after:
                expected = chunk_document(
                    build_document(sid, doc["text"]),
                    fake_settings.chunk_tokens,
                    fake_settings.chunk_overlap_tokens,
                )
                assert after[sid] == len(expected)
                assert c.post("/v1/documents", json=doc).json()["status"] == "unchanged"
        assert c.post("/v1/ask", json={"question": questions[0]}).status_code == 200
