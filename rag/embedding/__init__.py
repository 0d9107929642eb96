"""Text to vectors: the local MiniLM (minilm) or an OpenAI-compatible endpoint (embedders)."""
