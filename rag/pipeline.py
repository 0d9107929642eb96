"""Wiring: build the embedder, store, retriever, generator and chain from `Settings`.

with open_pipeline(settings) as pipe:
    pipe.chain.ask("Was the deal signed?")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rag.chain import AnswerChain
from rag.chat.condense import Condenser, LLMCondenser, RuleCondenser
from rag.config import Settings
from rag.embeddings import CachedEmbeddings, make_embedder
from rag.generation.base import Generator
from rag.generation.chat import ChatGenerator
from rag.generation.extractive import ExtractiveGenerator
from rag.llm.client import chat_model_for
from rag.retrieval import Retriever
from rag.store import ChunkStore, open_store


def make_generator(settings: Settings) -> Generator:
    model = chat_model_for(settings)
    if model is None:
        return ExtractiveGenerator(settings.extractive_sentences)
    return ChatGenerator(model, settings.generator, settings.evidence_sentences)


def make_condenser(settings: Settings) -> Condenser:
    """Follow-up rewriting that goes with the generator: the LLM's prompt, or the rule."""
    model = chat_model_for(settings)
    return RuleCondenser() if model is None else LLMCondenser(model)


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
