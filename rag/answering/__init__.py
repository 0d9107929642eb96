"""Answering a question: the chain (retrieve, read, refuse or generate, cite), the refusal
model, and the pipeline that builds the chain from settings."""
