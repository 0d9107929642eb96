"""The GBNF grammar for cited answers (rag/llm/grammar.py); the real server runs it in
tests/rag/llm/test_server.py."""

from __future__ import annotations

import re

import pytest

from rag.generation.base import REFUSAL
from rag.llm.grammar import cited_answer_grammar


def rules(grammar: str) -> dict[str, str]:
    return dict(line.split(" ::= ", 1) for line in grammar.splitlines())


def test_markers_name_only_the_evidence_there_is() -> None:
    marker = rules(cited_answer_grammar(12))["marker"]
    assert sorted(int(n) for n in re.findall(r'"(\d+)"', marker)) == list(range(1, 13))


def test_an_answer_is_the_refusal_or_up_to_three_cited_sentences() -> None:
    found = rules(cited_answer_grammar(4, refusal=REFUSAL))
    assert found["root"].startswith(f'"{REFUSAL}" | claim')
    assert found["root"].count("claim") == 3
    assert found["claim"].endswith('" " marker+')
    assert "\\n" in found["claim"] and "\\[" in found["claim"]  # no line breaks, no brackets


def test_compare_summaries_have_no_refusal() -> None:
    root = rules(cited_answer_grammar(3, max_sentences=2))["root"]
    assert REFUSAL not in root and root.count("claim") == 2


def test_a_grammar_needs_evidence() -> None:
    with pytest.raises(ValueError):
        cited_answer_grammar(0)
