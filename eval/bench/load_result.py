"""What a load run (eval/bench/load.py) found: its plan, the figures per request kind
reduced from the traffic tallies (eval/bench/load_traffic.py) and the checks afterwards
(eval/bench/load_verify.py), and which correctness checks failed (`LoadResult.failures`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from eval.bench.common import percentile
from eval.bench.load_traffic import Tallies, Tally
from eval.bench.load_verify import Checks


@dataclass(frozen=True)
class LoadPlan:
    clients: int = 32
    seconds: float = 60.0
    adds: int = 200
    deletes: int = 50
    workers: int = 2  # behind each host's one port: the checks afterwards run on each
    hosts: int = 1  # `rag serve`s with their own data dirs, sharing one catalog and Chroma
    max_requests: int = 100_000  # the bound on count, beside the one on time
    timeout: float = 120.0  # per request
    seed: int = 0

    def __post_init__(self) -> None:
        if self.clients < 1 or self.seconds <= 0 or self.workers < 1 or self.hosts < 1:
            raise ValueError("a load run needs clients, seconds, workers and hosts above zero")
        if not 0 <= self.deletes <= self.adds:
            raise ValueError("deletes must be between 0 and adds")


@dataclass(frozen=True)
class KindFigures:
    kind: str
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[int, int]  # 0: no reply
    server_errors: int
    broken: int


@dataclass(frozen=True)
class LoadResult:
    plan: LoadPlan
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    kinds: list[KindFigures]
    server_errors: int
    broken_streams: int  # 2xx streams without their terminal event, or with an error one
    other_failures: int  # no reply, or a status neither 2xx nor 5xx, or an unreadable body
    added: int
    deleted: int
    turns: int
    workers: list[int]  # pids of the workers the checks ran on
    lost_turns: list[str] = field(default_factory=list)
    unanswerable: list[str] = field(default_factory=list)
    still_present: list[str] = field(default_factory=list)
    stale_citations: list[str] = field(default_factory=list)
    write_failures: list[str] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)

    def failures(self) -> list[str]:
        """Every correctness check that failed, one line each (none: the run passed)."""
        checks = [
            (self.server_errors, "5xx replies"),
            (self.broken_streams, "broken streams"),
            (self.other_failures, "other failed requests (no reply, 4xx, unreadable body)"),
            (len(self.write_failures), "writes that failed"),
            (len(self.unanswerable), "added documents not answerable on a worker"),
            (len(self.still_present), "deleted documents still present on a worker"),
            (len(self.stale_citations), "answers citing a document deleted before they began"),
            (len(self.lost_turns), "acknowledged conversation turns lost"),
            (self.plan.workers * self.plan.hosts - len(self.workers), "workers not reached"),
        ]
        return [f"{n} {what}" for n, what in checks if n > 0]


def figures(kind: str, tally: Tally) -> KindFigures:
    ms = tally.latencies_ms
    return KindFigures(
        kind=kind,
        requests=len(ms),
        p50_ms=round(percentile(ms, 50) or 0.0, 1),
        p95_ms=round(percentile(ms, 95) or 0.0, 1),
        p99_ms=round(percentile(ms, 99) or 0.0, 1),
        statuses=dict(sorted(tally.statuses.items())),
        server_errors=sum(n for s, n in tally.statuses.items() if s >= 500),
        broken=tally.broken,
    )


def summarize(
    plan: LoadPlan,
    seconds: float,
    tallies: Tallies,
    checks: Checks,
    *,
    order: Sequence[str],
    added: int,
    deleted: int,
    stale: list[str],
    write_failures: list[str],
) -> LoadResult:
    """The run's result: figures per kind (in `order`) and overall, the writes made, the
    stale citations seen during the run and the checks afterwards."""
    kinds = [figures(k, tallies.kinds[k]) for k in order if k in tallies.kinds]
    every = Tally()
    for tally in tallies.kinds.values():
        every.statuses.update(tally.statuses)
        every.latencies_ms += tally.latencies_ms
    overall = figures("all", every)
    streams = sum(k.broken for k in kinds if k.kind.endswith("-stream"))
    unusable = sum(k.broken for k in kinds if not k.kind.endswith("-stream"))
    odd = sum(n for s, n in every.statuses.items() if not 200 <= s < 300 and s < 500)
    return LoadResult(
        plan=plan,
        seconds=round(seconds, 2),
        requests=overall.requests,
        rps=round(overall.requests / seconds, 1),
        p50_ms=overall.p50_ms,
        p95_ms=overall.p95_ms,
        p99_ms=overall.p99_ms,
        kinds=kinds,
        server_errors=overall.server_errors,
        broken_streams=streams,
        other_failures=odd + unusable,
        added=added,
        deleted=deleted,
        turns=checks.turns,
        workers=checks.workers,
        lost_turns=checks.lost_turns,
        unanswerable=checks.unanswerable,
        still_present=checks.still_present,
        stale_citations=stale,
        write_failures=write_failures,
        incidents=tallies.incidents,
    )
