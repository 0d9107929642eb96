"""Vectors: the chunk vectors in Chroma (the only module that imports chromadb).

Chroma is the dense index and nothing else: records are (chunk id, vector, the metadata
filters need), with no text (the catalog has it; storing it again halves write speed).
Where it runs:
- `RAG_CHROMA_URL`: a Chroma server (`chroma run`), shared by any number of processes;
- otherwise the data dir's embedded store, or the server `rag serve` runs over it while
  it serves (rag/store/chroma_server.py), so CLI commands and workers can share the data dir.
Every failure of Chroma reaches callers as `StoreError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from functools import partial, wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlparse

import httpcore
import httpx
import numpy as np

from rag.config import Settings
from rag.errors import EmbedderMismatchError, RagError, StoreError
from rag.store.chroma_server import Following, Shared, embedded_lock, registered_url, successor

P = ParamSpec("P")
T = TypeVar("T")
LAYOUT = "vectors-1"  # collection metadata: this module's record layout
QUERY_ATTEMPTS = 3
# chromadb's HTTP client waits forever (httpx timeout=None): a hung server would hang every
# request. A query or a 1024-record upsert takes well under a second on a healthy server.
CONNECT_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 30.0
UNREACHABLE = (
    httpx.TransportError,  # refused, reset, hung past the timeout (as httpx raises them)
    httpcore.NetworkError,  # the same from httpcore, below httpx, should one leak
    httpcore.TimeoutException,
    httpcore.RemoteProtocolError,  # the server hung up mid-reply (restarting, killed)
    ConnectionError,  # a socket the OS refused or reset
)


def _chroma_error() -> type[Exception]:
    """chromadb's base error (imported when one is caught: chromadb is slow to import)."""
    from chromadb.errors import ChromaError

    return ChromaError


def translated(fn: Callable[P, T]) -> Callable[P, T]:
    """Raise Chroma's and the network's failures as StoreError, with their message; anything
    else (a TypeError, an AttributeError, a ValueError chromadb raises for a malformed call)
    is a bug of ours and raised as it is."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except RagError:
            raise
        except UNREACHABLE as exc:  # down, restarting, or hung past the timeout
            raise StoreError(
                f"the vector store is unreachable ({type(exc).__name__}: {exc}); "
                "try again once it is back"
            ) from exc
        except (
            _chroma_error(),  # Chroma refused or failed a call: InternalError, NotFoundError, ...
            httpx.HTTPError,  # an HTTP failure other than transport: a status, a bad body
            OSError,  # the embedded store's files: disk full, permissions, a vanished dir
        ) as exc:
            raise StoreError(f"the vector store failed: {type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            if type(exc) is not Exception:  # a subclass: a bug of ours, raised as it is
                raise
            # chromadb's HTTP client raises a bare Exception carrying the server's reply for
            # an error status it cannot map (a proxy's 502 page, a 500 without an error type).
            raise StoreError(f"the vector store failed: {exc}") from exc

    return wrapper


@translated
def _http_client(url: str) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise StoreError(f"RAG_CHROMA_URL must be http(s)://host:port, not {url!r}")
    try:
        client = chromadb.HttpClient(
            host=parsed.hostname,
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=ChromaSettings(anonymized_telemetry=False),
        )
    except ValueError as exc:  # chromadb's HttpClient raises a bare ValueError when it cannot
        # connect (from httpx.ConnectError) or the server's first reply fails
        raise StoreError(f"cannot reach Chroma at {url}: {exc}") from exc
    _bound(client)
    return client


def _bound(client: Any) -> None:
    """Give the client's HTTP session timeouts (it has none, and no setting for them)."""
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(REQUEST_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)


