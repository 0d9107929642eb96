"""LLM clients: the only module that builds them. Any OpenAI-compatible endpoint.

model = chat_model_for(settings)  # None for the extractive generator
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI

from rag.config import Settings
from rag.errors import ConfigError


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
        # The guard's deadline (rag/llm/guard.py) is the bound; this only frees the socket.
        timeout=settings.llm_timeout_s + 5,
        max_retries=0,  # bounded: a failure falls back at once (rag/llm/guard.py)
        streaming=True,
    )


def chat_model_for(settings: Settings) -> BaseChatModel | None:
    """The LLM behind `settings.generator`, or None for the extractive generator."""
    match settings.generator:
        case "extractive":
            return None
        case "openai":
            settings.require_llm_endpoint()
            return make_chat_model(settings)
        case "local":
            from rag.llm.server import local_base_url

            # 3 cited sentences are ~100 tokens; a 1.5B model that starts copying out the
            # whole evidence list is cut off instead of running to max_tokens (~35 s).
            capped = settings.model_copy(
                update={"max_tokens": min(settings.max_tokens, settings.local_max_tokens)}
            )
            return make_chat_model(capped, base_url=local_base_url(settings), model="local")
        case _:
            raise ConfigError(f"unknown generator {settings.generator!r}")
