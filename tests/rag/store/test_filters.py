"""Filters: the SQL condition and the Chroma `where` select the same articles.

Made-up articles (sources, outlets, dates, some undated) are written both to an in-memory
SQLite `documents`/`chunks` pair and to a real embedded Chroma collection (through
rag/store/vectors.py, with dummy 3-d vectors); for each filter in the table, the rows the
SQL condition keeps, the records the Chroma `where` keeps and the expected set are equal.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.config import Settings
from rag.documents.loading import Document
from rag.store.filters import LISTED_DAYS, UNDATED, Filters, day_number
from rag.store.rows import vector_meta
from rag.store.vectors import VectorIndex, open_vectors

# source_id: (outlet, published)
ARTICLES: dict[str, tuple[str | None, str | None]] = {
    "harrow-1": ("Harrow Ledger", "2023-03-10"),
    "harrow-2": ("Harrow Ledger", "2023-03-28"),
    "harrow-3": ("Harrow Ledger", "2023-06-30"),
    "quell-1": ("Quell Times", "2023-01-05"),
    "quell-2": ("Quell Times", None),
    "plain-1": (None, "2022-12-31"),
    "plain-2": (None, None),
    "osk-1": ("Osk Courier", "1969-12-31"),  # before the epoch: day -1, not UNDATED
}
CHUNKS = {sid: [f"{sid}:{i}" for i in range(2 if sid == "harrow-1" else 1)] for sid in ARTICLES}
ALL = frozenset(ARTICLES)
DATED = frozenset(sid for sid, (_, day) in ARTICLES.items() if day)
UNDATED_IDS = ALL - DATED


def _docs() -> list[Document]:
    return [
        Document(source_id=sid, text="x", outlet=outlet, published=published)
        for sid, (outlet, published) in ARTICLES.items()
    ]


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(":memory:")
    con.execute(
        "CREATE TABLE documents (source_id TEXT PRIMARY KEY, outlet TEXT, published_day INTEGER)"
    )
    con.execute("CREATE TABLE chunks (chunk_id TEXT PRIMARY KEY, source_id TEXT)")
    for sid, (outlet, published) in ARTICLES.items():
        day = day_number(date.fromisoformat(published)) if published else None
        con.execute("INSERT INTO documents VALUES (?, ?, ?)", (sid, outlet, day))
        con.executemany("INSERT INTO chunks VALUES (?, ?)", [(c, sid) for c in CHUNKS[sid]])
    yield con
    con.close()


@pytest.fixture(scope="module")
def vectors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VectorIndex]:
    data: Path = tmp_path_factory.mktemp("filters")
    settings = Settings(data_dir=data, _env_file=None)
    with open_vectors(settings, "fake/3d", "filters-test") as index:
        ids, metas = [], []
        for doc in _docs():
            for chunk_id in CHUNKS[doc.source_id]:
                ids.append(chunk_id)
                metas.append(vector_meta(doc))
        rng = np.random.default_rng(7)
        index.add(ids, rng.uniform(0.1, 1.0, size=(len(ids), 3)), metas)
        yield index


def sql_selects(db: sqlite3.Connection, filters: Filters) -> set[str]:
    condition, params = filters.sql()
    rows = db.execute(
        "SELECT c.source_id FROM chunks AS c JOIN documents AS d ON d.source_id = c.source_id "
        f"WHERE {condition}",
        params,
    ).fetchall()
    return {r[0] for r in rows}


def sql_documents_select(db: sqlite3.Connection, filters: Filters) -> set[str]:
    """The documents-only form (`chunk="d"`), as rag/store/search.py counts what a filter keeps."""
    condition, params = filters.sql(chunk="d", document="d")
    rows = db.execute(f"SELECT d.source_id FROM documents AS d WHERE {condition}", params)
    return {r[0] for r in rows.fetchall()}


def chroma_selects(index: VectorIndex, filters: Filters) -> set[str]:
    total = sum(len(c) for c in CHUNKS.values())
    hits = index.search([1.0, 1.0, 1.0], total, filters.chroma_where())
    return {chunk_id.split(":")[0] for chunk_id, _ in hits}


D = date.fromisoformat
MARCH = (D("2023-03-01"), D("2023-03-31"))

TABLE: list[tuple[Any, ...]] = [
    ("nothing", Filters(), ALL),
    ("one source", Filters.of(sources=["quell-2"]), frozenset({"quell-2"})),
    (
        "two sources",
        Filters.of(sources=["harrow-1", "plain-2"]),
        frozenset({"harrow-1", "plain-2"}),
    ),
    ("unknown source", Filters.of(sources=["nowhere-9"]), frozenset()),
    ("all but two", Filters.of(exclude=["quell-1", "plain-2"]), ALL - {"quell-1", "plain-2"}),
    (
        "one outlet",
        Filters.of(outlets=["Harrow Ledger"]),
        frozenset({"harrow-1", "harrow-2", "harrow-3"}),
    ),
    (
        "two outlets",
        Filters.of(outlets=["Quell Times", "Osk Courier"]),
        frozenset({"quell-1", "quell-2", "osk-1"}),
    ),
    ("since (inclusive)", Filters.of(since=D("2023-03-28")), frozenset({"harrow-2", "harrow-3"})),
    (
        "until (inclusive)",
        Filters.of(until=D("2023-01-05")),
        frozenset({"quell-1", "plain-1", "osk-1"}),
    ),
    ("until before the epoch", Filters.of(until=D("1969-12-31")), frozenset({"osk-1"})),
    ("since the first day", Filters.of(since=date.min), DATED),
    (
        "short range, listed days",
        Filters.of(since=D("2023-01-05"), until=D("2023-03-10")),
        frozenset({"quell-1", "harrow-1"}),
    ),
    (
        "long range, bounds",
        Filters.of(since=D("2022-12-31"), until=D("2023-06-29")),
        frozenset({"plain-1", "quell-1", "harrow-1", "harrow-2"}),
    ),
    (
        "empty range",
        Filters.of(since=D("2023-04-01"), until=D("2023-03-01")),
        frozenset(),
    ),
    (
        "short window keeps undated",
        Filters().within(*MARCH),
        UNDATED_IDS | {"harrow-1", "harrow-2"},
    ),
    (
        "long window keeps undated",
        Filters().within(D("2022-12-31"), D("2023-06-29")),
        UNDATED_IDS | {"plain-1", "quell-1", "harrow-1", "harrow-2"},
    ),
    (
        "as_of bound",
        Filters().within(date.min, D("2023-01-05")),
        UNDATED_IDS | {"quell-1", "plain-1", "osk-1"},
    ),
    (
        "window at the listed limit",
        Filters().within(D("2023-03-10"), D("2023-03-10") + timedelta(days=LISTED_DAYS - 1)),
        UNDATED_IDS | {"harrow-1", "harrow-2"},
    ),
    (
        "window past the listed limit",
        Filters().within(D("2023-03-10"), D("2023-03-10") + timedelta(days=LISTED_DAYS)),
        UNDATED_IDS | {"harrow-1", "harrow-2"},
    ),
    ("a preference filters nothing", Filters().preferring(*MARCH), ALL),
    (
        "sources, outlet and window",
        Filters.of(
            sources=["harrow-2", "harrow-3", "quell-2", "plain-2"],
            outlets=["Harrow Ledger", "Quell Times"],
        ).within(*MARCH),
        frozenset({"harrow-2", "quell-2"}),
    ),
    (
        "excluded, since and until",
        Filters.of(exclude=["harrow-2"], since=D("2023-01-01"), until=D("2023-12-31")),
        frozenset({"quell-1", "harrow-1", "harrow-3"}),
    ),
    (
        "since and a window",
        Filters.of(since=D("2023-03-01")).within(*MARCH),
        frozenset({"harrow-1", "harrow-2"}),
    ),
]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [pytest.param(t[1], t[2], id=t[0], marks=t[3:]) for t in TABLE],
)
def test_sql_and_chroma_select_the_same_articles(
    db: sqlite3.Connection, vectors: VectorIndex, filters: Filters, expected: frozenset[str]
) -> None:
    chroma = chroma_selects(vectors, filters)
    assert sql_selects(db, filters) == chroma == expected
    assert sql_documents_select(db, filters) == expected


PREFERRED: list[tuple[str, Filters, frozenset[str]]] = [
    ("only the window", Filters().preferring(*MARCH), UNDATED_IDS | {"harrow-1", "harrow-2"}),
    (
        "kept inside as_of",
        Filters().within(date.min, D("2023-03-20")).preferring(*MARCH),
        UNDATED_IDS | {"harrow-1"},
    ),
    (
        "with the other filters",
        Filters.of(outlets=["Harrow Ledger"]).preferring(D("2023-03-20"), D("2023-07-01")),
        frozenset({"harrow-2", "harrow-3"}),
    ),
]


@pytest.mark.parametrize(
    ("filters", "expected"), [t[1:] for t in PREFERRED], ids=[t[0] for t in PREFERRED]
)
def test_the_preferred_window_filter_agrees_too(
    db: sqlite3.Connection, vectors: VectorIndex, filters: Filters, expected: frozenset[str]
) -> None:
    preferred = filters.preferred()
    assert preferred is not None and preferred.prefer is None
    assert sql_selects(db, preferred) == chroma_selects(vectors, preferred) == expected


def test_no_preference_no_preferred_filter() -> None:
    assert Filters.of(sources=["harrow-1"]).preferred() is None


def test_nothing_to_filter_is_no_where_and_a_true_condition() -> None:
    assert Filters().chroma_where() is None
    assert Filters().preferring(*MARCH).chroma_where() is None
    assert Filters().sql() == ("TRUE", [])


def test_a_short_range_is_sent_as_its_days_and_a_window_adds_undated() -> None:
    where = Filters().within(D("2023-03-01"), D("2023-03-03")).chroma_where()
    first = day_number(D("2023-03-01"))
    assert where == {"published_day": {"$in": [first, first + 1, first + 2, UNDATED]}}


@pytest.mark.parametrize(
    ("day", "preferred"),
    [(D("2023-03-01"), True), (D("2023-03-31"), True), (D("2023-04-01"), False), (None, False)],
)
def test_is_preferred_is_inclusive_and_never_undated(day: date | None, preferred: bool) -> None:
    assert Filters().preferring(*MARCH).is_preferred(day) is preferred
    assert Filters().is_preferred(day) is False


def test_of_drops_repeated_values_keeping_order() -> None:
    f = Filters.of(sources=["b", "a", "b"], outlets=["X", "X"], exclude=["c", "c"])
    assert (f.sources, f.outlets, f.exclude) == (("b", "a"), ("X",), ("c",))