class VectorIndex:
    """One Chroma collection of chunk vectors."""

    def __init__(
        self, client: Any, settings: Settings, identity: str, index_id: str, fresh: bool = False
    ) -> None:
        self._client = client
        self._settings = settings
        self.identity = identity
        self.index_id = index_id
        self.where = settings.chroma_url or "embedded"
        if fresh:
            self._delete_collections()
        self._collection = self._open()

    @translated
    def _open(self) -> Any:
        name = self._settings.collection
        names = {c.name for c in self._client.list_collections()}
        if f"{name}__sentences" in names:
            raise StoreError(
                f"the index {name!r} was built by an older version of newsrag: "
                "rebuild it with `rag ingest --reset`"
            )
        if name not in names:
            try:
                return self._client.create_collection(
                    name,
                    metadata={
                        "embedder": self.identity,
                        "index_id": self.index_id,
                        "layout": LAYOUT,
                    },
                    configuration={
                        "hnsw": {"space": "cosine", "ef_search": self._settings.hnsw_search_ef}
                    },
                    embedding_function=None,  # we embed: Chroma's default would download one
                )
            except _chroma_error() as exc:  # InternalError (embedded) or the server's error
                # type for a duplicate name: told apart by its message only
                # Two workers starting on a fresh server: the other one created it since we
                # listed the collections. Open theirs, with the same checks as any other.
                if "already exists" not in str(exc):
                    raise
        collection = self._client.get_collection(name, embedding_function=None)
        meta = collection.metadata or {}
        built_with = meta.get("embedder")
        if built_with and built_with != self.identity:
            raise EmbedderMismatchError(
                f"collection {name!r} was built with embedder {built_with!r}, but the "
                f"configured one is {self.identity!r}. Query it with the same "
                "embedder, or rebuild it with `rag ingest --reset`."
            )
        if meta.get("index_id") not in (None, self.index_id) and collection.count():
            raise StoreError(
                f"the Chroma collection {name!r} belongs to another index (its catalog "
                "is in another data dir): set RAG_DATA_DIR to that dir, use another "
                "RAG_COLLECTION, or rebuild with `rag ingest --reset`"
            )
        return collection

    @translated
    def count(self) -> int:
        return int(self._collection.count())

    @translated
    def add(
        self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]]
    ) -> None:
        """Insert or replace records (in batches Chroma accepts)."""
        step = min(1024, int(self._client.get_max_batch_size()))
        for i in range(0, len(ids), step):
            self._collection.upsert(
                ids=list(ids[i : i + step]),
                embeddings=np.asarray(vectors[i : i + step], dtype=np.float32),
                metadatas=list(metadatas[i : i + step]),
            )

    @translated
    def delete(self, ids: Sequence[str]) -> None:
        step = min(1024, int(self._client.get_max_batch_size()))
        for i in range(0, len(ids), step):
            self._collection.delete(ids=list(ids[i : i + step]))

    @translated
    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        """The stored vectors of `ids`, in that order (KeyError-free: all must exist)."""
        step = min(1024, int(self._client.get_max_batch_size()))
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), step):
            got = self._collection.get(ids=list(ids[i : i + step]), include=["embeddings"])
            found.update(zip(got["ids"], np.asarray(got["embeddings"]), strict=True))
        missing = [i for i in ids if i not in found]
        if missing:
            raise StoreError(f"no vector for {len(missing)} chunk(s), e.g. {missing[0]}")
        return np.asarray([found[i] for i in ids], dtype=np.float32)

    @translated
    def present(self, ids: Sequence[str]) -> set[str]:
        """Which of `ids` have a record."""
        step = min(1024, int(self._client.get_max_batch_size()))
        found: set[str] = set()
        for i in range(0, len(ids), step):
            found.update(self._collection.get(ids=list(ids[i : i + step]), include=[])["ids"])
        return found

    @translated
    def search(
        self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the `k` nearest records, nearest first."""
        if k <= 0:
            return []
        for attempt in range(QUERY_ATTEMPTS):
            try:
                got = self._collection.query(
                    query_embeddings=np.asarray([vector], dtype=np.float32),
                    n_results=k,
                    where=where,
                    include=["distances"],
                )
                break
            except _chroma_error() as exc:  # InternalError; anything else is raised at once
                # Chroma 1.5 races a query against a delete now and then ("Error finding
                # id": a record removed mid-query); the same query a moment later is fine.
                if "Error finding id" not in str(exc) or attempt == QUERY_ATTEMPTS - 1:
                    raise
        ids, distances = got["ids"][0], (got["distances"] or [[]])[0]
        return [(str(i), 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    @translated
    def drop(self) -> None:
        """Delete the collection (and an older layout's), then start an empty one."""
        self._delete_collections()
        self._collection = self._open()

    @translated
    def _delete_collections(self) -> None:
        names = {c.name for c in self._client.list_collections()}
        for name in (self._settings.collection, f"{self._settings.collection}__sentences"):
            if name in names:
                self._client.delete_collection(name)


def _follow(index: VectorIndex, url: str, find: Callable[[], str | None]) -> None:
    """Send the index's requests to the data dir's server wherever it moves (`successor`)."""

    def moved() -> str | None:
        now = find()
        if now is not None:
            index.where = now
        return now

    session = getattr(getattr(index._client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session._transport = Following(session._transport, url, moved)


@contextmanager
def open_vectors(
    settings: Settings, identity: str, index_id: str, fresh: bool = False
) -> Iterator[VectorIndex]:
    """The configured vector index for the block (see the module docstring for where);
    `fresh` deletes the collection first."""
    with ExitStack() as stack:
        url = settings.chroma_url or registered_url(settings.data_dir)
        if url is None:
            try:
                stack.enter_context(embedded_lock(settings.data_dir))
            except Shared as shared:
                url = shared.url
        client = _http_client(url) if url else _embedded_client(settings)
        index = VectorIndex(client, settings, identity, index_id, fresh=fresh)
        index.where = url or "embedded"
        if url and not settings.chroma_url:  # borrowed from the `rag serve` sharing the data dir
            _follow(index, url, partial(successor, settings.data_dir, stack))
        yield index


@translated
def _embedded_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(
        path=str(settings.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False)
    )
