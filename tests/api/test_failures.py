"""Failures nobody planned for still reach the client as JSON, or as an error event in a
stream, with the request id the server logged them under; uploads are cleaned off the loop."""

from __future__ import annotations

import logging
import threading
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from rag.config import Settings
from rag.generation.extractive import ExtractiveGenerator
from tests.api.support import running_server, sse_events

QUESTION = "Was the minerals deal signed?"


def broken_stream(self: object, *args: object, **kw: object) -> Any:
    yield "The deal"
    raise RuntimeError("a bug deep in the generator")


def test_an_unexpected_error_is_a_json_500_with_the_logged_request_id(
    fake_settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ExtractiveGenerator, "stream", broken_stream)
    app = create_app(fake_settings)
    with TestClient(app, raise_server_exceptions=False) as client, caplog.at_level(logging.ERROR):
        reply = client.post("/v1/ask", json={"question": QUESTION})
    assert reply.status_code == 500
    assert reply.headers["content-type"] == "application/json"
    rid = reply.headers["x-request-id"]
    body = reply.json()
    assert body["request_id"] == rid and rid in body["detail"]
    assert "RuntimeError" not in body["detail"]  # the internals stay in the log
    logged = [r for r in caplog.records if rid in r.getMessage()]
    assert logged and logged[0].exc_info and "a bug deep" in str(logged[0].exc_info[1])


def test_an_unexpected_error_mid_stream_ends_the_stream_with_an_error(
    fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ExtractiveGenerator, "stream", broken_stream)
    with TestClient(create_app(fake_settings), raise_server_exceptions=False) as client:
        with client.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as r:
            rid = r.headers["x-request-id"]
            events = sse_events(r.read().decode())
        name, data = events[-1]
        assert name == "error" and data["status"] == 500 and data["request_id"] == rid

        body = {"model": "rag", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
        with client.stream("POST", "/v1/chat/completions", json=body) as r:
            chunks = sse_events(r.read().decode())
        assert chunks[-1] == (None, "[DONE]")
        error = chunks[-2][1]["error"]
        assert error["code"] == 500 and error["type"] == "server_error"

        chat = {"message": QUESTION, "stream": True}
        with client.stream("POST", "/v1/chat", json=chat) as r:
            assert sse_events(r.read().decode())[-1][0] == "error"


def test_a_client_request_id_is_echoed_only_when_plain(fake_settings: Settings) -> None:
    with TestClient(create_app(fake_settings)) as client:
        mine = client.get("/healthz", headers={"X-Request-ID": "abc-123.x_y"})
        assert mine.headers["x-request-id"] == "abc-123.x_y"
        odd = client.get("/healthz", headers={"X-Request-ID": "a b\tc" + "x" * 100})
        assert odd.headers["x-request-id"] != "a b\tc" + "x" * 100
        assert len(odd.headers["x-request-id"]) == 32
        missing = client.get("/v1/sources/nope").json()
        assert missing["request_id"] and missing["detail"]


@pytest.mark.integration
def test_a_slow_upload_does_not_stall_other_requests(
    fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cleaning waits until /healthz has been answered: on the event loop it never would."""
    import rag.documents.loading

    entered, answered = threading.Event(), threading.Event()
    real = rag.documents.loading.build_document

    def slow_build(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        assert answered.wait(10), "the event loop was blocked while the upload was cleaned"
        return real(*args, **kwargs)

    monkeypatch.setattr("api.uploads.build_document", slow_build)
    with running_server(create_app(fake_settings)) as base:
        doc = {"source_id": "slow-doc", "text": "The ferry levy rose to 417 crowns in May."}
        result: dict[str, int] = {}

        def upload() -> None:
            result["status"] = httpx.post(f"{base}/v1/documents", json=doc, timeout=30).status_code

        thread = threading.Thread(target=upload)
        thread.start()
        assert entered.wait(10)  # the upload is being cleaned now
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        answered.set()
        thread.join(30)
    assert result["status"] == 201
