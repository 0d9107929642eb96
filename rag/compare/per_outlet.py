"""Per-outlet evidence: over an archive, "each source" means each outlet (publisher), with
its best articles on the topic as the evidence.

    groups = outlets_in_scope(retriever, filters)          # [("CNN", 812), ...]
    findings = find_per_outlet(retriever, topic, filters, groups)

Each outlet gets a search of its own, limited to its articles, so a prolific outlet cannot
crowd a smaller one out of the candidates; its best few articles are ranked sentence by
sentence (rag/compare/per_source.py decides whether each addresses the topic) and the
addressing ones, best first, are its evidence. Past `SEARCHED_OUTLETS` outlets, one
search over all of them serves every outlet, and an outlet it misses is silent. The work
grows with the number of outlets and of articles read per outlet, not with the archive.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.compare.per_source import CANDIDATES, CHUNKS_PER_SOURCE, SourceFinding, assess_all
from rag.retrieval.retriever import Passage, Retriever
from rag.store.filters import Filters

ARTICLES_READ = 5  # an outlet's best-matching articles that are read sentence by sentence
ARTICLES_SHOWN = 3  # of those that address the topic, the best shown as its evidence
PER_OUTLET_CANDIDATES = 40  # per side (dense, lexical) in an outlet's own search
SEARCHED_OUTLETS = 12  # more outlets than this share one search


@dataclass(frozen=True)
class OutletFinding:
    outlet: str | None  # None: the articles that carry no outlet
    articles: int  # in scope
    addresses: bool
    score: float
    findings: list[SourceFinding]  # its addressing articles, best first (none if silent)
    passages: list[Passage]


def outlets_in_scope(retriever: Retriever, filters: Filters) -> list[tuple[str | None, int]]:
    """The outlets whose articles `filters` lets through, with how many, most first."""
    return [(o.name, o.articles) for o in retriever.outlets(filters)]


def find_per_outlet(
    retriever: Retriever,
    topic: str,
    filters: Filters,
    outlets: list[tuple[str | None, int]],
) -> list[OutletFinding]:
    """For each outlet, its best articles on `topic` and whether it addresses it."""
    if not outlets:
        return []
    named = [name for name, _ in outlets if name is not None]
    passages: dict[str | None, list[Passage]] = {name: [] for name, _ in outlets}
    if len(outlets) <= SEARCHED_OUTLETS and len(named) == len(outlets):
        for outlet in named:
            own = filters.with_outlets([outlet])
            passages[outlet], vector, stats = retriever.candidates(
                topic, PER_OUTLET_CANDIDATES, own
            )
    else:
        hits, vector, stats = retriever.candidates(topic, CANDIDATES, filters)
        for p in hits:
            if p.chunk.outlet in passages:
                passages[p.chunk.outlet].append(p)
    out = []
    for name, count in outlets:
        by_source: dict[str, list[Passage]] = {}
        for p in passages[name]:  # best first
            sid = p.chunk.source_id
            if sid in by_source or len(by_source) < ARTICLES_READ:
                kept = by_source.setdefault(sid, [])
                if len(kept) < CHUNKS_PER_SOURCE:
                    kept.append(p)
        read = assess_all(retriever, topic, by_source, vector, stats)
        shown = sorted((f for f in read if f.addresses), key=lambda f: -f.score)[:ARTICLES_SHOWN]
        out.append(
            OutletFinding(
                outlet=name,
                articles=count,
                addresses=bool(shown),
                score=max((f.score for f in read), default=0.0),
                findings=shown,
                passages=[p for f in shown for p in f.passages],
            )
        )
    return out
