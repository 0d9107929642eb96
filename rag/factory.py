"""Wiring: build the embedder, store, retriever, generator and chain from `Settings`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rag.chain import AnswerChain
from rag.config import Settings
from rag.embeddings import CachedEmbeddings, make_embedder
from rag.generation.base import Generator
from rag.generation.chat import ChatGenerator
from rag.generation.extractive import ExtractiveGenerator
from rag.llm import make_chat_model
from rag.retrieval import Retriever
from rag.store import ChunkStore, open_store


def make_generator(settings: Settings) -> Generator:
    match settings.generator:
        case "extractive":
            return ExtractiveGenerator(settings.extractive_sentences)
        case "openai":
            settings.require_llm_endpoint()
            return ChatGenerator(make_chat_model(settings), "openai", settings.evidence_sentences)
        case "local":
            from rag.localllm import local_base_url

            # 3 cited sentences are ~100 tokens; a 1.5B model that starts copying out the
            # whole evidence list is cut off instead of running to max_tokens (~35 s).
            capped = settings.model_copy(
                update={"max_tokens": min(settings.max_tokens, settings.local_max_tokens)}
            )
            model = make_chat_model(capped, base_url=local_base_url(settings), model="local")
            return ChatGenerator(model, "local", settings.evidence_sentences)
        case _:
            raise ValueError(f"unknown generator {settings.generator!r}")


def embedder_for(settings: Settings) -> CachedEmbeddings:
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return make_embedder(
        settings.embedder,
        batch_size=settings.embed_batch_size,
        base_url=settings.openai_base_url,
        api_key=key,
    )


@dataclass
class Pipeline:
    settings: Settings
    store: ChunkStore
    retriever: Retriever
    chain: AnswerChain


@contextmanager
def open_pipeline(settings: Settings, generator: Generator | None = None) -> Iterator[Pipeline]:
    """Everything needed to ingest and answer, opened once for the `with` block."""
    with open_store(settings, embedder_for(settings)) as store:
        retriever = Retriever(store, settings)
        chain = AnswerChain(retriever, generator or make_generator(settings), settings)
        yield Pipeline(settings=settings, store=store, retriever=retriever, chain=chain)
