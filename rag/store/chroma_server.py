"""Sharing one data dir between processes: embedded Chroma belongs to one process at a time.

Chroma's embedded store (PersistentClient) is not safe for several processes: each keeps
its own copy of the vector index and misses the others' writes. So:
- a process that opens the data dir's embedded store holds `chroma.lock` (flock, dropped
  by the OS if it dies) and records who it is in that file;
- `rag serve` holds it on behalf of a `chroma run --path DATA_DIR/chroma` child on a free
  loopback port, recorded in `chroma-server.json`; every other process that opens the data
  dir (its workers, CLI commands, a second `rag serve`) finds it there and talks to it;
- a `rag serve` killed outright leaves that record behind: it counts only while its owner
  runs, and the next `rag serve` makes sure the old server is gone (it gets SIGTERM when
  its parent dies) before it starts its own over the same files.

    with SharedServer(data_dir):      # rag serve
        ...
    url = registered_url(data_dir)    # anyone else: the server to use, or None
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

import httpx

from rag.errors import StoreError
from rag.store.catalog import unwritable

LOCK_FILE = "chroma.lock"
SERVER_FILE = "chroma-server.json"
STARTUP_WAIT_S = 60.0  # a cold `chroma run` on a large index reads its files first
STALE_WAIT_S = 5.0  # Chroma exits within ~2 s of SIGTERM (tests/api/test_fault_kill.py)

_held: dict[Path, list[Any]] = {}  # data dir -> [open lock file, users in this process]
_held_lock = threading.Lock()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(url: str) -> bool:
    try:
        reply = httpx.get(f"{url}/api/v2/heartbeat", timeout=2, trust_env=False)
    except httpx.HTTPError:
        return False
    return reply.status_code == 200


def _running(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read(path: Path) -> dict[str, Any]:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def registered_url(data_dir: Path) -> str | None:
    """The URL of the live Chroma server serving `data_dir`, if one is registered by a
    `rag serve` that still runs (a killed one's server is on its way out)."""
    info = _read(data_dir / SERVER_FILE)
    url = info.get("url")
    if not isinstance(url, str) or ("owner" in info and not _running(info["owner"])):
        return None
    return url if _alive(url) else None


def _holder(data_dir: Path) -> dict[str, Any]:
    return _read(data_dir / LOCK_FILE)


@contextmanager
def embedded_lock(data_dir: Path, role: str = "embedded") -> Iterator[None]:
    """Hold the data dir's embedded store for the block (shared within this process).

    StoreError when another process holds it, naming that process; when that process is
    `rag serve` still starting its server, wait for it and raise `Shared` with its URL.
    """
    key = data_dir.resolve()
    with _held_lock:
        if key in _held:
            _held[key][1] += 1
        else:
            try:
                data_dir.mkdir(parents=True, exist_ok=True)
                handle = _take(data_dir, role)
            except OSError as exc:
                raise unwritable(exc) from exc
            _held[key] = [handle, 1]
    try:
        yield
    finally:
        with _held_lock:
            _held[key][1] -= 1
            if _held[key][1] == 0:
                handle = _held.pop(key)[0]
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()


class Shared(Exception):
    """The data dir is served by a Chroma server: use `url` instead of the embedded store."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def _take(data_dir: Path, role: str) -> IO[str]:
    handle = (data_dir / LOCK_FILE).open("a+")
    deadline = time.monotonic() + STARTUP_WAIT_S
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            url = registered_url(data_dir)
            if url:
                handle.close()
                raise Shared(url) from None
            holder = _holder(data_dir)
            if holder.get("role") != "serving" or time.monotonic() > deadline:
                handle.close()
                who = f"pid {holder.get('pid', '?')}: {holder.get('command', 'unknown')}"
                raise StoreError(
                    f"the index in {data_dir} is open in another process ({who}). Wait for "
                    "it to finish, or run `rag serve`: while it runs, other commands share "
                    "the index through it."
                ) from None
            time.sleep(0.2)  # `rag serve` is starting its server: it registers it shortly
    handle.seek(0)
    handle.truncate()
    command = " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv))
    handle.write(json.dumps({"pid": os.getpid(), "role": role, "command": command}))
    handle.flush()
    return handle


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _end_stale(data_dir: Path) -> None:
    """Be sure the Chroma server of a killed `rag serve` is gone before another runs over
    the same files: it gets SIGTERM when its parent dies; wait for it, then kill it."""
    pid = _read(data_dir / SERVER_FILE).get("pid")
    deadline = time.monotonic() + STALE_WAIT_S
    while isinstance(pid, int) and _serves(pid, data_dir) and time.monotonic() < deadline + 5:
        if time.monotonic() > deadline:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


def _serves(pid: int, data_dir: Path) -> bool:
    """Whether process `pid` is a `chroma run` over `data_dir` (known on Linux only)."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    paths = {str(data_dir / "chroma"), str(data_dir.resolve() / "chroma")}
    return any(p.encode() in args for p in paths)


class SharedServer:
    """`chroma run` over DATA_DIR/chroma on a free loopback port, for the block's lifetime."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir, self.port = data_dir, port
        self.url = f"http://127.0.0.1:{port}"
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock: Any = None

    def __enter__(self) -> SharedServer:
        self._lock = embedded_lock(self.data_dir, role="serving")
        self._lock.__enter__()
        _end_stale(self.data_dir)
        chroma = Path(sys.executable).parent / "chroma"
        command = str(chroma) if chroma.exists() else shutil.which("chroma")
        if command is None:
            self._release()
            raise StoreError("cannot share the index: the `chroma` command is not installed")
        log = (self.data_dir / "chroma-server.log").open("ab")
        cmd = [command, "run", "--path", str(self.data_dir / "chroma")]
        self._proc = subprocess.Popen(
            [*cmd, "--host", "127.0.0.1", "--port", str(self.port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        log.close()
        deadline = time.monotonic() + STARTUP_WAIT_S
        while not _alive(self.url):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise StoreError(
                    f"the Chroma server for {self.data_dir} did not start "
                    f"(see {self.data_dir / 'chroma-server.log'})"
                )
            time.sleep(0.2)
        info = {"url": self.url, "pid": self._proc.pid, "owner": os.getpid()}
        (self.data_dir / SERVER_FILE).write_text(json.dumps(info))
        return self

    def __exit__(self, *exc: object) -> None:
        (self.data_dir / SERVER_FILE).unlink(missing_ok=True)
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.__exit__(None, None, None)
            self._lock = None
