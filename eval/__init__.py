"""Evaluation: gold questions, deterministic metrics, a regression gate and an HTML report.

Run `rag eval --help`; calibrate the refusal threshold with `python -m eval.calibrate`.
"""
