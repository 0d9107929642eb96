"""Which failures of an embedder become an EmbedderError: the provider's and the network's
(a refused connection, an error reply, the OS's); a bug in our code (a TypeError, an
AttributeError) is raised as it is, never turned into "the embedder failed"."""

from __future__ import annotations

import json
import socket
from typing import Any

import httpx
import openai
import pytest
from langchain_openai._compat import httpx as sdk_httpx  # the SDK's: httpx2 under openai>=3

from rag.embedding.embedders import CachedEmbeddings, OpenAIEmbedder
from rag.errors import EmbedderError
from tests.servers import JsonHandler, http_server


class Raising(CachedEmbeddings):
    identity = "test/raising"

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def _embed(self, texts: list[str]) -> list[list[float]]:
        raise self.error


@pytest.mark.parametrize(
    "bug", [TypeError("unsupported operand"), AttributeError("no attribute 'data'")], ids=type
)
def test_a_bug_in_our_code_is_raised_as_it_is(bug: Exception) -> None:
    embedder = Raising(bug)
    for call in (
        lambda: embedder.embed_query("harbour tolls"),
        embedder.check,
        lambda: embedder.embed_chunks(["harbour tolls"], [[(0, 7)]]),
    ):
        with pytest.raises(type(bug)) as raised:
            call()
        assert not isinstance(raised.value, EmbedderError)


def test_an_os_failure_is_an_embedder_error() -> None:
    with pytest.raises(EmbedderError, match=r"test/raising failed: .*No such file"):
        Raising(FileNotFoundError(2, "No such file or directory")).embed_query("tolls")


class Endpoint:
    """Stands in for LangChain's OpenAIEmbeddings: every call raises `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def embed_documents(self, texts: list[str]) -> Any:
        raise self.error


REQUEST: Any = sdk_httpx.Request("POST", "http://127.0.0.1:9/v1/embeddings")
BAD_GATEWAY: Any = sdk_httpx.Response(502, request=REQUEST)


@pytest.mark.parametrize(
    "failure",
    [
        openai.APIConnectionError(request=REQUEST),
        openai.APITimeoutError(request=REQUEST),
        openai.InternalServerError("upstream failed", response=BAD_GATEWAY, body=None),
        httpx.ReadError("connection reset"),
        sdk_httpx.RemoteProtocolError("server disconnected"),
        ConnectionResetError(104, "Connection reset by peer"),
    ],
    ids=type,
)
def test_a_failure_of_the_endpoint_is_an_embedder_error(failure: Exception) -> None:
    embedder = OpenAIEmbedder("text-embedding-3-small", "http://127.0.0.1:9/v1", None)
    embedder._inner = Endpoint(failure)  # type: ignore[assignment]
    with pytest.raises(EmbedderError, match="openai/text-embedding-3-small failed"):
        embedder.embed_query("harbour tolls")


def test_a_bug_under_the_openai_embedder_is_raised_as_it_is() -> None:
    embedder = OpenAIEmbedder("text-embedding-3-small", "http://127.0.0.1:9/v1", None)
    embedder._inner = Endpoint(TypeError("'NoneType' object is not iterable"))  # type: ignore[assignment]
    with pytest.raises(TypeError):
        embedder.embed_query("harbour tolls")


# The openai client runs `uname` once for its headers: the real endpoints are integration.
@pytest.mark.integration
def test_a_refused_connection_is_an_embedder_error() -> None:
    with socket.socket() as s:  # a port nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    embedder = OpenAIEmbedder("text-embedding-3-small", f"http://127.0.0.1:{port}/v1", None)
    with pytest.raises(EmbedderError, match="openai/text-embedding-3-small failed"):
        embedder.embed_query("harbour tolls")


class NoSuchModel(JsonHandler):
    def do_POST(self) -> None:
        body = {"error": {"message": "model not found", "type": "invalid_request_error"}}
        self.reply_json(404, json.dumps(body).encode())


@pytest.mark.integration
def test_an_error_reply_is_an_embedder_error() -> None:
    with http_server(NoSuchModel) as url:
        embedder = OpenAIEmbedder("no-such-model", f"{url}/v1", None)
        with pytest.raises(EmbedderError, match="model not found"):
            embedder.check()


@pytest.mark.parametrize(
    ("error", "domain"),
    [("RuntimeException", True), ("Fail", True), ("InvalidArgument", False)],
)
def test_the_local_models_runtime_failures_are_embedder_errors(error: str, domain: bool) -> None:
    """onnxruntime failing to run (memory, a kernel) is the embedder failing: a JSON 503,
    not a 500; inputs it calls invalid are our bug and raised as they are."""
    from onnxruntime.capi import onnxruntime_pybind11_state as ort_state

    from rag.embedding.minilm import OnnxMiniLM

    raised = getattr(ort_state, error)("cannot run")
    embedder = OnnxMiniLM.__new__(OnnxMiniLM)  # no model loaded: the session is a stand-in
    CachedEmbeddings.__init__(embedder)

    def forward(texts: object) -> object:
        raise raised

    embedder._forward = forward  # type: ignore[method-assign]
    embedder._batch_size = 8
    with pytest.raises(EmbedderError if domain else type(raised)) as caught:
        embedder.embed_query("harbour tolls")
    assert isinstance(caught.value, EmbedderError) is domain
