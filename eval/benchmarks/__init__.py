"""Public benchmarks in their published formats (`rag eval --benchmark KIND PATH`): one
reader per set (`squad`, `rgb`, `realtimeqa`, `claims`), run by `eval.benchmarks.run`."""
