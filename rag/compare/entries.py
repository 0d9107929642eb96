"""Compare mode's entries: one per source (an article, or an outlet with its articles),
with its summary, its citations and its dates; a silent source's entry cites nothing."""

from __future__ import annotations

from rag.compare.per_outlet import OutletFinding
from rag.compare.per_source import SourceFinding
from rag.compare.synthesis import Party
from rag.language.dates import parse_date
from rag.retrieval.evidence import Sentence
from rag.schema import ArticleRef, SourceEntry

NO_OUTLET = "Articles without an outlet"


def article_party(f: SourceFinding) -> Party:
    return Party(f.source_id, f.outlet or f.title or f.source_id, f.addresses)


def outlet_party(g: OutletFinding) -> Party:
    return Party(g.outlet or "", g.outlet or NO_OUTLET, g.addresses)


def _iso(published: str | None) -> str | None:
    day = parse_date(published)
    return day.isoformat() if day else None


def dates_of(entry: SourceEntry) -> str:
    """ " (2022-10-18, 2022-10-20)": the dates of an outlet's cited articles, in the text."""
    days = sorted({a.date for a in entry.articles if a.date})
    return f" ({', '.join(days)})" if days else ""


def entry(
    found: SourceFinding | OutletFinding,
    summary: str,
    citations: list[int] | None,
    evidence: list[Sentence],
) -> SourceEntry:
    """An entry; with no citations it records that the source is silent."""
    if isinstance(found, SourceFinding):
        return SourceEntry(
            group="article",
            source_id=found.source_id,
            title=found.title,
            outlet=found.outlet,
            published=found.published,
            date=_iso(found.published),
            addresses_topic=citations is not None,
            summary=summary,
            citations=citations or [],
        )
    number = {s.key: n for n, s in enumerate(evidence, start=1)}
    cited = set(citations or [])
    articles = []
    for f in found.findings if citations else []:
        own = [n for s in f.ranked if (n := number.get(s.key)) in cited and n is not None]
        if own:
            articles.append(
                ArticleRef(
                    source_id=f.source_id,
                    title=f.title,
                    published=f.published,
                    date=_iso(f.published),
                    citations=sorted(own),
                )
            )
    dates = [a.date for a in articles if a.date]
    return SourceEntry(
        group="outlet",
        source_id=None,
        title=None,
        outlet=found.outlet,
        date=max(dates) if dates else None,
        addresses_topic=citations is not None,
        summary=summary,
        citations=citations or [],
        articles=articles,
        articles_in_scope=found.articles,
    )
