"""Answer generators: extractive (no LLM) and chat (any OpenAI-compatible LLM)."""
