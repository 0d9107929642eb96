"""The archive as a reader browses it: a page of sources at a time, newest first, found by
title or id and narrowed to an outlet; the outlets with their article counts and dates.

    page = browse(catalog, query="ferry", outlet="The Harbour Post", limit=50)
    page.total, page.sources            # every match, and the 50 of this page
    outlets(catalog)                    # [Outlet("The Harbour Post", 310, first, last), ...]
    sources(catalog, ["ferry"])         # [SourceInfo("ferry", ...)]: those of these ids

Each is a single indexed catalog query (per 500 ids): its cost follows the page or the ids
asked for, not the size of the archive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from rag.store.backend import Catalog
from rag.store.filters import Filters
from rag.store.rows import SourceInfo
from rag.store.sql import select_in, sqlite_errors

SOURCE_COLUMNS = "source_id, title, outlet, published, notes, chunks, content_hash, text_sha256"
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Page:
    total: int  # sources matching, over all pages
    sources: list[SourceInfo]


@dataclass(frozen=True)
class Outlet:
    name: str | None  # None: the articles that carry no outlet
    articles: int
    first: str | None  # ISO dates of its oldest and newest dated article
    last: str | None


def _iso(day: int | None) -> str | None:
    return None if day is None else (_EPOCH + dt.timedelta(days=day)).isoformat()


@sqlite_errors
def browse(
    catalog: Catalog,
    query: str | None = None,
    outlet: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Page:
    """Sources newest first (undated last), whose title or id contains `query`
    (case-insensitive), from `outlet` when given."""
    where, params = [], []
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        # lower() on both sides: LIKE is case-blind in SQLite (ASCII), case-sensitive in PostgreSQL
        where.append(
            "(lower(title) LIKE lower(?) ESCAPE '\\' OR lower(source_id) LIKE lower(?) ESCAPE '\\')"
        )
        params += [pattern, pattern]
    if outlet is not None:
        where.append("outlet = ?")
        params.append(outlet)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    (total,) = catalog.query(f"SELECT count(*) FROM documents{clause}", params)[0]
    rows = catalog.query(
        f"SELECT {SOURCE_COLUMNS} FROM documents{clause} "
        "ORDER BY published_day IS NULL, published_day DESC, source_id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return Page(total=int(total), sources=[SourceInfo(*row) for row in rows])


@sqlite_errors
def sources(catalog: Catalog, source_ids: Sequence[str] | None = None) -> list[SourceInfo]:
    """Indexed sources (all, or those of `source_ids` that exist), by id."""
    if source_ids is None:
        rows = catalog.query(f"SELECT {SOURCE_COLUMNS} FROM documents ORDER BY 1")
    else:
        sql = f"SELECT {SOURCE_COLUMNS} FROM documents WHERE source_id IN ({{marks}})"
        rows = sorted(select_in(catalog.query, sql, source_ids))
    return [SourceInfo(*row) for row in rows]


@sqlite_errors
def outlets(catalog: Catalog, filters: Filters | None = None) -> list[Outlet]:
    """Every outlet of the articles `filters` lets through, with its article count and
    date range, most articles first."""
    where, params = (filters or Filters()).sql(chunk="d", document="d")
    rows = catalog.query(
        "SELECT outlet, count(*), min(published_day), max(published_day) FROM documents d "
        f"WHERE {where} GROUP BY outlet ORDER BY count(*) DESC, outlet NULLS FIRST",
        params,
    )
    return [Outlet(name, int(n), _iso(first), _iso(last)) for name, n, first, last in rows]
