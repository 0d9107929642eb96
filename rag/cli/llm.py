"""`rag llm serve | model | bench`: the local LLM (llama.cpp serving a GGUF on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rag.cli.output import byte_progress, domain_errors, err, out, settings_with
from rag.config import get_settings
from rag.errors import ConfigError

llm_app = typer.Typer(
    help="The local LLM: llama.cpp serving a GGUF model on 127.0.0.1.",
    no_args_is_help=True,
    add_completion=False,
)


@llm_app.command()
def serve(
    model: Annotated[
        Path | None, typer.Option(help="GGUF file (default: the packaged model)")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Default: RAG_LOCAL_PORT")
    ] = None,
    ctx: Annotated[int | None, typer.Option(min=512, help="Context tokens (RAG_LOCAL_CTX)")] = None,
    threads: Annotated[int | None, typer.Option(min=1, help="CPU threads (default: all)")] = None,
) -> None:
    """Serve the local model (OpenAI-compatible, /v1) until Ctrl-C, for any client to share."""
    from rag.llm.server import base_url, is_serving, port_taken, resolve_model, serve_forever

    settings = settings_with(
        local_model_path=model, local_port=port, local_ctx=ctx, local_threads=threads
    )
    with domain_errors():
        if port_taken(settings.local_port):
            raise ConfigError(
                f"port {settings.local_port} is already in use"
                + (" by a llama.cpp server" if is_serving(settings.local_port) else "")
            )
        with byte_progress() as on_bytes:
            path = resolve_model(settings, on_bytes)
        err.print(f"serving {path.name} at {base_url(settings.local_port)} (Ctrl-C to stop)")
        serve_forever(path, settings.local_port, settings.local_ctx, settings.local_threads)


@llm_app.command("model")
def model_command() -> None:
    """Assemble and verify the packaged model in the data dir; print its path."""
    from rag.llm.server import resolve_model

    with domain_errors(), byte_progress() as on_bytes:
        path = resolve_model(get_settings(), on_bytes)
    out.print(str(path))


@llm_app.command()
def bench(
    questions: Annotated[Path | None, typer.Option(help="JSONL with a 'question' per line")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many questions")] = 5,
) -> None:
    """Time to first token, decode tokens/s, seconds per answer, peak server RAM (on the seeds)."""
    from eval.bench.llm import load_questions, run_llm_bench
    from rag.llm.server import resolve_model

    settings = get_settings()
    with domain_errors():
        with byte_progress() as on_bytes:
            resolve_model(settings, on_bytes)  # assembled (with a bar) before the timing starts
        run_llm_bench(settings, load_questions(questions, limit), console=out)
