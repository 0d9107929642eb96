"""newsrag: question answering over news articles with verifiable citations.

Run `rag --help` for the command line, or `rag serve` for the HTTP API.
"""
