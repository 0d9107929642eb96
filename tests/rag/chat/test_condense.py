"""Follow-up rewriting (rag/condense.py): the deterministic rule as one table, and the LLM path."""

from __future__ import annotations

import pytest

from rag.chat.condense import (
    LLMCondenser,
    RuleCondenser,
    Turn,
    clean_reply,
    entities,
    format_history,
    is_follow_up,
    rule_condense,
)
from tests.conftest import FakeChat

ZELENSKYY = [
    Turn("user", "What did Zelenskyy say about the minerals deal?"),
    Turn("assistant", "He called it a first step. [1]"),
]
GUARANTEES = [
    Turn("user", "What are the security guarantees for Ukraine?"),
    Turn("assistant", "US companies on the ground. [1]"),
]


@pytest.mark.parametrize(
    ("history", "question", "expected"),
    [
        # no history: nothing to lean on, the question is only tidied
        ([], "and what about sanctions?", "and what about sanctions?"),
        ([], "  What did   he say? ", "What did he say?"),
        # leading conjunction / "what about": carry the entity and the topic
        (
            ZELENSKYY,
            "and what about sanctions?",
            "What about sanctions (Zelenskyy, minerals deal)?",
        ),
        (ZELENSKYY, "But why?", "Why (Zelenskyy, minerals deal)?"),
        (ZELENSKYY, "And did Putin agree?", "Did Putin agree (Zelenskyy, minerals deal)?"),
        # personal pronouns become the previous question's first named entity
        (
            ZELENSKYY,
            "What did he say about it?",
            "What did Zelenskyy say about it (minerals deal)?",
        ),
        (
            ZELENSKYY,
            "What is his position on NATO?",
            "What is Zelenskyy's position on NATO (minerals deal)?",
        ),
        # plural pronoun: no substitution, context carried
        (
            GUARANTEES,
            "What does the Kremlin think of them?",
            "What does the Kremlin think of them (Ukraine, security guarantees)?",
        ),
        # nothing but a conjunction: the previous question again
        (ZELENSKYY, "and?", "What did Zelenskyy say about the minerals deal?"),
        # short fragment
        (ZELENSKYY, "sanctions?", "Sanctions (Zelenskyy, minerals deal)?"),
        # terms already present are not repeated
        (ZELENSKYY, "and the deal?", "The deal (Zelenskyy, minerals)?"),
        # standalone questions pass through unchanged
        (ZELENSKYY, "Who is Vladimir Putin?", "Who is Vladimir Putin?"),
        (
            ZELENSKYY,
            "Is it true that Trump signed the minerals deal?",
            "Is it true that Trump signed the minerals deal?",
        ),
        (
            ZELENSKYY,
            "What did the Kremlin say about the ceasefire talks in Riyadh?",
            "What did the Kremlin say about the ceasefire talks in Riyadh?",
        ),
        # a chain of follow-ups: the stored standalone question carries the context forward
        (
            [
                *ZELENSKYY,
                Turn("user", "and sanctions?", "Sanctions (Zelenskyy, minerals deal)?"),
                Turn("assistant", "…"),
            ],
            "what did he say about them?",
            "What did Zelenskyy say about them (sanctions minerals deal)?",
        ),
        # the same chain from plain messages (OpenAI clients send no standalone questions)
        (
            [*ZELENSKYY, Turn("user", "and sanctions?"), Turn("assistant", "…")],
            "what did he say about them?",
            "What did Zelenskyy say about them (sanctions minerals deal)?",
        ),
    ],
)
def test_rule_condense(history: list[Turn], question: str, expected: str) -> None:
    assert rule_condense(question, history) == expected
    assert RuleCondenser().condense(question, history) == expected


@pytest.mark.parametrize(
    ("question", "has_history", "expected"),
    [
        ("and what about sanctions?", False, False),
        ("and what about sanctions?", True, True),
        ("What about NATO?", True, True),
        ("So what happened?", True, True),
        ("What did she say?", True, True),
        ("Why?", True, True),
        ("Who is Putin?", True, False),  # short, but names its subject
        ("Is it true that Trump signed the minerals deal?", True, False),
        ("What does it mean?", True, True),
        ("What happened at the White House meeting on Friday?", True, False),
    ],
)
def test_is_follow_up(question: str, has_history: bool, expected: bool) -> None:
    assert is_follow_up(question, has_history) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What did Zelenskyy say?", ["Zelenskyy"]),
        ("Did Donald Trump meet the White House press?", ["Donald Trump", "White House"]),
        ("What is NATO's view of the US?", ["NATO's", "US"]),
        ("what about sanctions?", []),
    ],
)
def test_entities(text: str, expected: list[str]) -> None:
    assert entities(text) == expected


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("What did Zelenskyy say about sanctions?", "What did Zelenskyy say about sanctions?"),
        ("Standalone question: Why?\nBecause.", "Why?"),
        ('  "Quoted?"  ', "Quoted?"),
        ("\n\n", ""),
    ],
)
def test_clean_reply(reply: str, expected: str) -> None:
    assert clean_reply(reply) == expected


def test_llm_condenser_sends_history_as_data_and_uses_the_reply() -> None:
    chat = FakeChat(replies=["What did Zelenskyy say about sanctions?"])
    condenser = LLMCondenser(chat)
    assert (
        condenser.condense("and sanctions?", ZELENSKYY) == "What did Zelenskyy say about sanctions?"
    )
    system, human = chat.calls[0]
    assert "standalone question" in str(system.content)
    assert "User: What did Zelenskyy say about the minerals deal?" in str(human.content)
    assert "Latest message: and sanctions?" in str(human.content)


def test_llm_condenser_skips_the_model_without_history_and_falls_back_on_empty_reply() -> None:
    chat = FakeChat(replies=["   "])
    condenser = LLMCondenser(chat)
    assert condenser.condense("Who is Putin?", []) == "Who is Putin?"
    assert chat.calls == []
    assert (
        condenser.condense("and sanctions?", ZELENSKYY) == "Sanctions (Zelenskyy, minerals deal)?"
    )


def test_format_history_keeps_the_last_turns_and_shortens_answers() -> None:
    turns = [Turn("user", f"question {i}") for i in range(10)] + [Turn("assistant", "word " * 200)]
    text = format_history(turns)
    assert "question 0" not in text and "question 9" in text
    assert text.endswith("…") and len(text.splitlines()[-1]) < 420
