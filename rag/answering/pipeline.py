"""Wiring: build the embedder, store, retriever, generator and chain from `Settings`.

with open_pipeline(settings) as pipe:
    pipe.chain.ask("Was the deal signed?")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from rag.answering.chain import AnswerChain
from rag.chat.condense import Condenser, LLMCondenser, RuleCondenser
from rag.config import Settings
from rag.embedding.embedders import CachedEmbeddings, OpenAIEmbedder
from rag.errors import ConfigError
from rag.generation.base import Generator
from rag.generation.chat import ChatGenerator
from rag.generation.extractive import ExtractiveGenerator
from rag.llm.client import chat_model_for
from rag.llm.guard import LLMGuard
from rag.reading.base import Reader
from rag.reading.factory import reader_for
from rag.retrieval.retriever import Retriever
from rag.store.chunks import ChunkStore, open_store
from rag.support.judge import SupportJudge
from rag.verification.base import Verifier
from rag.verification.factory import verifier_for


def make_guard(settings: Settings) -> LLMGuard:
    return LLMGuard(timeout_s=settings.llm_timeout_s, cooldown_s=settings.llm_cooldown_s)


def make_generator(settings: Settings, guard: LLMGuard | None = None) -> Generator:
    model = chat_model_for(settings)
    if model is None:
        return ExtractiveGenerator(settings.extractive_sentences)
    local = settings.generator == "local"
    return ChatGenerator(
        model,
        settings.generator,
        settings.local_evidence_sentences if local else settings.evidence_sentences,
        guard=guard or make_guard(settings),
        grammar=local if settings.llm_grammar is None else settings.llm_grammar,
    )


def make_condenser(settings: Settings, guard: LLMGuard | None = None) -> Condenser:
    """Follow-up rewriting that goes with the generator: the LLM's prompt, or the rule.
    Give it the generator's `guard`, so one failure makes both skip the LLM."""
    model = chat_model_for(settings)
    if model is None:
        return RuleCondenser()
    return LLMCondenser(model, guard=guard or make_guard(settings))


def make_embedder(
    spec: str, *, batch_size: int = 32, base_url: str | None = None, api_key: str | None = None
) -> CachedEmbeddings:
    provider, _, model = spec.partition("/")
    match provider:
        case "local":
            from rag.embedding.minilm import OnnxMiniLM

            _require_minilm(model)
            return OnnxMiniLM(batch_size=batch_size)
        case "local-torch":
            from rag.embedding.minilm import TorchMiniLM

            _require_minilm(model)
            return TorchMiniLM(batch_size=batch_size)
        case "openai":
            return OpenAIEmbedder(model, base_url, api_key)
        case _:
            raise ConfigError(f"unknown embedding provider {provider!r} in {spec!r}")


def _require_minilm(model: str) -> None:
    if model.lower() != "all-minilm-l6-v2":
        raise ConfigError(f"the local embedder ships only all-MiniLM-L6-v2, not {model!r}")


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
    guard: LLMGuard  # shared by the generator and the condenser made for this pipeline
    reader: Reader | None = None  # RAG_READER: ranks evidence, finds the short answer


@contextmanager
def open_pipeline(
    settings: Settings,
    generator: Generator | None = None,
    reset: bool = False,
    reader: Reader | Literal["settings"] | None = "settings",
    verifier: Verifier | Literal["settings"] | None = "settings",
) -> Iterator[Pipeline]:
    """Everything needed to ingest and answer, opened once for the `with` block
    (`reset`: the index emptied first, as `rag ingest --reset` does; `reader`: the one
    `settings` name unless given, None for none; `verifier` alike)."""
    chosen = reader_for(settings) if reader == "settings" else reader
    checker = verifier_for(settings) if verifier == "settings" else verifier
    judge = SupportJudge(checker, settings.claim_coverage)
    with open_store(settings, embedder_for(settings), reset=reset) as store:
        retriever = Retriever(store, settings)
        guard = make_guard(settings)
        generator = generator or make_generator(settings, guard)
        chain = AnswerChain(retriever, generator, settings, reader=chosen, judge=judge)
        yield Pipeline(
            settings=settings,
            store=store,
            retriever=retriever,
            chain=chain,
            guard=guard,
            reader=chosen,
        )
