"""Condense: rewrite a chat follow-up into a standalone question before retrieval.

    condenser = rag.answering.pipeline.make_condenser(settings)  # rule for extractive, else the LLM
    condenser.condense("and what about the fares?", history)
    # -> "What about the fares (Ana Ruiz, ferry terminal)?"

The rule is deterministic: a message is a follow-up when it opens with a conjunction
("and …", "what about …"), uses a personal pronoun, or is too short to stand alone;
then "he/she/him/his" become the previous question's first named entity, and that
question's entities and topic words the message lacks are added in parentheses.
The LLM condenser asks the model with `prompts/condense.toml` whenever there is history;
when the model fails, times out or is cooling down after a failure, the rule answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser

from rag.errors import GenerationError
from rag.language.names import NAME_RUN
from rag.language.text import terms, words
from rag.llm.guard import LLMGuard
from rag.llm.prompts import load_prompt

HISTORY_TURNS = 6  # the last three exchanges: enough to resolve "it", short enough to stay cheap
ASSISTANT_CHARS = 400  # an answer's opening says what it was about; its quotes add only noise
MAX_CARRIED = 6  # carried-over words; more would drown the follow-up's own terms

_LEADING = re.compile(
    r"^(?:(?:and|but|so|also|or|then|plus|ok|okay|well|now)\b[\s,]*)+", re.IGNORECASE
)
_ABOUT = re.compile(r"^(?:what|how)\s+about\b", re.IGNORECASE)
_PERSON = frozenset({"he", "she", "him", "her", "his", "hers"})
_PERSONAL = _PERSON | {"they", "them", "their", "theirs"}
_REFERRING = frozenset({"it", "its", "this", "that", "these", "those", "there"})
_FUNCTION = frozenset(  # question and function words: never entities, never topic words
    """what who whom whose which when where why how is are was were do does did can could
    should would will has have had tell me explain describe give list summarise summarize
    the a an of in on for about to and but or so also then i you we it its this that""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Turn:
    """One chat message; a user turn may carry the standalone question it was rewritten to."""

    role: str  # "user" or "assistant"
    content: str
    standalone: str | None = None


class Condenser(Protocol):
    def condense(self, question: str, history: Sequence[Turn]) -> str:
        """`question` rewritten to stand alone, given the earlier turns (oldest first)."""
        ...


def entities(text: str) -> list[str]:
    """Capitalised name-like phrases ("Ana Ruiz", "UN"), minus question and function words.

    A lone capitalised first word is ambiguous ("Fares?") and counts only in capitals.
    """
    found: list[str] = []
    for match in NAME_RUN.finditer(text):
        parts = match.group().rstrip(".").split()
        while parts and parts[0].lower() in _FUNCTION:
            parts.pop(0)
        opening = not text[: match.start()].strip()
        if opening and len(parts) == 1 and not parts[0].isupper():
            continue
        phrase = " ".join(parts)
        if phrase and phrase not in found and terms(phrase):
            found.append(phrase)
    return found


def topic_words(text: str, skip: Sequence[str] = ()) -> list[str]:
    """Content words of `text` in order, lower-cased, leaving out those inside `skip` phrases."""
    skipped = {w for phrase in skip for w in words(phrase)}
    out: list[str] = []
    for word in words(text):
        if word in skipped or word in _FUNCTION or word in out or not terms(word):
            continue
        out.append(word)
    return out


def content_terms(text: str) -> set[str]:
    """Stemmed terms of `text` without question and function words."""
    return set(terms(" ".join(w for w in words(text) if w not in _FUNCTION)))


def is_follow_up(question: str, has_history: bool) -> bool:
    """True when `question` leans on earlier turns (see the module docstring for the rule)."""
    if not has_history:
        return False
    text = question.strip()
    if _LEADING.match(text) or _ABOUT.match(text):
        return True
    said = set(words(text))
    if said & _PERSONAL:
        return True
    n_terms = len(content_terms(text))
    if said & _REFERRING and n_terms < 3:
        return True
    return n_terms <= 2 and not entities(text)


