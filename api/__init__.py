"""HTTP API over the answer chain: ask, chat, documents, OpenAI-compatible, health.

Run `rag serve [--host 127.0.0.1] [--port 8000] [--workers 1]`, which runs
`uvicorn api.app:create_app --factory`. Nothing is built at import time.
"""
