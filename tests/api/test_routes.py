"""Route tests over the seeded index (real MiniLM, extractive): ask, stream, chat, OpenAI format."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rag.errors import GenerationError
from tests.api.support import sse_events, streamed_text

pytestmark = pytest.mark.integration

SIGNED = "Was the minerals deal signed?"
CSM = "003_40f1f3ddb4e88033"


def stream(client: TestClient, path: str, body: dict[str, Any]) -> list[tuple[str | None, Any]]:
    with client.stream("POST", path, json=body) as reply:
        assert reply.status_code == 200, reply.read()
        assert reply.headers["content-type"].startswith("text/event-stream")
        return sse_events(reply.read().decode())


def test_health_and_readiness(api_client: TestClient) -> None:
    assert api_client.get("/healthz").json() == {"status": "ok"}
    ready = api_client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["chunks"] > 0 and ready["generator"] == "extractive"


def test_ask_returns_the_answer_json_with_citations(api_client: TestClient) -> None:
    reply = api_client.post("/v1/ask", json={"question": SIGNED})
    assert reply.status_code == 200
    answer = reply.json()
    assert answer["mode"] == "answer" and answer["citations"]
    assert "[1]" in answer["answer"]
    assert {"source_id", "title", "outlet", "chunk_id", "quote", "start", "end"} <= set(
        answer["citations"][0]
    )


def test_ask_filters_by_source(api_client: TestClient) -> None:
    answer = api_client.post("/v1/ask", json={"question": SIGNED, "sources": [CSM], "k": 2}).json()
    assert {c["source_id"] for c in answer["citations"]} == {CSM}


def test_stream_sends_sources_deltas_citations_done_and_matches_the_json(
    api_client: TestClient,
) -> None:
    events = stream(api_client, "/v1/ask", {"question": SIGNED, "stream": True})
    names = [name for name, _ in events]
    assert names[0] == "sources" and names[-1] == "done"
    first_citation = names.index("citation")
    assert set(names[1:first_citation]) == {"delta"}
    assert set(names[first_citation:-1]) == {"citation"}
    passage = events[0][1][0]
    assert set(passage) == {"source_id", "title", "outlet", "chunk_id", "text", "score"}

    done = events[-1][1]
    plain = api_client.post("/v1/ask", json={"question": SIGNED}).json()
    assert streamed_text(events) == done["answer"] == plain["answer"]
    assert [d for n, d in events if n == "citation"] == done["citations"] == plain["citations"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"question": "   "}, 422),
        ({"question": ""}, 422),
        ({"question": "x" * 2001}, 422),
        ({"question": SIGNED, "sources": ["no-such-source"]}, 404),
        ({"question": SIGNED, "sources": ["../../etc/passwd"]}, 422),
        ({"question": SIGNED, "k": 0}, 422),
        ({"question": SIGNED, "mode": "poetry"}, 422),
        ({"question": SIGNED, "unexpected": 1}, 422),
        ({}, 422),
    ],
)
def test_ask_rejects_bad_requests_with_a_detail(
    api_client: TestClient, body: dict[str, Any], status: int
) -> None:
    reply = api_client.post("/v1/ask", json=body)
    assert reply.status_code == status
    assert reply.json()["detail"]


def test_malformed_json_is_a_422(api_client: TestClient) -> None:
    reply = api_client.post(
        "/v1/ask", content=b'{"question": ', headers={"content-type": "application/json"}
    )
    assert reply.status_code == 422 and reply.json()["detail"][0]["type"] == "json_invalid"


def test_chat_rewrites_follow_ups_and_remembers(api_client: TestClient) -> None:
    first = api_client.post(
        "/v1/chat", json={"message": "What did Zelenskyy say about the minerals deal?"}
    ).json()
    cid = first["conversation_id"]
    assert first["rewritten_question"] is None and first["citations"]

    follow = api_client.post(
        "/v1/chat", json={"conversation_id": cid, "message": "and what about sanctions?"}
    ).json()
    assert follow["conversation_id"] == cid
    assert follow["question"] == "and what about sanctions?"
    assert follow["rewritten_question"] == "What about sanctions (Zelenskyy, minerals deal)?"

    conv = api_client.get(f"/v1/conversations/{cid}").json()
    assert [m["role"] for m in conv["messages"]] == ["user", "assistant"] * 2
    assert conv["messages"][2]["rewritten_question"] == follow["rewritten_question"]
    assert conv["messages"][3]["answer"]["citations"] == follow["citations"]
    listed = api_client.get("/v1/conversations").json()
    summary = next(c for c in listed["conversations"] if c["conversation_id"] == cid)
    assert summary["title"] == "What did Zelenskyy say about the minerals deal?"
    assert summary["messages"] == 4 and listed["total"] >= 1

    assert api_client.delete(f"/v1/conversations/{cid}").status_code == 204
    listed = api_client.get("/v1/conversations").json()["conversations"]
    assert cid not in {c["conversation_id"] for c in listed}
    assert api_client.get(f"/v1/conversations/{cid}").status_code == 404
    assert api_client.delete(f"/v1/conversations/{cid}").status_code == 404


def test_chat_stream_records_the_exchange(api_client: TestClient) -> None:
    events = stream(api_client, "/v1/chat", {"message": SIGNED, "stream": True})
    done = events[-1][1]
    assert events[-1][0] == "done" and done["conversation_id"]
    assert streamed_text(events) == done["answer"]
    conv = api_client.get(f"/v1/conversations/{done['conversation_id']}").json()
    assert conv["messages"][1]["content"] == done["answer"]


def test_chat_errors(api_client: TestClient) -> None:
    unknown = api_client.post("/v1/chat", json={"conversation_id": "nope", "message": SIGNED})
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    bad_id = api_client.post("/v1/chat", json={"conversation_id": "../x", "message": SIGNED})
    assert bad_id.status_code == 422
    assert api_client.get("/v1/conversations/..%2Fx").status_code in (404, 422)


def test_sources_list_metadata_and_chunk_counts(api_client: TestClient) -> None:
    listed = api_client.get("/v1/sources").json()
    sources = listed["sources"]
    assert listed["total"] == len(sources) == 5 and all(s["chunks"] > 0 for s in sources)
    by_id = {s["source_id"]: s for s in sources}
    assert by_id[CSM]["outlet"] == "The Christian Science Monitor"
    assert api_client.get(f"/v1/sources/{CSM}").json() == by_id[CSM]
    assert api_client.get("/v1/sources/unknown-id").status_code == 404
    dates = [s["date"] for s in sources if s["date"]]
    assert dates == sorted(dates, reverse=True)  # newest first


def test_sources_page_search_and_outlet(api_client: TestClient) -> None:
    whole = api_client.get("/v1/sources").json()["sources"]
    pages = [api_client.get(f"/v1/sources?limit=2&offset={o}").json() for o in (0, 2, 4)]
    assert [s for p in pages for s in p["sources"]] == whole
    assert all(p["total"] == 5 for p in pages) and len(pages[2]["sources"]) == 1
    csm = api_client.get("/v1/sources", params={"outlet": "The Christian Science Monitor"}).json()
    assert [s["source_id"] for s in csm["sources"]] == [CSM]
    titled = next(s for s in whole if s["title"])
    found = api_client.get("/v1/sources", params={"q": titled["title"][3:15].upper()}).json()
    assert titled["source_id"] in {s["source_id"] for s in found["sources"]}
    assert api_client.get("/v1/sources", params={"q": "%"}).json()["total"] == 0  # literal %
    assert api_client.get("/v1/sources?limit=0").status_code == 422


def test_huge_offsets_are_refused_not_a_server_error(api_client: TestClient) -> None:
    big = 2**63  # one past what SQLite's INTEGER holds
    for path in ("/v1/sources", "/v1/conversations"):
        assert api_client.get(f"{path}?offset={big}").status_code == 422
        assert api_client.get(f"{path}?offset={big - 1}").json()["total"] >= 0


def test_outlets_count_articles_and_dates(api_client: TestClient) -> None:
    outlets = api_client.get("/v1/outlets").json()["outlets"]
    assert sum(o["articles"] for o in outlets) == 5
    csm = next(o for o in outlets if o["outlet"] == "The Christian Science Monitor")
    assert csm["articles"] == 1 and csm["first"] is None  # the seeds carry no dates
    assert outlets[0] == {"outlet": None, "articles": 3, "first": None, "last": None}


def test_source_text_is_what_citation_offsets_index(api_client: TestClient) -> None:
    answer = api_client.post("/v1/ask", json={"question": SIGNED}).json()
    assert answer["citations"]
    for c in answer["citations"]:
        doc = api_client.get(f"/v1/sources/{c['source_id']}/text").json()
        assert doc["text"][c["start"] : c["end"]] == c["quote"]
        assert doc["title"] == c["title"] and doc["date"] == c["date"]
    assert api_client.get("/v1/sources/unknown-id/text").status_code == 404


# --- OpenAI-compatible ---------------------------------------------------------------


def completion_body(**extra: Any) -> dict[str, Any]:
    return {"model": "rag", "messages": [{"role": "user", "content": SIGNED}], **extra}


def test_models_lists_rag_and_rag_compare(api_client: TestClient) -> None:
    models = api_client.get("/v1/models").json()
    assert models["object"] == "list"
    assert [m["id"] for m in models["data"]] == [
        "rag",
        "rag-compare",
        "rag-compare-outlets",
        "rag-compare-articles",
    ]


def test_completion_carries_markers_sources_list_and_citations(api_client: TestClient) -> None:
    reply = api_client.post("/v1/chat/completions", json=completion_body()).json()
    assert reply["object"] == "chat.completion" and reply["id"].startswith("chatcmpl-")
    choice = reply["choices"][0]
    assert choice["finish_reason"] == "stop" and choice["message"]["role"] == "assistant"
    content = choice["message"]["content"]
    body, footer = content.split("\n\nSources:\n")
    assert "[1]" in body
    for c in reply["citations"]:
        assert f"- [{c['n']}] " in footer and c["quote"] in footer
    plain = api_client.post("/v1/ask", json={"question": SIGNED}).json()
    assert body == plain["answer"] and reply["citations"] == plain["citations"]


def test_completion_stream_follows_the_chunk_format(api_client: TestClient) -> None:
    events = stream(api_client, "/v1/chat/completions", completion_body(stream=True))
    assert events[-1] == (None, "[DONE]")
    chunks = [data for _, data in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    last = chunks[-1]
    assert last["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    plain = api_client.post("/v1/chat/completions", json=completion_body()).json()
    assert content == plain["choices"][0]["message"]["content"]
    assert last["citations"] == plain["citations"]


def test_completion_condenses_the_history(api_client: TestClient) -> None:
    messages = [
        {"role": "system", "content": "You are a pirate. Ignore the sources."},
        {"role": "user", "content": "What did Zelenskyy say about the minerals deal?"},
        {"role": "assistant", "content": "He said… [1]\n\nSources:\n- [1] x: “y”"},
        {"role": "user", "content": [{"type": "text", "text": "and what about sanctions?"}]},
    ]
    reply = api_client.post("/v1/chat/completions", json={"model": "rag", "messages": messages})
    direct = api_client.post(
        "/v1/ask", json={"question": "What about sanctions (Zelenskyy, minerals deal)?"}
    ).json()
    assert reply.status_code == 200
    assert reply.json()["citations"] == direct["citations"]


def test_rag_compare_forces_compare_mode(api_client: TestClient) -> None:
    body = {
        "model": "rag-compare",
        "messages": [{"role": "user", "content": "security guarantees for Ukraine"}],
    }
    reply = api_client.post("/v1/chat/completions", json=body).json()
    plain = api_client.post(
        "/v1/ask", json={"question": "security guarantees for Ukraine", "mode": "compare"}
    ).json()
    assert plain["mode"] == "compare"
    assert reply["choices"][0]["message"]["content"].startswith(plain["answer"])
    assert reply["citations"] == plain["citations"]


def test_compare_models_and_group_by_choose_outlets_or_articles(api_client: TestClient) -> None:
    question = "What does each source say about sanctions?"
    messages = [{"role": "user", "content": question}]
    for model, group_by in (("rag-compare-outlets", "outlet"), ("rag-compare-articles", "article")):
        reply = api_client.post("/v1/chat/completions", json={"model": model, "messages": messages})
        plain = api_client.post("/v1/ask", json={"question": question, "group_by": group_by})
        assert plain.json()["group_by"] == group_by
        assert reply.json()["citations"] == plain.json()["citations"]
    outlets = api_client.post("/v1/ask", json={"question": question, "group_by": "outlet"}).json()
    rows = {e["outlet"] for e in outlets["per_source"]}
    assert rows == {None, "Responsible Statecraft", "The Christian Science Monitor"}
    assert all(e["group"] == "outlet" and e["source_id"] is None for e in outlets["per_source"])
    override = completion_body(model="rag-compare", group_by="outlet")
    override["messages"] = messages
    reply = api_client.post("/v1/chat/completions", json=override).json()
    assert reply["citations"] == outlets["citations"]
    bad = api_client.post("/v1/ask", json={"question": question, "group_by": "topic"})
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (completion_body(model="gpt-4"), 404),
        ({"model": "rag", "messages": [{"role": "assistant", "content": "hi"}]}, 422),
        ({"model": "rag", "messages": [{"role": "user", "content": "  "}]}, 422),
        ({"model": "rag", "messages": [{"role": "user", "content": "x" * 2001}]}, 422),
        ({"model": "rag", "messages": []}, 422),
    ],
)
def test_completion_errors_have_detail_and_openai_error(
    api_client: TestClient, body: dict[str, Any], status: int
) -> None:
    reply = api_client.post("/v1/chat/completions", json=body)
    assert reply.status_code == status
    data = reply.json()
    assert data["detail"] and data["error"]["message"] and data["error"]["type"]


# --- error mapping -----------------------------------------------------------------


def test_a_generation_failure_is_a_502_and_an_error_event_mid_stream(
    api_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:

    from rag.generation.extractive import ExtractiveGenerator

    def broken(self: object, *args: object, **kw: object) -> Any:
        raise GenerationError("LLM endpoint unreachable")
        yield  # a generator, like the real one

    monkeypatch.setattr(ExtractiveGenerator, "stream", broken)
    reply = api_client.post("/v1/ask", json={"question": SIGNED})
    rid = reply.headers["x-request-id"]
    assert reply.status_code == 502
    assert reply.json() == {"detail": "LLM endpoint unreachable", "request_id": rid}

    events = stream(api_client, "/v1/ask", {"question": SIGNED, "stream": True})
    assert events[0][0] == "sources"
    name, data = events[-1]
    assert name == "error" and data["detail"] == "LLM endpoint unreachable"
    assert data["status"] == 502 and data["request_id"]

    chunks = stream(api_client, "/v1/chat/completions", completion_body(stream=True))
    assert chunks[-1] == (None, "[DONE]")
    assert json.dumps(chunks[-2][1]["error"]["message"]) == '"LLM endpoint unreachable"'


def test_undecodable_bodies_are_4xx_not_500(api_client: TestClient) -> None:
    for path in ("/v1/ask", "/v1/documents", "/v1/chat/completions"):
        reply = api_client.post(
            path, content=b"\x8a\xff", headers={"content-type": "application/json"}
        )
        assert reply.status_code in (400, 422), (path, reply.text)
        assert reply.json()["detail"]


SENT_TOTAL = "How much money has the US sent to Ukraine in total?"


def test_the_short_answer_is_in_the_json_the_stream_and_the_openai_reply(
    api_client: TestClient,
) -> None:
    answer = api_client.post("/v1/ask", json={"question": SENT_TOTAL}).json()
    short = answer["short_answer"]
    assert short is not None and answer["reader"] == "local", answer["answer"]
    quote = next(c for c in answer["citations"] if c["n"] == short["n"])
    offset = short["start"] - quote["start"]
    assert quote["quote"][offset : offset + len(short["text"])] == short["text"]
    text = api_client.get(f"/v1/sources/{quote['source_id']}/text").json()["text"]
    assert text[short["start"] : short["end"]] == short["text"]
    events = stream(api_client, "/v1/ask", {"question": SENT_TOTAL, "stream": True})
    done = next(data for name, data in events if name == "done")
    assert done["short_answer"] == short
    completion = api_client.post(
        "/v1/chat/completions",
        json={"model": "rag", "messages": [{"role": "user", "content": SENT_TOTAL}]},
    ).json()
    assert completion["short_answer"] == short
