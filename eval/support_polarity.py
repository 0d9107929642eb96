"""Wrong claims that turn one word around: `reversed` and `negation_implicit`.

    reversed_word("The levy rose to 417 crowns.", rng) == "The levy fell to 417 crowns."
    implicit_negation("The board approved the levy.", rng) == "The board failed to approve
    the levy."

`reversed` swaps a word for its opposite (direction, outcome, order, stance, comparison):
a short explicit list for function words and everyday news pairs, then WordNet's antonyms
(rag.language.lexicon), written in the form of the word they replace. `negation_implicit` denies a
sentence's verb without "not": "refused to", "failed to", "denied …ing". Both skip a
sentence where no rule applies; neither is about any one topic.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

from eval.support_forms import ADJECTIVE_FORMS, VERB_FORMS, ing, like, past, third
from rag.language.lexicon import lemma, lexicon, ranked_antonyms, readings

TOKEN = re.compile(r"(?<![\w'’-])[A-Za-z]+(?![\w'’-])")
_RAW = re.compile(r"[\w'’]+")
_BOUNDARY = re.compile(r"[,;:—–()]")
_CONJUNCTIONS = frozenset(
    [
        *("and", "but", "or", "while", "who", "which", "that", "because", "although"),
        *("though", "when", "whereas", "where", "if", "unless", "once", "as", "than", "so"),
        *("after", "before", "since", "until", "whether"),
    ]
)
# Word for word: order, comparison, direction; `up`/`down`/`over`/`under` only before a
# number ("up 5%", "over 400"), `for`/`against` only after a vote.
_FUNCTION = {
    **{"before": "after", "after": "before", "earlier": "later", "later": "earlier"},
    **{"more": "less", "less": "more", "fewer": "more", "most": "least", "least": "most"},
    **{"above": "below", "below": "above", "higher": "lower", "lower": "higher"},
    **{"highest": "lowest", "lowest": "highest", "ahead": "behind", "behind": "ahead"},
    **{"previous": "next", "next": "previous", "first": "last", "maximum": "minimum"},
    **{"minimum": "maximum", "gains": "losses", "losses": "gains", "profit": "loss"},
    **{"surplus": "deficit", "deficit": "surplus", "majority": "minority"},
    **{"minority": "majority", "victory": "defeat", "defeat": "victory"},
    **{"success": "failure", "failure": "success", "up": "down", "down": "up"},
    **{"over": "under", "under": "over", "for": "against", "against": "for"},
}
_BEFORE_NUMBER = frozenset(["up", "down", "over", "under"])
_VOTE = re.compile(r"\bvot(?:e|es|ed|ing)\s+$", re.IGNORECASE)
# Verb lemma -> its opposite, where WordNet has none or a rarer sense's first.
_VERBS = {
    **{"support": "oppose", "oppose": "support", "approve": "reject", "gain": "lose"},
    **{"win": "lose", "lose": "win", "confirm": "deny", "lift": "impose", "impose": "lift"},
    **{"boost": "cut", "cut": "boost", "join": "leave", "allow": "forbid", "lead": "trail"},
    **{"criticise": "praise", "succeed": "fail", "fail": "succeed", "shrink": "expand"},
}
# Verbs too light or too many-sensed to turn around safely.
_LIGHT = frozenset(
    [
        *("be", "have", "do", "get", "make", "go", "come", "take", "give", "keep", "put"),
        *("let", "see", "say", "tell", "know", "think", "seem", "find", "set", "leave"),
        *("lie", "lay", "stand", "sit", "hold", "mean", "like", "will", "may", "can", "use"),
        *("want", "need", "call", "add", "note", "stay", "change", "move", "pass", "carry"),
        *("bring", "live", "follow", "run", "turn", "look", "work", "play", "show", "face"),
        *("appear", "back", "become", "remain", "try", "help", "begin", "start", "continue"),
    ]
)
_SKIP_ADJECTIVES = frozenset(
    [
        *("right", "left", "like", "well", "even", "just", "still", "present", "past"),
        *("general", "only", "own", "certain", "further", "mean", "kind", "fine", "free"),
        *("long", "back", "out", "in", "on", "off", "much", "many", "such", "other", "same"),
        *("very", "all", "some", "any", "each", "every", "both", "few", "little", "due"),
        *("close", "middle", "second", "late", "early", "due", "live", "real", "ever"),
        *("there", "here", "no", "none", "side", "front", "top", "bottom", "far", "near"),
        *("half", "whole", "center", "centre", "short", "go"),
    ]
)
# Before a bare verb form: what makes it a verb ("to sign", "will sign", "they sign").
_VERBAL = frozenset(
    [
        *("to", "will", "would", "can", "could", "may", "might", "must", "should", "shall"),
        *("not", "did", "does", "do", "they", "we", "i", "you", "never"),
    ]
)
# Before a word, what makes it a noun ("the rise", "its cuts").
_NOMINAL = frozenset(
    [
        *("the", "a", "an", "its", "their", "his", "her", "our", "your", "these", "those"),
        *("this", "that", "some", "any", "no", "many", "several", "such", "of", "in", "on"),
        *("for", "with", "at", "by", "from", "into", "about", "and", "or", "as"),
    ]
)
_AUX = frozenset(
    [
        *("has", "have", "had", "is", "are", "was", "were", "be", "been", "being", "will"),
        *("would", "to", "could", "can", "may", "might", "must", "should", "did", "does"),
    ]
)
_PREFIXES = ("un", "in", "im", "il", "ir", "non", "dis", "mis")
_PRONOUNS = frozenset(["he", "she", "it", "who", "which", "that"])
_PEOPLE = frozenset(["he", "she", "they", "we", "i", "you", "officials", "who", "which"])
_NEGATION = re.compile(
    r"\b(?:not|never|no|without|cannot|refus\w*|fail\w*|den(?:y|ies|ied|ying)|reject\w*|"
    r"declin\w*|avoid\w*)\b|n['’]t\b",
    re.IGNORECASE,
)


def _previous(s: str, at: int) -> str:
    """The word before `at`, lowercased, with any possessive ("putin's")."""
    before = _RAW.findall(s[:at])
    return before[-1].lower() if before else ""


def _next_word(s: str, at: int) -> str:
    """The word after `at` as written, or "" at the end of the sentence."""
    found = _RAW.match(s[at:].lstrip(" "))  # none after a comma or a full stop
    return found.group() if found else ""


def _subject_before(s: str, at: int) -> bool:
    """Whether a subject stands right before `at` (past -ly adverbs): a pronoun or a word
    capitalised mid-sentence, not a possessive."""
    for m in reversed(list(_RAW.finditer(s[:at]))):
        word = m.group()
        if word.lower().endswith("ly") and word.islower():
            continue
        if word.endswith(("'s", "’s")):
            return False
        return word.lower() in _PRONOUNS or (m.start() > 0 and word[:1].isupper())
    return False


def _with_article(s: str, start: int, new: str) -> str:
    """`s[:start]` with a trailing "a"/"an" fitted to `new`'s first letter."""
    head = s[:start]
    m = re.search(r"\b([Aa]n?) $", head)
    if not m:
        return head
    article = "an" if new[:1].lower() in "aeiou" else "a"
    article = article.capitalize() if m.group(1)[0] == "A" else article
    return head[: m.start(1)] + article + " "


