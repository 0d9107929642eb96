"""Benchmarks: numbers, never assertions. `pipeline` (`rag bench`), `llm` (`rag llm bench`),
`http` (`python -m eval.bench.http`), sharing the helpers in `common`."""
