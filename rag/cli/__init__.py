"""The command line (`rag`): parses, calls the library, prints. The only layer of `rag` that
may import `api` and `eval`; nothing in the library imports it."""

from rag.cli.app import app

__all__ = ["app"]