def _verb_opposite(s: str, m: re.Match[str]) -> str | None:
    """The word's verb reading turned around, in its form, or None."""
    word, before = m.group(), _previous(s, m.start())
    w = word.lower()
    source = next((r for r in readings(w) if r in lexicon().verbs), None)
    if not source or source in _LIGHT:
        return None
    if w == source and before not in _VERBAL:  # a bare form is a noun as often as not
        return None
    following = _next_word(s, m.end())
    if w == third(source) and not (
        _subject_before(s, m.start()) and following.islower() and following not in _AUX
    ):  # "the cuts", "its gains", "Russian attacks."
        return None
    found = [a for a in ranked_antonyms(source, "verb") if not _prefixed(a, source)]
    opposite = _VERBS.get(source) or next(iter(found), None)
    return like(opposite, word, source, before, VERB_FORMS) if opposite else None


def _prefixed(antonym: str, word: str) -> bool:
    """Whether `antonym` is `word` with a negative prefix ("unmilitary", "discontinue"):
    WordNet lists many that nobody writes, and they are negation more than opposites."""
    return antonym.endswith(word[2:]) and antonym.startswith(_PREFIXES)


def _adjective_opposite(s: str, m: re.Match[str]) -> str | None:
    w = m.group().lower()
    if _previous(s, m.start()) in ("has", "have", "had"):  # "has sent", not "has unsent"
        return None
    source = next((r for r in readings(w) if r in lexicon().adjectives), None)
    if not source or source in _SKIP_ADJECTIVES or w in _SKIP_ADJECTIVES:
        return None
    found = ranked_antonyms(source, "adj") or ranked_antonyms(source, "adv")
    found = tuple(a for a in found if not _prefixed(a, source))
    return like(found[0], m.group(), source, forms=ADJECTIVE_FORMS) if found else None


