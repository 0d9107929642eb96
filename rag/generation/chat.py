"""Chat generator: LangChain `ChatOpenAI` against any OpenAI-compatible endpoint.

The model sees numbered evidence *sentences* (not whole chunks): every [n] then names
one exact quote, and a small model reads a shorter prompt. Every call goes through an
`LLMGuard`: bounded by its timeout, skipped while a recent failure's cool-down lasts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable

from rag.generation.base import REFUSAL, Summarizer, format_evidence
from rag.llm.grammar import cited_answer_grammar
from rag.llm.guard import LLMGuard
from rag.llm.injection import is_instruction
from rag.llm.prompts import load_prompt
from rag.retrieval.evidence import Sentence
from rag.retrieval.retriever import Retrieval


def reading_order(evidence: Sequence[Sentence]) -> list[Sentence]:
    """Group by source (best source first), article order within a source: reads as prose."""
    first_rank: dict[str, int] = {}
    for i, s in enumerate(evidence):
        first_rank.setdefault(s.source_id, i)
    return sorted(evidence, key=lambda s: (first_rank[s.source_id], s.span.start))


class ChatGenerator:
    verbatim = False  # an LLM's words: each sentence is judged against its quotes

    def __init__(
        self,
        model: BaseChatModel,
        name: str = "openai",
        evidence_sentences: int = 10,
        compare_tokens: int = 120,
        guard: LLMGuard | None = None,
        grammar: bool = False,
    ):
        """`grammar`: send llama.cpp a GBNF grammar (rag/llm/grammar.py) so the model can
        write only markers that name its evidence; for llama.cpp servers only."""
        self.name = name
        self.guard = guard or LLMGuard(timeout_s=120, cooldown_s=0)
        self._limit = evidence_sentences
        self._model = model
        self._grammar = grammar
        self._answer = load_prompt("answer").chat_template()
        self._retry = load_prompt("strict_retry")
        self._compare = load_prompt("compare_source").chat_template()
        self._compare_tokens = compare_tokens  # one call per source: bounded, each

    def _bound(self, evidence: int, refusal: bool = True, **kwargs: object) -> Runnable[Any, Any]:
        if self._grammar and evidence:
            grammar = cited_answer_grammar(evidence, refusal=REFUSAL if refusal else None)
            kwargs["extra_body"] = {"grammar": grammar}
        return self._model.bind(**kwargs) if kwargs else self._model

    def evidence(self, ranked: Sequence[Sentence], retrieval: Retrieval) -> list[Sentence]:
        """The best sentences, less any that reads as an order to a model (rag/llm/injection.py)."""
        facts = [s for s in ranked if not is_instruction(s.text)]
        return reading_order(facts[: self._limit])

    def stream(
        self, question: str, evidence: Sequence[Sentence], strict: bool = False
    ) -> Iterator[str]:
        values = {
            "question": question,
            "evidence": format_evidence(evidence),
            "strict": self._retry.format_user(count=str(len(evidence))) if strict else "",
        }
        reply = _reply(self._answer, self._bound(len(evidence)), values)
        yield from self.guard.stream(reply, self.name)

    @property
    def summarizer(self) -> Summarizer:
        return self

    def stream_compare(
        self, topic: str, source: str, evidence: Sequence[Sentence]
    ) -> Iterator[str]:
        """A cited 1-3 sentence summary of what one source says about `topic`."""
        values = {"topic": topic, "source": source, "evidence": format_evidence(evidence)}
        model = self._bound(len(evidence), refusal=False, max_tokens=self._compare_tokens)
        yield from self.guard.stream(_reply(self._compare, model, values), self.name)


def _reply(
    template: ChatPromptTemplate, model: Runnable[Any, Any], values: dict[str, str]
) -> Iterator[str]:
    """The model's reply to `template` filled with `values`, piece by piece.

    Not `(template | model | StrOutputParser()).stream(values)`: closing that stream reads
    the model's stream on to its end (langchain-core's `_transform_stream_with_config`
    drains its input for tracing after a GeneratorExit), so an answer nobody reads any more
    would run on to max_tokens. Closing the model's own stream closes its HTTP request.
    """
    for chunk in model.stream(template.invoke(values)):
        yield chunk.text
