"""A real OpenAI-compatible HTTP server whose model restates an evidence sentence with one
word turned into its opposite, citing that very sentence: every name, number and date
matches the quote, only the meaning is reversed. The claim must be shown nowhere (the
JSON answer, every SSE delta, the OpenAI endpoint, compare summaries) and be listed under
`removed` with the reason. Real sockets and the real `openai` client (through LangChain);
the shipped verifier."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from eval.support_polarity import reversed_word
from rag.config import Settings
from rag.support.exact import NEGATION
from rag.support.judge import UNBACKED
from tests.api.support import sse_events
from tests.servers import JsonHandler, http_server

pytestmark = pytest.mark.integration
QUESTION = "Was the minerals deal signed?"
EVIDENCE_LINE = re.compile(r"^\[(\d+)\] (.+)$", re.MULTILINE)


def reversed_claim(prompt: str) -> str:
    """The first evidence sentence that has a word with an opposite, reversed, citing it."""
    for n, sentence in EVIDENCE_LINE.findall(prompt):
        claim = reversed_word(sentence.strip(), random.Random(0))
        if claim:
            return f"{claim} [{n}]"
    return "The sources don't cover this."


class Reversing(JsonHandler):
    said: list[str] = []  # every claim the model wrote

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = str(request["messages"][-1].get("content", ""))  # the evidence, not examples
        claim = reversed_claim(prompt)
        type(self).said.append(claim)
        if request.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in re.findall(r"\S+\s*", claim):
                chunk = {
                    "id": "x",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": "m",
                    "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            return
        body = json.dumps(
            {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "m",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": claim},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        ).encode()
        self.reply_json(200, body)


@contextmanager
def reversing_server() -> Iterator[str]:
    Reversing.said = []
    with http_server(Reversing) as url:
        yield f"{url}/v1"


def bare(claim: str) -> str:
    return re.sub(r"\s*\[\d+\]", "", claim).strip()


def test_a_reversed_claim_citing_its_own_quote_is_shown_nowhere(warm_settings: Settings) -> None:
    with reversing_server() as url:
        settings = warm_settings.updated(generator="openai", openai_base_url=url)
        assert settings.verifier == "local"
        with TestClient(create_app(settings)) as c:
            answer = c.post("/v1/ask", json={"question": QUESTION}).json()
            said = [bare(x) for x in Reversing.said if "[" in x]
            assert said, "the model reversed no sentence"
            removed = {r["text"]: r["reason"] for r in answer["removed"]}
            print("reversed:", removed)
            for claim in said:
                assert claim not in answer["answer"]
                assert removed[claim] in (NEGATION, UNBACKED), (claim, answer["citations"])
            assert answer["fallback"] is True  # nothing it wrote was backed
            for shown in answer["claims"]:  # what is shown instead is backed
                assert shown["support"] >= answer["support_threshold"]

            with c.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as r:
                events = sse_events(r.read().decode())
            deltas = json.dumps([d for n, d in events if n == "delta"])
            assert not any(claim in deltas for claim in said)
            assert {r["text"] for r in events[-1][1]["removed"]} >= set(said)

            body = {"model": "rag", "messages": [{"role": "user", "content": QUESTION}]}
            completion = c.post("/v1/chat/completions", json=body).json()
            content = completion["choices"][0]["message"]["content"]
            assert not any(claim in content for claim in said)
            with c.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as r:
                streamed = r.read().decode()
            assert not any(claim in streamed for claim in said)

            Reversing.said = []
            compare = c.post(
                "/v1/ask", json={"question": "What does each source say about the minerals deal?"}
            ).json()
            assert compare["mode"] == "compare"
            summaries = [bare(x) for x in Reversing.said if "[" in x]
            assert summaries, "the model summarised no source"
            text = json.dumps(compare)
            assert not any(claim in text for claim in summaries)