def _function_opposite(s: str, m: re.Match[str]) -> str | None:
    w, after = m.group().lower(), s[m.end() :]
    if w in _BEFORE_NUMBER and not re.match(r"\s+(?:by\s+)?\$?\d", after):
        return None
    if w in ("for", "against") and not _VOTE.search(s[: m.start()]):
        return None
    adjective_next = lemma(_next_word(s, m.end())) in lexicon().adjectives
    if w in ("most", "least") and not adjective_next:  # "most likely", not "most of them"
        return None
    return _FUNCTION[w]


def opposites(s: str) -> list[tuple[int, re.Match[str], str]]:
    """(tier, word, its opposite) for every word of `s` a rule can turn around; tier 0 is
    function words, 1 verbs, 2 adjectives and adverbs."""
    out: list[tuple[int, re.Match[str], str]] = []
    for m in TOKEN.finditer(s):
        word = m.group()
        if word[:1].isupper() and m.start() > 0:  # a name
            continue
        w = word.lower()
        if w in _FUNCTION:
            found = [(0, _function_opposite(s, m))]
        else:
            found = [(1, _verb_opposite(s, m)), (2, _adjective_opposite(s, m))]
        tier, new = next(((t, n) for t, n in found if n), (0, None))
        if new and new.lower() != w:
            new = new.capitalize() if word[:1].isupper() else new
            out.append((tier, m, new))
    return out


def reversed_word(s: str, rng: random.Random) -> str | None:
    """`s` with one word turned into its opposite (the likeliest kind of word first)."""
    found = opposites(s)
    if not found:
        return None
    best = min(t for t, _, _ in found)
    _, m, new = rng.choice([x for x in found if x[0] == best])
    return _with_article(s, m.start(), new) + new + s[m.end() :]


def _finite_verbs(s: str) -> Iterator[tuple[re.Match[str], str, str]]:
    """(word, lemma, "past" or "present") for each verb of `s` that heads its clause: no
    modal, "to" or form of "be" before it in the clause (a passive, an infinitive), a
    subject before it; a participle only after "has"/"have"/"had"."""
    blocked = perfect = False
    last = words = 0  # words: of the clause so far
    for m in TOKEN.finditer(s):
        word, w = m.group(), m.group().lower()
        if _BOUNDARY.search(s[last : m.start()]) or w in _CONJUNCTIONS:
            blocked = perfect = False
            words = 0
        last, words = m.end(), words + 1
        if w in ("has", "have", "had"):
            perfect = True
            continue
        base = lemma(w)
        is_verb = base in lexicon().verbs and base not in _LIGHT and base != w
        if is_verb and not blocked and words > 1 and not word[:1].isupper():
            before = _previous(s, m.start())
            passive = re.match(r"\s+by\s+(?!\$?\d)", s[m.end() :])  # not "rose by 5%"
            following = _next_word(s, m.end())
            object_next = following.islower() and following not in _AUX  # "the", not "could"
            subject = before not in _NOMINAL and before not in _CONJUNCTIONS
            present = w == third(base) and not perfect and object_next  # "Europe fears"
            if subject and w == past(base, participle=perfect) and not passive:
                yield m, base, "past"
            elif subject and present and _subject_before(s, m.start()):  # not "its fears"
                yield m, base, "present"
        if w in _AUX or (base in lexicon().verbs and w in (past(base), past(base, True))):
            blocked = True


def implicit_negation(s: str, rng: random.Random) -> str | None:
    """`s` with its first finite verb denied without "not": "X signed Y" -> "X refused to
    sign Y", "X failed to sign Y" or "X denied signing Y"; None for a sentence that is
    negated already or has no such verb."""
    if _NEGATION.search(s):
        return None
    for m, base, tense in _finite_verbs(s):
        agent = _subject_before(s, m.start()) or _previous(s, m.start()) in _PEOPLE
        frame = rng.choice(
            ["refused to {}", "failed to {}", "denied {}"] if agent else ["failed to {}"]
        )
        head, rest = frame.split(" ", 1)
        verb = ing(base) if head == "denied" else base
        if tense == "present":
            head = third(lemma(head))
        return s[: m.start()] + head + " " + rest.format(verb) + s[m.end() :]
    return None
