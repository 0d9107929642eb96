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
  its parent dies) before it starts its own over the same files;
- a process using that server when its `rag serve` goes (stopped or killed) takes over:
  at the first refused connection it starts and registers its own (`successor`), and its
  client follows it there (`Following`), so it answers on without a restart.
The child process itself (dies with its parent, polled until ready, stopped) is
rag/supervisor.py's.

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
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import IO, Any

import httpx

from rag.errors import ServerError, StoreError
from rag.store.sql import unwritable
from rag.supervisor import ChildServer, free_port, healthy

LOCK_FILE = "chroma.lock"
SERVER_FILE = "chroma-server.json"
STARTUP_WAIT_S = 60.0  # a cold `chroma run` on a large index reads its files first
STALE_WAIT_S = 5.0  # Chroma exits within ~2 s of SIGTERM (tests/api/test_fault_kill.py)

_held: dict[Path, list[Any]] = {}  # data dir -> [open lock file, users in this process]
_held_lock = threading.Lock()
_succession = threading.Lock()  # one takeover at a time in this process


def _alive(url: str) -> bool:
    return healthy(f"{url}/api/v2/heartbeat")


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
        self._child: ChildServer | None = None
        self._lock: Any = None

    def __enter__(self) -> SharedServer:
        self._lock = embedded_lock(self.data_dir, role="serving")
        self._lock.__enter__()
        try:
            self._child = self._start()
        except BaseException:
            self._release()
            raise
        info = {"url": self.url, "pid": self._child.pid, "owner": os.getpid()}
        (self.data_dir / SERVER_FILE).write_text(json.dumps(info))
        return self

    def _start(self) -> ChildServer:
        _end_stale(self.data_dir)
        chroma = Path(sys.executable).parent / "chroma"
        command = str(chroma) if chroma.exists() else shutil.which("chroma")
        if command is None:
            raise StoreError("cannot share the index: the `chroma` command is not installed")
        cmd = [command, "run", "--path", str(self.data_dir / "chroma")]
        child = ChildServer(
            [*cmd, "--host", "127.0.0.1", "--port", str(self.port)],
            f"{self.url}/api/v2/heartbeat",
            log=self.data_dir / "chroma-server.log",
            name=f"the Chroma server for {self.data_dir}",
            start_timeout_s=STARTUP_WAIT_S,
            stop_grace_s=20.0,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            append_log=True,
        )
        try:
            return child.start()
        except ServerError as exc:
            child.stop()
            raise StoreError(f"cannot share the index: {exc}") from exc

    def __exit__(self, *exc: object) -> None:
        (self.data_dir / SERVER_FILE).unlink(missing_ok=True)
        if self._child is not None:
            self._child.stop()
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.__exit__(None, None, None)
            self._lock = None


def successor(data_dir: Path, stack: ExitStack) -> str | None:
    """The URL of `data_dir`'s Chroma server after the registered one refused a connection.

    When the `rag serve` that ran it is gone (stopped, or killed: its server went with it),
    this process takes its place: it takes the lock, starts its own server (stopped when
    `stack` closes) and registers it. If another process did so first, that one's URL. None
    while the owner still runs: its server is down, an outage like any other.
    """
    with _succession:
        url = registered_url(data_dir)
        if url is not None:
            return url
        owner = _read(data_dir / SERVER_FILE).get("owner")
        if owner is not None and _running(owner):
            return None
        try:
            return stack.enter_context(SharedServer(data_dir, free_port())).url
        except Shared as shared:
            return shared.url


class Following(httpx.BaseTransport):
    """The transport to a borrowed server, which follows the data dir's server when it moves:
    a refused connection asks `find` (`successor`) where it is now, and this request and the
    ones after go there."""

    def __init__(
        self, inner: httpx.BaseTransport, url: str, find: Callable[[], str | None]
    ) -> None:
        self._inner, self._find, self._at = inner, find, httpx.URL(url)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return self._inner.handle_request(self._to_current(request))
        except httpx.ConnectError:
            url = self._find()
            if url is None:
                raise
            self._at = httpx.URL(url)
            return self._inner.handle_request(self._to_current(request))

    def _to_current(self, request: httpx.Request) -> httpx.Request:
        at = self._at
        request.url = request.url.copy_with(scheme=at.scheme, host=at.host, port=at.port)
        request.headers["Host"] = at.netloc.decode("ascii")
        return request

    def close(self) -> None:
        self._inner.close()
