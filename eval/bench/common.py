"""Helpers every benchmark shares: free ports, peak memory, readiness, timing, percentiles.

Percentiles are `eval.metrics.percentile` (linear interpolation, q in 0..100) everywhere.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

from eval.metrics import percentile
from rag.supervisor import free_port

__all__ = [
    "current_rss_mb",
    "free_port",
    "p50_p95",
    "peak_rss_mb",
    "percentile",
    "synthetic_articles",
    "timed_ms",
    "wait_ready",
]


def peak_rss_mb(pid: int, children: bool = True) -> float | None:
    """Peak resident memory (VmHWM) of `pid`, plus its children's, in MB; None off Linux."""
    pids = [pid]
    if children:
        try:
            import psutil

            pids += [c.pid for c in psutil.Process(pid).children(recursive=True)]
        except (ImportError, OSError):
            pass
    total_kb, seen = 0, False
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
                seen = True
    return round(total_kb / 1024, 1) if seen else None


def current_rss_mb(pid: int) -> float | None:
    """Resident memory (VmRSS) of `pid` now, in MB; None off Linux."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def wait_ready(base: str, timeout: float = 120.0, path: str = "/readyz") -> None:
    """Poll `base + path` until it answers 200; RuntimeError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}{path}", timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base}{path} did not answer 200 within {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Stop a server as Ctrl-C would (it shuts down cleanly), killing it if it hangs."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def timed_ms(fn: Callable[[], object]) -> float:
    """Milliseconds one call of `fn` takes."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def p50_p95(values: Sequence[float]) -> str:
    """ "p50 / p95" of `values`, for a table cell."""
    if not values:
        return "—"
    return f"{percentile(values, 50):.1f} / {percentile(values, 95):.1f}"


CITIES = ("Lisbon", "Oslo", "Nairobi", "Quito", "Hanoi", "Tbilisi", "Accra", "Lima", "Riga")
TOPICS = ("copper", "cobalt", "wheat", "tariffs", "pipelines", "elections", "drones", "ports")


def synthetic_articles(seeds: Path, folder: Path, count: int, seed: int = 0) -> list[Path]:
    """`count` made-up articles of 30-40 shuffled seed sentences, with places and topics
    swapped in, so each is different; written as .txt files (ours to keep, unlike the
    shared archive's articles)."""
    from rag.documents.loading import load_documents
    from rag.language.text import sentences

    rng = random.Random(seed)
    pool = [d.text[s.start : s.end] for d in load_documents([seeds]) for s in sentences(d.text)]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        picked = rng.sample(pool, k=min(len(pool), rng.randint(30, 40)))
        paragraphs = []
        for j in range(0, len(picked), 4):
            text = " ".join(picked[j : j + 4])
            for old in ("Ukraine", "Russia", "Europe", "minerals"):
                text = text.replace(old, rng.choice(CITIES + TOPICS))
            paragraphs.append(text)
        path = folder / f"synthetic_{seed}_{i:05d}.txt"
        path.write_text(f"{rng.choice(CITIES)} Report On {rng.choice(TOPICS).title()} {i}\n")
        with path.open("a") as f:
            f.write("\n".join(paragraphs) + "\n")
        paths.append(path)
    return paths
