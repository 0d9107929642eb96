"""SQLite plumbing shared by the catalog's modules: connections, errors as StoreError, and
IN lists in batches.

    rows = select_in(catalog.query, "SELECT chunk_id FROM chunks WHERE chunk_id IN ({marks})", ids)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from rag.errors import StoreError

P = ParamSpec("P")
T = TypeVar("T")
Condition = tuple[str, Sequence[Any]]  # an SQL condition over `chunks c JOIN documents d`
Run = Callable[[str, Sequence[Any]], Iterable[tuple[Any, ...]]]
IN_BATCH = 500  # ids per IN list: well under SQLite's variable limit


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a killed process loses nothing
    db.execute("PRAGMA foreign_keys=ON")
    return db


def sqlite_errors(fn: Callable[P, T]) -> Callable[P, T]:
    """Raise SQLite and file failures (a locked, broken or read-only catalog) as StoreError."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except OSError as exc:
            raise unwritable(exc) from exc
        except sqlite3.Error as exc:
            raise StoreError(f"the catalog failed: {exc}") from exc

    return wrapper


def unwritable(exc: OSError) -> StoreError:
    """The data dir cannot be written (read-only, full, not ours), said in one line."""
    where = f"{exc.strerror}: {exc.filename}" if exc.strerror else str(exc)
    return StoreError(f"the data dir cannot be written ({where}); RAG_DATA_DIR must be writable")


def select_in(
    run: Run, sql: str, ids: Iterable[Any], params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """`sql` run over `ids` in batches: its `{marks}` becomes each batch's `?,?,…`, bound to
    the batch's ids and then to `params`. Each id is asked once; the rows of all batches."""
    unique = list(dict.fromkeys(ids))
    rows: list[tuple[Any, ...]] = []
    for at in range(0, len(unique), IN_BATCH):
        part = unique[at : at + IN_BATCH]
        rows += run(sql.replace("{marks}", ",".join("?" * len(part))), [*part, *params])
    return rows
