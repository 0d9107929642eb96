"""Which failures of Chroma become a StoreError: the store's and the network's (a refused
connection, a hung server, chromadb's own errors, the OS's); a bug in our calls (a
TypeError, an AttributeError, a malformed request chromadb refuses with ValueError) is raised
as it is, never turned into "the vector store failed"."""

from __future__ import annotations

import socket
from typing import Any

import httpcore
import httpx
import numpy as np
import pytest
from chromadb.errors import InternalError, InvalidArgumentError

from rag.errors import StoreError
from rag.store.vectors import VectorIndex, _http_client


class Failing:
    """A collection (and client) every call of which raises `error`."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise self.error

        return fail


def index_over(collection: Any) -> VectorIndex:
    index = VectorIndex.__new__(VectorIndex)  # no real client: only these two are used
    index._collection = collection
    index._client = collection
    return index


def calls(index: VectorIndex) -> list[Any]:
    """One call of each of the index's Chroma-backed methods."""
    vectors = np.zeros((1, 4), dtype=np.float32)
    return [
        index.count,
        lambda: index.add(["c1"], vectors, [{}]),
        lambda: index.delete(["c1"]),
        lambda: index.vectors(["c1"]),
        lambda: index.present(["c1"]),
        lambda: index.search([0.0] * 4, 3),
    ]


@pytest.mark.parametrize(
    "bug",
    [
        TypeError("unsupported operand type(s)"),
        AttributeError("'NoneType' object has no attribute 'upsert'"),
        KeyError("ids"),
        ValueError("Unequal lengths for fields: ids: 2, embeddings: 1 in upsert."),
    ],
    ids=type,
)
def test_a_bug_in_our_calls_is_raised_as_it_is(bug: Exception) -> None:
    for call in calls(index_over(Failing(bug))):
        with pytest.raises(type(bug)) as raised:
            call()
        assert not isinstance(raised.value, StoreError)


@pytest.mark.parametrize(
    "failure",
    [
        InternalError("Database error: (code: 26) file is not a database"),
        InvalidArgumentError("Collection expecting embedding with dimension of 4, got 5"),
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ReadTimeout("timed out"),
        httpcore.RemoteProtocolError("Server disconnected without sending a response."),
        OSError(28, "No space left on device"),
        Exception("<html>502 Bad Gateway</html>"),  # chromadb: an error reply it cannot map
    ],
    ids=type,
)
def test_a_failure_of_the_store_or_the_network_is_a_store_error(failure: Exception) -> None:
    for call in calls(index_over(Failing(failure))):
        with pytest.raises(StoreError, match="vector store"):
            call()


def test_a_refused_connection_is_a_store_error() -> None:
    with socket.socket() as s:  # a port nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(StoreError, match=f"cannot reach Chroma at http://127.0.0.1:{port}"):
        _http_client(f"http://127.0.0.1:{port}")


def test_a_bug_in_a_query_is_not_retried() -> None:
    class Counting:
        calls = 0

        def query(self, **kwargs: Any) -> Any:
            self.calls += 1
            raise TypeError("bad argument")

    collection = Counting()
    with pytest.raises(TypeError):
        index_over(collection).search([0.0] * 4, 3)
    assert collection.calls == 1
