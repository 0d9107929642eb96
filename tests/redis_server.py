"""A throwaway redis-server for integration tests: 127.0.0.1, a free port, no persistence.

    with RedisServer(tmp_path) as redis:      # skips the test when redis-server is missing
        rag_serve(..., RAG_RATE_LIMIT_STORAGE=redis.url)
        redis.kill(); redis.start()           # a crash, then a restart on the same port

No system service is used: `make setup-dev` installs Debian's redis-server for the binary.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import free_port


def redis_binary() -> str:
    """The redis-server binary, or a skip that says how to install it."""
    found = shutil.which("redis-server")
    if found is None:
        pytest.skip(
            "redis-server is not installed: `make setup-dev` (apt-get install redis-server)"
        )
    return found


class RedisServer:
    """`redis-server` in `folder` on a free port kept across restarts (a context manager)."""

    def __init__(self, folder: Path) -> None:
        self.binary, self.folder, self.port = redis_binary(), folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20) -> RedisServer:
        """Run it (empty: nothing is saved); returns once it answers PING."""
        self.folder.mkdir(parents=True, exist_ok=True)
        where = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)]
        with (self.folder / "redis.log").open("a") as log:
            self._proc = subprocess.Popen(
                [self.binary, *where, "--save", "", "--appendonly", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"redis-server did not start: {self.folder / 'redis.log'}")
            time.sleep(0.05)
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """End it with SIGKILL, as a crash would; its counts are gone (nothing is saved)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
        if self._proc is not None:
            self._proc.wait()

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
