"""Optional LLM judge: faithfulness and correctness scores from any OpenAI-compatible model.

Off unless `RAG_JUDGE_BASE_URL` (or `RAG_JUDGE_API_KEY` for the OpenAI API) is set;
`RAG_JUDGE_MODEL` names the model. CI never needs it. The prompt is prompts/judge.toml;
grades 1..5 are mapped to 0..1. Only answered questions are judged.
"""

from __future__ import annotations

import json
import re

import openai
from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from eval.gold import GoldItem
from eval.metrics import is_answered
from rag.config import Settings
from rag.errors import GenerationError
from rag.llm.client import make_chat_model
from rag.llm.prompts import load_prompt
from rag.schema import Answer

JUDGE_METRICS = ("judge_faithfulness", "judge_correctness")
_OBJECT = re.compile(r"\{.*?\}", re.DOTALL)


class JudgeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_JUDGE_", env_file=".env", extra="ignore")

    base_url: str | None = None  # e.g. http://127.0.0.1:18080/v1; unset (with no key) = no judge
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = None

    @property
    def enabled(self) -> bool:
        return self.base_url is not None or self.api_key is not None


def parse_verdict(reply: str) -> dict[str, float | None]:
    """{"faithfulness": 1..5, "correctness": 1..5} in the reply -> judge_* scores in 0..1."""
    scores: dict[str, float | None] = dict.fromkeys(JUDGE_METRICS)
    match = _OBJECT.search(reply)
    if not match:
        return scores
    try:
        data = json.loads(match.group())
    except json.JSONDecodeError:
        return scores
    if not isinstance(data, dict):
        return scores
    for key in ("faithfulness", "correctness"):
        grade = data.get(key)
        if isinstance(grade, int | float) and not isinstance(grade, bool) and 1 <= grade <= 5:
            scores[f"judge_{key}"] = round((float(grade) - 1) / 4, 4)
    return scores


class LLMJudge:
    def __init__(self, model: BaseChatModel) -> None:
        self._model = model
        self._prompt = load_prompt("judge")

    def __call__(self, item: GoldItem, answer: Answer) -> dict[str, float | None]:
        if item.refuse or not is_answered(answer):
            return dict.fromkeys(JUDGE_METRICS)
        evidence = "\n".join(f"[{c.n}] {c.quote}" for c in answer.citations) or "(none)"
        text = "\n".join(
            [answer.answer, *(f"{e.source_id}: {e.summary}" for e in answer.per_source or [])]
        )
        messages = self._prompt.messages(
            question=item.question,
            reference=item.answer or "(none)",
            answer=text,
            evidence=evidence,
        )
        try:
            reply = self._model.invoke(messages)
        except openai.OpenAIError as exc:
            raise GenerationError(f"the judge endpoint failed: {exc}") from exc
        scores = parse_verdict(str(reply.content))
        if not item.answer:
            scores["judge_correctness"] = None  # nothing to be correct against
        return scores


def make_judge(settings: Settings, judge: JudgeSettings) -> LLMJudge:
    """A judge on `judge.base_url` with temperature 0, so grades vary as little as they can."""
    tuned = settings.model_copy(
        update={
            "temperature": 0.0,
            "max_tokens": 100,
            "openai_api_key": judge.api_key or settings.openai_api_key,
        }
    )
    return LLMJudge(make_chat_model(tuned, base_url=judge.base_url, model=judge.model))
