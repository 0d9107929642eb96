"""A data dir that is read-only, or holds a corrupt database, under a real `rag serve`.

- read-only (a read-only bind mount, made in a private mount namespace so nothing else
  sees it; chmod cannot stop root): `rag serve` and `rag ask` exit at once with one line
  saying the data dir cannot be written, and write nothing;
- a corrupt conversation file: the API starts and answers questions; chat calls are a 503
  naming the file and what to do, the file is left as it was, and once it is moved away
  chat works again without a restart;
- a corrupt catalog: `rag serve` and `rag check` exit non-zero naming the catalog.
"""

from __future__ import annotations

import hashlib
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.servers import RagServer, clean_env

pytestmark = pytest.mark.integration

GARBAGE = bytes(range(256)) * 64
QUESTION = "Was the minerals deal signed?"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def read_only(folder: Path, *cmd: str) -> list[str]:
    """`cmd` run where `folder` is a read-only bind mount of itself, in a mount namespace of
    its own: no other process sees the mount, and it goes when the command ends."""
    d = shlex.quote(str(folder))
    mount = f"mount --bind {d} {d} && mount -o remount,ro,bind {d} {d}"
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        f"{mount} && exec {shlex.join(cmd)}",
    ]


def rag(
    cwd: Path, *args: str, wrap: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "rag.cli", *args]
    return subprocess.run(
        read_only(wrap, *cmd) if wrap else cmd,
        env=clean_env(**env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=90,  # a serve that starts after all would never exit: fail, bounded
    )


def serve_args() -> list[str]:
    return ["serve", "--host", "127.0.0.1", "--port", str(free_port())]


@pytest.fixture
def data(seeded_dir: Path, tmp_path: Path) -> Path:
    return shutil.copytree(seeded_dir, tmp_path / "data")


@pytest.fixture
def can_mount(data: Path) -> None:
    """Skip unless a read-only bind mount can be made here (root, and unshare allowed)."""
    if shutil.which("unshare") is None:
        pytest.skip("no `unshare` here to make a read-only bind mount")
    probe = subprocess.run(
        read_only(data, "sh", "-c", f"! touch {shlex.quote(str(data / 'probe'))} 2>/dev/null"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make a read-only bind mount here: {probe.stderr.strip()}")


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The one error line a failed command printed (exit 2, no traceback)."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


@pytest.mark.usefixtures("can_mount")
def test_a_read_only_data_dir_is_one_clear_line_and_nothing_written(
    data: Path, tmp_path: Path
) -> None:
    before = snapshot(data)
    for args in (serve_args(), ["ask", QUESTION], ["check"]):
        started = time.monotonic()
        done = rag(tmp_path, *args, wrap=data, RAG_DATA_DIR=str(data))
        took = time.monotonic() - started
        print(f"rag {args[0]}: exit {done.returncode} in {took:.1f} s: {done.stderr.strip()!r}")
        assert "the data dir cannot be written (Read-only file system" in one_line(done)
    assert snapshot(data) == before


@pytest.mark.usefixtures("can_mount")
def test_a_read_only_data_dir_stops_serve_with_a_chroma_url_in_one_line(
    data: Path, tmp_path: Path
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # never reached: the data dir fails first
    done = rag(tmp_path, *serve_args(), wrap=data, RAG_DATA_DIR=str(data), RAG_CHROMA_URL=nowhere)
    print(f"rag serve (RAG_CHROMA_URL): exit {done.returncode}: {done.stderr.strip()[-300:]!r}")
    assert "the data dir cannot be written (Read-only file system" in done.stderr
    one_line(done)


def test_a_corrupt_conversation_file_fails_chat_only_until_it_is_moved_away(
    data: Path, tmp_path: Path
) -> None:
    conversations = data / "conversations.sqlite3"
    conversations.write_bytes(GARBAGE)
    with (
        RagServer(data, tmp_path) as server,  # it starts: questions need no history
        httpx.Client(base_url=server.url, timeout=60, trust_env=False) as http,
    ):
        assert http.post("/v1/ask", json={"question": QUESTION}).status_code == 200
        assert http.get("/readyz").status_code == 200
        seen = {
            "POST /v1/chat": http.post("/v1/chat", json={"message": QUESTION}),
            "GET /v1/conversations": http.get("/v1/conversations"),
            "GET /v1/conversations/{id}": http.get(f"/v1/conversations/{'a' * 32}"),
        }
        for name, reply in seen.items():
            print(f"{name}: {reply.status_code} {reply.json()['detail']!r}")
            assert reply.status_code == 503, reply.text
            assert "conversations.sqlite3 is corrupt" in reply.json()["detail"]
            assert "move it away" in reply.json()["detail"]
        assert conversations.read_bytes() == GARBAGE  # nothing written into it
        assert "conversations.sqlite3 is corrupt" in server.log.read_text()  # said at start-up

        conversations.rename(data / "conversations.corrupt")
        start = time.monotonic()
        chat = http.post("/v1/chat", json={"message": QUESTION})
        took = time.monotonic() - start
        print(f"chat once the file was moved away: {chat.status_code} in {took:.2f} s")
        assert chat.status_code == 200, chat.text
        cid = chat.json()["conversation_id"]
        assert len(http.get(f"/v1/conversations/{cid}").json()["messages"]) == 2


def corrupt_catalog(data: Path) -> Path:
    catalog = data / "catalog.sqlite3"
    catalog.write_bytes(GARBAGE)
    for name in ("catalog.sqlite3-wal", "catalog.sqlite3-shm"):
        (data / name).unlink(missing_ok=True)
    return catalog


def test_a_corrupt_catalog_stops_serve_and_check_naming_it(data: Path, tmp_path: Path) -> None:
    catalog = corrupt_catalog(data)
    check = rag(tmp_path, "check", RAG_DATA_DIR=str(data))
    assert one_line(check).endswith(f"cannot open the catalog {catalog}: file is not a database")
    serve = rag(tmp_path, *serve_args(), RAG_DATA_DIR=str(data))
    print(f"rag serve: exit {serve.returncode}: {serve.stderr.strip().splitlines()[-1]!r}")
    assert serve.returncode != 0
    assert f"cannot open the catalog {catalog}: file is not a database" in serve.stderr
    assert catalog.read_bytes() == GARBAGE


def test_a_corrupt_catalog_stops_serve_in_one_line(data: Path, tmp_path: Path) -> None:
    catalog = corrupt_catalog(data)
    serve = rag(tmp_path, *serve_args(), RAG_DATA_DIR=str(data))
    assert one_line(serve).endswith(f"cannot open the catalog {catalog}: file is not a database")
