"""The prompt files (TOML), shipped as package data; `rag.llm.prompts` loads them."""
