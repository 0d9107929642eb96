"""Child servers: a command run as a child process that dies with this one, ready once its
health URL answers 200, stopped with SIGTERM (then SIGKILL if it lingers).

    with ChildServer(cmd, "http://127.0.0.1:PORT/health", log=path, name="the server") as child:
        ...                                   # child.proc: the process, answering
    port = free_port()

The policies on top stay with their servers: rag/store/chroma_server.py (one Chroma server
per data dir, shared between processes) and rag/llm/server.py (the llama.cpp server).
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import httpx

from rag.errors import ServerError

POLL_S = 0.1  # between health checks while a child starts


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthy(url: str, timeout: float = 2.0) -> bool:
    """True when GET `url` answers 200."""
    try:
        reply = httpx.get(url, timeout=timeout, trust_env=False)
    except httpx.HTTPError:
        return False
    return reply.status_code == 200


def _death_signal() -> Callable[[], None] | None:
    """What the child runs before exec so that it gets SIGTERM when its parent dies (Linux's
    PR_SET_PDEATHSIG), or None where there is no such thing."""
    if sys.platform != "linux":
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, not after the fork
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def arm() -> None:  # pragma: no cover - runs in the child between fork and exec
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the line above: no signal comes
            os._exit(1)

    return arm


def spawn(
    cmd: Sequence[str], log: Path, env: Mapping[str, str] | None = None, append: bool = False
) -> subprocess.Popen[bytes]:
    """Start `cmd` with its output in `log`; it gets SIGTERM when this process dies.

    The kernel sends that signal when the *thread* that started the child ends, and a
    server may be started from a short-lived worker thread (a request's): so a keeper
    thread starts it and lives exactly as long as it does.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    started: queue.Queue[subprocess.Popen[bytes] | BaseException] = queue.Queue(maxsize=1)

    def keep() -> None:
        try:
            with log.open("ab" if append else "wb") as out:
                proc = subprocess.Popen(
                    list(cmd),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=out,
                    env=dict(env) if env is not None else None,
                    preexec_fn=_death_signal(),
                )
        except BaseException as exc:  # handed to the caller, raised there
            started.put(exc)
            return
        started.put(proc)
        proc.wait()

    threading.Thread(target=keep, name=f"keeper: {Path(cmd[0]).name}", daemon=True).start()
    proc = started.get()
    if isinstance(proc, OSError):
        raise ServerError(f"cannot run {cmd[0]}: {proc}") from proc
    if isinstance(proc, BaseException):
        raise proc
    return proc


def stop(proc: subprocess.Popen[bytes], grace_s: float = 15.0) -> None:
    """SIGTERM, wait up to `grace_s` for it to exit, then SIGKILL."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def log_tail(log: Path, lines: int = 8) -> str:
    """The last `lines` of a child's log on one line, with where the log is."""
    try:
        text = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:]) + f" (log: {log})"


class ChildServer:
    """A server in a child process for the block: started, polled until its health URL
    answers (ServerError if it exits first or takes longer than `start_timeout_s`), and
    stopped on exit."""

    def __init__(
        self,
        cmd: Sequence[str],
        health_url: str,
        log: Path,
        name: str = "the server",
        start_timeout_s: float = 60.0,
        stop_grace_s: float = 15.0,
        env: Mapping[str, str] | None = None,
        append_log: bool = False,
    ) -> None:
        self.cmd, self.health_url, self.log, self.name = list(cmd), health_url, log, name
        self.start_timeout_s, self.stop_grace_s = start_timeout_s, stop_grace_s
        self.env, self.append_log = env, append_log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self) -> ChildServer:
        """Run it; returns once its health URL answers 200."""
        proc = self.proc = spawn(self.cmd, self.log, self.env, self.append_log)
        deadline = time.monotonic() + self.start_timeout_s
        while not healthy(self.health_url, timeout=min(2.0, self.start_timeout_s)):
            if proc.poll() is not None:
                raise ServerError(
                    f"{self.name} exited with code {proc.returncode}: {log_tail(self.log)}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise ServerError(
                    f"{self.name} did not answer within {self.start_timeout_s:.0f} s: "
                    f"{log_tail(self.log)}"
                )
            time.sleep(POLL_S)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, self.stop_grace_s)

    def __enter__(self) -> ChildServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
