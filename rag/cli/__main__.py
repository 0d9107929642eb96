"""`python -m rag.cli ...`: the same as the `rag` command."""

from rag.cli.app import app

app()
