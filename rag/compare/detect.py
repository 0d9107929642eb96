"""Detect comparative questions ("what does each source say about the strike?") and their topic.

is_comparative("How do the sources differ on tariffs?")  # True
topic_of("What does each source say about the WHO?")     # "the WHO"
grouping_hint("What does each outlet say about tariffs?")  # "outlet"
"""

from __future__ import annotations

import re
from typing import Literal

_COMPARATIVE = re.compile(
    r"""\b(?:
        (?:each|every|all(?:\ the)?|different|the\ various|the\ two|both)\s+
            (?:source|outlet|article|report|paper|publication|news\ ?paper)s?
      | (?:according\ to|across|between)\s+(?:the\ )?(?:each\ |all\ |different\ )?
            (?:source|outlet|article|report|publication)s
      | compar(?:e|es|ing|ison)\b(?!\ (?:him|her|them|it)\b)
      | (?:sources|outlets|articles|reports|publications)\s+
            (?:differ|disagree|agree|diverge|contrast|say|report|cover|describe|portray|frame)
      | (?:do|does|did)\ (?:the\ )?(?:sources|outlets|articles|reports)\ (?:all\ )?
            (?:agree|disagree|differ)
      | how\ do\ (?:the\ )?(?:sources|outlets|articles|reports)
      | which\ (?:sources|outlets|articles|reports)
    )""",
    re.IGNORECASE | re.VERBOSE,
)

_FRAMING = [
    r"^(?:please\s+)?(?:compare|contrast)\s+(?:how|what)\s+(?:the\s+)?(?:\w+\s+)?"
    r"(?:sources|outlets|articles|reports)\s+(?:say|report|cover|describe)\s+(?:about|on)?",
    r"^(?:please\s+)?compare\s+(?:the\s+)?(?:coverage|reporting|views|accounts)\s+(?:of|on)",
    r"^(?:please\s+)?compare\s+(?:what\s+)?(?:the\s+)?(?:sources|outlets|articles|reports)\s+"
    r"(?:say\s+)?(?:about|on)",
    r"^what\s+(?:does|do)\s+(?:each|every|all|the\s+different|the)?\s*"
    r"(?:of\s+the\s+)?(?:source|outlet|article|report|paper)s?\s+(?:say|report|write|think)\s+"
    r"(?:about|on|regarding)",
    r"^how\s+do\s+(?:the\s+)?(?:sources|outlets|articles|reports)\s+"
    r"(?:differ|compare|disagree|agree|cover|describe|portray|frame|report)\s*(?:on|about|in|over)?",
    r"^(?:do|does)\s+(?:the\s+)?(?:sources|outlets|articles|reports)\s+(?:all\s+)?"
    r"(?:agree|disagree|differ)\s*(?:on|about|over|that|whether)?",
    r"^according\s+to\s+each\s+(?:source|outlet|article|report),?",
    r"^which\s+(?:sources|outlets|articles|reports)\s+(?:say|mention|discuss|report)\s*(?:about|that)?",
]
_TRAILING = (
    r",?\s*(?:according\s+to\s+(?:each|every|the)\s+\w+|in\s+each\s+\w+"
    r"|across\s+(?:the\s+)?sources)\s*$"
)
_YES_NO = re.compile(r"^(?:was|were|is|are|did|does|do|has|have|had|will|would|can|could)\b", re.I)


def is_comparative(question: str) -> bool:
    """True for questions that ask how several sources treat a topic."""
    return bool(_COMPARATIVE.search(question))


def topic_of(question: str) -> str:
    """The topic of a comparative question: the question minus its comparative framing."""
    text = question.strip().rstrip("?.! ").strip()
    for pattern in _FRAMING:
        stripped = re.sub(pattern, "", text, count=1, flags=re.IGNORECASE).strip(" ,:")
        if stripped != text and stripped:
            text = stripped
            break
    text = re.sub(_TRAILING, "", text, flags=re.IGNORECASE).strip(" ,:")
    return text or question


_BY_OUTLET = re.compile(
    r"\b(?:outlet|publication|publisher|news\ ?paper|paper|network|broadcaster)s?\b", re.I
)
_BY_ARTICLE = re.compile(r"\b(?:article|stor(?:y|ies)|piece)s?\b", re.I)


def grouping_hint(question: str) -> Literal["outlet", "article"] | None:
    """What "each …" names, when the question says: outlets ("each outlet", "the papers")
    or articles ("each article"); None for "each source"."""
    if _BY_OUTLET.search(question):
        return "outlet"
    if _BY_ARTICLE.search(question):
        return "article"
    return None


def topic_question(topic: str) -> str:
    """The topic as a question the reader can read sentences against."""
    return f"{topic}?" if _YES_NO.match(topic) else f"What is said about {topic}?"


def topic_label(topic: str) -> str:
    """How a sentence names the topic: yes/no topics are quoted as a question."""
    return f"the question “{topic}?”" if _YES_NO.match(topic) else topic
