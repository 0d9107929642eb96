"""Chroma races: a query overlapping a delete is retried (and nothing else is); two
processes creating the collection at once both end up with the same one."""

from __future__ import annotations

from typing import Any

import pytest
from chromadb.errors import InternalError, InvalidArgumentError

from rag.config import Settings
from rag.errors import StoreError
from rag.store.vectors import VectorIndex


class Racy:
    """A collection whose first `fails` queries raise `error`."""

    def __init__(self, fails: int, error: Exception) -> None:
        self.fails, self.error, self.calls = fails, error, 0

    def query(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls <= self.fails:
            raise self.error
        return {"ids": [["c1", "c2"]], "distances": [[0.1, 0.4]]}


def index_over(collection: Racy) -> VectorIndex:
    index = VectorIndex.__new__(VectorIndex)  # no client: only the collection is used
    index._collection = collection
    return index


def test_the_query_delete_race_is_retried() -> None:
    racy = Racy(2, InternalError("Error executing plan: Internal error: Error finding id"))
    assert index_over(racy).search([0.0, 1.0], 2) == [("c1", 0.9), ("c2", 0.6)]
    assert racy.calls == 3


def test_a_race_that_persists_is_a_store_error() -> None:
    racy = Racy(5, InternalError("Internal error: Error finding id"))
    with pytest.raises(StoreError, match="Error finding id"):
        index_over(racy).search([0.0, 1.0], 2)
    assert racy.calls == 3


def test_other_failures_are_not_retried() -> None:
    racy = Racy(1, InvalidArgumentError("Invalid where clause"))
    with pytest.raises(StoreError, match="Invalid where clause"):
        index_over(racy).search([0.0, 1.0], 2)
    assert racy.calls == 1


class Raced:
    """A client that lists no collection, then finds another process created it."""

    def __init__(self) -> None:
        self.collection = Racy(0, RuntimeError())
        self.collection.metadata = {"embedder": "fake/hash-64", "index_id": "i1"}

    def list_collections(self) -> list[Any]:
        return []

    def create_collection(self, name: str, **kwargs: Any) -> Any:
        raise InternalError(f"Collection [{name}] already exists")  # as Chroma 1.5 does

    def get_collection(self, name: str, **kwargs: Any) -> Any:
        return self.collection


def test_a_collection_created_meanwhile_by_another_worker_is_opened(tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    client = Raced()
    index = VectorIndex(client, settings, "fake/hash-64", "i1")
    assert index._collection is client.collection
