"""LLM clients: the only module that builds them. Any OpenAI-compatible endpoint."""

from __future__ import annotations

from langchain_openai import ChatOpenAI

from rag.config import Settings


def make_chat_model(
    settings: Settings, *, base_url: str | None = None, model: str | None = None
) -> ChatOpenAI:
    """A streaming `ChatOpenAI` for `base_url` (default: OPENAI_BASE_URL / the OpenAI API)."""
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return ChatOpenAI(
        model=model or settings.llm_model,
        base_url=base_url or settings.openai_base_url,
        api_key=key or "not-needed",  # local servers ignore it
        temperature=settings.temperature,
        max_completion_tokens=settings.max_tokens,
        timeout=settings.llm_timeout_s,
        max_retries=1,
        streaming=True,
    )
