"""LLMs: the one place that builds chat clients (`client`), the local llama.cpp server
(`server`), the packaged model's assembly (`model`) and the prompt files' loader (`prompts`)."""
