"""`kill -9` in the middle of a real `rag ingest`, then the same command again: it completes,
with no duplicates and no orphans (every document whole: chunks, sentence vectors,
lexical entries and Chroma vectors)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eval.bench.common import synthetic_articles
from tests.conftest import SEEDS

pytestmark = pytest.mark.integration
ARTICLES = 100  # ~600 chunks: several commits of GROUP, ~20 s of embedding
GROUP = "128"  # chunks per commit (RAG_INGEST_GROUP_CHUNKS), so the kill lands mid-ingest


def rag(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], env=env, cwd=cwd, capture_output=True, text=True
    )


def documents(catalog: Path) -> int:
    if not catalog.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def test_kill_9_mid_ingest_then_the_same_command_completes(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    synthetic_articles(SEEDS, folder, ARTICLES)
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env.update(RAG_DATA_DIR=str(data), HF_HUB_OFFLINE="1", RAG_INGEST_GROUP_CHUNKS=GROUP)
    catalog = data / "catalog.sqlite3"

    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ingest", str(folder)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while documents(catalog) == 0:  # the first group is committed: kill in the next one
        assert proc.poll() is None, "ingest ended before it could be killed"
        assert time.monotonic() < deadline, "no document was committed in time"
        time.sleep(0.05)
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = documents(catalog)
    assert 0 < at_kill < ARTICLES

    check = rag("check", env=env, cwd=tmp_path)  # opening it repairs what the kill left
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"ok: {at_kill} sources" in check.stdout

    again = rag("ingest", str(folder), env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"added {ARTICLES - at_kill}, updated 0, unchanged {at_kill}, failed 0" in again.stdout

    final = rag("check", env=env, cwd=tmp_path)
    assert final.returncode == 0 and f"ok: {ARTICLES} sources" in final.stdout, final.stderr
    answer = rag("ask", "What does Nedim Useinow expect?", "--json", env=env, cwd=tmp_path)
    assert answer.returncode == 0 and '"mode": "answer"' in answer.stdout