def _substitute_person(text: str, name: str) -> str:
    """Replace he/she/him with `name`, and his (or her before a content word) with name's."""

    def repl(match: re.Match[str]) -> str:
        low, after = match.group(1).lower(), match.group(2) or ""
        possessive = low == "his" or (low == "her" and bool(terms(after)))
        return f"{name}'s" if possessive else name

    return re.sub(r"\b(he|she|him|his|her)\b(?=\s+(\w+)|)", repl, text, flags=re.IGNORECASE)


def rule_condense(question: str, history: Sequence[Turn]) -> str:
    """The deterministic rewrite: unchanged unless `question` is a follow-up."""
    question = " ".join(question.split())
    previous = _previous_question(history)
    if not question or previous is None or not is_follow_up(question, True):
        return question
    body = _LEADING.sub("", question).strip()
    if not body.rstrip("?.! "):  # "and?", "so?": ask the previous question again
        return previous
    names = entities(previous)
    if names and set(words(body)) & _PERSON:
        body = _substitute_person(body, names[0])
    have = set(terms(body))
    carried_names = [n for n in names if not set(terms(n)) <= have]
    topic = [w for w in topic_words(previous, skip=names) if not set(terms(w)) <= have]
    carried = [*carried_names, " ".join(topic)] if topic else carried_names
    budget, kept = MAX_CARRIED, []
    for item in carried:
        n = len(item.split())
        if n > budget:
            item = " ".join(item.split()[:budget])
            n = budget
        if n:
            kept.append(item)
            budget -= n
    end = body[-1] if body[-1] in "?.!" else "?"
    core = body.rstrip("?.! ")
    core = core[:1].upper() + core[1:]
    return f"{core} ({', '.join(kept)}){end}" if kept else f"{core}{end}"


def _previous_question(history: Sequence[Turn]) -> str | None:
    """The latest user turn as a standalone question (rewriting older turns as needed)."""
    resolved: list[Turn] = []
    for turn in history:
        if turn.role == "user" and turn.standalone is None:
            turn = Turn("user", turn.content, rule_condense(turn.content, resolved))
        resolved.append(turn)
    for turn in reversed(resolved):
        if turn.role == "user":
            return turn.standalone or turn.content
    return None


class RuleCondenser:
    """The condenser of the extractive generator: `rule_condense`, no model."""

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        return rule_condense(question, history)


def format_history(history: Sequence[Turn]) -> str:
    lines = []
    for turn in history[-HISTORY_TURNS:]:
        text = " ".join(turn.content.split())
        if turn.role == "assistant" and len(text) > ASSISTANT_CHARS:
            text = text[:ASSISTANT_CHARS].rsplit(" ", 1)[0] + " …"
        lines.append(f"{'User' if turn.role == 'user' else 'Assistant'}: {text}")
    return "\n".join(lines)


def clean_reply(reply: str) -> str:
    """The first non-empty line of a model's reply, without a label or quotes."""
    for line in reply.splitlines():
        line = re.sub(r"^\s*(?:standalone\s+question\s*:)\s*", "", line, flags=re.IGNORECASE)
        line = line.strip().strip("\"'“”").strip()
        if line:
            return line
    return ""


class LLMCondenser:
    """Asks the chat model (prompts/condense.toml); the rule covers an empty reply or a
    failed model."""

    def __init__(
        self, model: BaseChatModel, max_chars: int = 2000, guard: LLMGuard | None = None
    ) -> None:
        self._chain = load_prompt("condense").chat_template() | model | StrOutputParser()
        self._max_chars = max_chars
        self._guard = guard or LLMGuard(timeout_s=120, cooldown_s=0)

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        question = " ".join(question.split())
        if not any(t.role == "user" for t in history):
            return question
        values = {"history": format_history(history), "question": question}
        try:
            reply = "".join(self._guard.stream(self._chain.stream(values), "condense"))
        except GenerationError:  # logged by the guard; the rule still resolves most follow-ups
            return rule_condense(question, history)
        standalone = clean_reply(reply)
        if not standalone or len(standalone) > self._max_chars:
            return rule_condense(question, history)
        return standalone
