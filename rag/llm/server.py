"""Local LLM server: llama.cpp (xllamacpp) speaking the OpenAI-compatible API on 127.0.0.1.

Run `rag llm serve [--model PATH] [--port N]` to share one server between clients (the child
process form is `python -m rag.llm.server --model PATH --port N`). With RAG_GENERATOR=local,
`local_base_url()` reuses a server already listening on RAG_LOCAL_PORT, or starts one as a
child process that stops when its parent exits. Either way the answers go through
`rag.llm.client.make_chat_model`: one code path for every LLM.
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rag.config import Settings
from rag.errors import ConfigError, GenerationError, ServerError
from rag.llm.model import OnBytes, ensure_model
from rag.supervisor import ChildServer, healthy

HOST = "127.0.0.1"
MODEL_ALIAS = "local"  # the name /v1/models reports; llama.cpp serves one model per server


def base_url(port: int) -> str:
    return f"http://{HOST}:{port}/v1"


def is_serving(port: int, timeout: float = 1.0) -> bool:
    """True when a llama.cpp server on `port` has its model loaded (GET /health is 200)."""
    return healthy(f"http://{HOST}:{port}/health", timeout=timeout)


def port_taken(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def resolve_model(settings: Settings, on_bytes: OnBytes | None = None) -> Path:
    """The GGUF to serve: RAG_LOCAL_MODEL_PATH, or the packaged model (assembled, verified)."""
    if settings.local_model_path is not None:
        if not settings.local_model_path.is_file():
            raise ConfigError(f"RAG_LOCAL_MODEL_PATH {settings.local_model_path} is not a file")
        return settings.local_model_path
    return ensure_model(settings.data_dir / "models", on_bytes=on_bytes)


def serve_forever(
    model: Path, port: int, ctx: int, threads: int | None, parent_pid: int | None = None
) -> None:
    """Run llama.cpp's HTTP server in this process until SIGTERM/SIGINT or the parent dies."""
    try:
        import xllamacpp
    except ImportError as exc:
        raise ConfigError("the local LLM needs xllamacpp: run `pip install -e .[local]`") from exc
    p = xllamacpp.CommonParams()
    p.model.path = str(model)
    p.model_alias = {MODEL_ALIAS}
    p.n_ctx = ctx
    p.n_parallel = 1  # one slot gets the whole context; 2 cores gain nothing from batching
    p.cpuparams.n_threads = p.cpuparams_batch.n_threads = threads or os.cpu_count() or 1
    p.port, p.hostnames = port, [HOST]
    p.endpoint_metrics = True  # `rag llm bench` reads prompt/decode rates from /metrics
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if parent_pid is not None:
        threading.Thread(target=_watch_parent, args=(parent_pid, stop), daemon=True).start()
    server = xllamacpp.Server(p)  # returns once the model is loaded and the port is bound
    try:
        while not stop.wait(0.5):
            pass
    finally:
        del server  # its destructor stops the HTTP server and frees the model


def _watch_parent(parent_pid: int, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        if os.getppid() != parent_pid:  # re-parented: the process that started us is gone
            stop.set()


class ManagedServer:
    """A llama.cpp server in a child process (`python -m rag.llm.server`), owned here."""

    def __init__(
        self,
        model: Path,
        port: int,
        log: Path,
        ctx: int = 4096,
        threads: int | None = None,
        start_timeout_s: float = 180.0,
    ) -> None:
        self.model, self.port, self.log, self.ctx = model, port, log, ctx
        self.threads, self.start_timeout_s = threads, start_timeout_s
        self._child: ChildServer | None = None

    @property
    def url(self) -> str:
        return base_url(self.port)

    @property
    def proc(self) -> subprocess.Popen[bytes] | None:
        return self._child.proc if self._child else None

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child else None

    def start(self) -> None:
        options = {
            "--model": self.model,
            "--port": self.port,
            "--ctx": self.ctx,
            "--threads": self.threads,
            "--parent-pid": os.getpid(),
        }
        cmd = [sys.executable, "-m", "rag.llm.server"]
        cmd += [str(x) for name, value in options.items() if value for x in (name, value)]
        self._child = ChildServer(
            cmd,
            f"http://{HOST}:{self.port}/health",
            log=self.log,
            name="the llama.cpp server",
            start_timeout_s=self.start_timeout_s,
        )
        try:
            self._child.start()
        except ServerError as exc:
            raise GenerationError(str(exc)) from exc

    def stop(self) -> None:
        if self._child is not None:
            self._child.stop()

    def __enter__(self) -> ManagedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


_managed: dict[int, ManagedServer] = {}  # servers this process started, stopped at exit


def managed_server(
    settings: Settings, port: int | None = None, log: Path | None = None
) -> ManagedServer:
    """A not-yet-started child server for the configured model (assembled first if needed)."""
    port = port or settings.local_port
    return ManagedServer(
        resolve_model(settings),
        port,
        log=log or settings.data_dir / "logs" / f"llm-{port}.log",
        ctx=settings.local_ctx,
        threads=settings.local_threads,
        start_timeout_s=settings.local_start_timeout_s,
    )


def local_base_url(settings: Settings) -> str:
    """The OpenAI-compatible URL of the local server: reused if one listens, else started."""
    port = settings.local_port
    if is_serving(port):
        return base_url(port)
    if port_taken(port):
        raise ConfigError(
            f"port {port} is in use by something that is not a llama.cpp "
            "server: stop it or set RAG_LOCAL_PORT"
        )
    server = managed_server(settings)
    try:
        server.start()
    except GenerationError:
        if is_serving(port):  # another process started one on this port first: share it
            return base_url(port)
        raise
    if not _managed:
        atexit.register(stop_managed)
    _managed[port] = server
    return server.url


def stop_managed() -> None:
    """Stop every server this process started (registered with atexit on the first start)."""
    while _managed:
        _managed.popitem()[1].stop()


@contextmanager
def local_server(settings: Settings) -> Iterator[str]:
    """The local server's URL for the block: reused if one listens, else started and stopped."""
    if is_serving(settings.local_port):
        yield base_url(settings.local_port)
        return
    with managed_server(settings) as server:
        yield server.url


def main(argv: list[str] | None = None) -> None:
    """The child-process entry point of `ManagedServer` (options as `rag llm serve`)."""
    parser = argparse.ArgumentParser(description="Serve a GGUF with llama.cpp on 127.0.0.1.")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ctx", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--parent-pid", type=int, default=None)
    args = parser.parse_args(argv)
    serve_forever(args.model, args.port, args.ctx, args.threads, parent_pid=args.parent_pid)


if __name__ == "__main__":  # pragma: no cover
    main()
