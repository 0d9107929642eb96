"""Right claims that change a sentence's form, never what it says: `contraction`,
`trimmed` and `reordered`.

    contraction("The board doesn't oppose it.") == "The board does not oppose it."
    trimmed("On Tuesday, the board approved the levy.") == "The board approved the levy."
    reordered("The levy will rise, officials said.") == "Officials said the levy will rise."

`contraction` expands every contraction (or, where there is none, contracts "is not",
"did not", "it is" …); `trimmed` drops a leading connective, time or place phrase or
attribution: the claim then says less, never more, and nothing it says is conditional
("If …", "Without …", "In theory, …" are never trimmed); `reordered` puts a closing
speech tag first. Tense and number are left alone: changing them changes the claim.
"""

from __future__ import annotations

import re

from eval.support_forms import past
from rag.language.lexicon import lemma, lexicon

_PRONOUN = r"[Ii]t|[Tt]hat|[Tt]here|[Hh]ere|[Ww]hat|[Ww]ho|[Hh]e|[Ss]he"
_POSSESSIVE_OR_IS = re.compile(rf"\b({_PRONOUN})['’]s ([A-Za-z]+)")
_EXPAND = (
    (re.compile(r"\b([Cc])an['’]t\b"), r"\1annot"),
    (re.compile(r"\b([Ww])on['’]t\b"), r"\1ill not"),
    (re.compile(r"\b([Ss])han['’]t\b"), r"\1hall not"),
    (re.compile(r"\b(\w+)n['’]t\b"), r"\1 not"),
    (re.compile(r"\b(\w+)['’]re\b"), r"\1 are"),
    (re.compile(r"\b(\w+)['’]ve\b"), r"\1 have"),
    (re.compile(r"\b(\w+)['’]ll\b"), r"\1 will"),
    (re.compile(r"\b([Ii])['’]m\b"), r"\1 am"),
)
_CONTRACT = (
    (re.compile(r"\b([Cc])an ?not\b"), r"\1an{}t"),
    (re.compile(r"\b([Ww])ill not\b"), r"\1on{}t"),
    (
        re.compile(r"\b(do|does|did|is|are|was|were|has|have|had|would|could|should) not\b", re.I),
        r"\1n{}t",
    ),
    (re.compile(r"\b([Ii]t) is\b"), r"\1{}s"),
)
_CONNECTIVES = frozenset(
    [
        *("however", "meanwhile", "still", "separately", "also", "moreover", "furthermore"),
        *("in addition", "additionally", "nonetheless", "nevertheless", "indeed", "now"),
        *("at the same time", "overall", "instead", "then", "yet", "in fact", "so"),
    ]
)
_TIME_PLACE = re.compile(
    r"^(?:On|In|At|During|Since|After|Before|By|Last|This|Earlier|Later|Over|Throughout|"
    r"Following|Within|Early|Late|Next|Until|Across|Outside|Inside|Near|From) "
)
_TIME_WORDS = re.compile(
    r"\b(?:\d+|week|weeks|month|months|year|years|weekend|morning|afternoon|evening|night|"
    r"day|days|decade|century|summer|winter|spring|autumn|time|period|meeting|talks|vote|"
    r"January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
_HEDGED = re.compile(
    r"\b(?:theory|principle|case|event|hypothetic\w*|absence|exchange|return|effect)\b", re.I
)
_ACCORDING = re.compile(r"^According to [^,]{2,60}, ")
_SPEECH_TAG = re.compile(
    r",\s+((?:he|she|they|it|officials|experts|analysts)|(?:[A-Z][\w'’-]+\s?){1,3})"
    r"\s+((?:said|says|added|wrote|told [\w ]+?))\s*\.$"
)
_FUNCTION_WORDS = frozenset(
    [
        *("the", "a", "an", "it", "its", "this", "that", "these", "those", "there", "they"),
        *("he", "she", "we", "our", "their", "his", "her", "some", "many", "most", "all"),
        *("no", "several", "one", "two", "three", "both", "each", "in", "on", "at", "for"),
    ]
)


def _is_or_has(m: re.Match[str]) -> str:
    """ "it's" as "it has" before "been"/"got", as "it is" before a word that is no
    participle; left as it is where it could be either ("he's delivered", "it's based")."""
    following = m.group(2).lower()
    if following in ("been", "got"):
        return f"{m.group(1)} has {m.group(2)}"
    base = lemma(following)
    if base in lexicon().verbs and following != base and following == past(base, True):
        return m.group()
    return f"{m.group(1)} is {m.group(2)}"


def contraction(s: str) -> str | None:
    """`s` with its contractions expanded ("doesn't" -> "does not"), or, where it has none,
    its "does not", "will not", "it is" contracted (with the apostrophe `s` uses)."""
    out = _POSSESSIVE_OR_IS.sub(_is_or_has, s)
    for pattern, repl in _EXPAND:
        out = pattern.sub(repl, out)
    if out == s:
        mark = "’" if "’" in s else "'"
        for pattern, form in _CONTRACT:
            out = pattern.sub(form.format(mark), out)
    return out if out != s else None


def _opens(s: str) -> str | None:
    """The leading phrase up to the first comma that may go, or None."""
    head, sep, _ = s.partition(", ")
    words = head.split()
    if not sep or not 1 <= len(words) <= 8 or _HEDGED.search(head):
        return None
    if head.lower() in _CONNECTIVES or _ACCORDING.match(s):
        return head
    named = any(w[:1].isupper() for w in words[1:])
    if _TIME_PLACE.match(head) and (_TIME_WORDS.search(head) or named):
        return head
    return None


def trimmed(s: str) -> str | None:
    """`s` without a leading connective ("However,"), time or place ("On Tuesday,", "In
    Lantern Bay,") or attribution ("According to X,")."""
    head = _opens(s)
    if head is None:
        return None
    rest = s[len(head) + 2 :]
    if len(rest.split()) < 5 or re.match(r"(?:if|unless|then|but|and|or)\b", rest):
        return None
    return rest[:1].upper() + rest[1:]


def _lowered(clause: str, known: frozenset[str]) -> str:
    """`clause` with its first word lowercased, unless that is a name."""
    first = clause.split(" ", 1)[0]
    plain = first.lower()
    common = plain in _FUNCTION_WORDS or lemma(plain) in lexicon().verbs
    if first in known or first.isupper() or not common:
        return clause
    return plain + clause[len(first) :]


def reordered(s: str, known: frozenset[str] = frozenset()) -> str | None:
    """ "S, X said." as "X said S." (`known` names stay capitalised)."""
    tag = _SPEECH_TAG.search(s)
    if not tag:
        return None
    body = s[: tag.start()]
    if len(body.split()) < 4 or body.endswith(('"', "”", "’", "'")):
        return None
    speaker = tag.group(1).strip()
    speaker = speaker[:1].upper() + speaker[1:]
    return f"{speaker} {tag.group(2)} {_lowered(body, known)}."
