"""Lemmas and antonyms of English words, from a packaged WordNet 3.0 extract.

    lemma("rose") == "rise"; lemma("denied") == "deny"; lemma("higher") == "high"
    "fall" in antonyms("rising"); opposite("won", "lost"); ranked_antonyms("lost", "verb")

`lexicon.json` is built by `python -m eval.build_lexicon` from Debian's wordnet-base and
carries WordNet's license notice (its `provenance`); nothing here needs WordNet installed.
A lemma comes from WordNet's irregular forms first ("won" -> "win", "fell" -> "fall"),
then from WordNet's suffix rules (morphy), accepted only where they end at a known verb,
or at a known adjective for "-er"/"-est". Other words (a noun's plural that is no verb,
a name) are returned lowercased as they are. The file is read once, on first use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "lexicon.json"
# WordNet's detachment rules (morphy(7WN)), plus "ied" (denied -> deny), in order of
# preference: "hoped" is "hope" before "hop", "closes" "close" before "clos".
_VERB_RULES = (
    ("ies", "y"),
    ("ied", "y"),
    ("es", "e"),
    ("s", ""),
    ("es", ""),
    ("ed", "e"),
    ("ed", ""),
    ("ing", "e"),
    ("ing", ""),
)
_ADJECTIVE_RULES = (("ier", "y"), ("iest", "y"), ("er", "e"), ("er", ""), ("est", "e"), ("est", ""))
_APOSTROPHES = str.maketrans({"’": "'"})


PARTS = ("verb", "adj", "adv")


@dataclass(frozen=True)
class Lexicon:
    irregular: dict[str, str]
    # part of speech -> word -> antonyms, that of the word's most frequent sense first
    antonyms: dict[str, dict[str, tuple[str, ...]]]
    verbs: frozenset[str]
    adjectives: frozenset[str]  # adjectives and adverbs the suffix rules may end at
    provenance: dict[str, object]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The packaged lexicon, read on first use."""
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return Lexicon(
        irregular={str(k): str(v) for k, v in raw["irregular"].items()},
        antonyms={
            pos: {str(k): tuple(map(str, v)) for k, v in raw["antonyms"][pos].items()}
            for pos in PARTS
        },
        verbs=frozenset(map(str, raw["verbs"])),
        adjectives=frozenset(map(str, raw["adjectives"])),
        provenance=dict(raw["provenance"]),
    )


def _detach(word: str, rules: tuple[tuple[str, str], ...], known: frozenset[str]) -> str | None:
    for suffix, ending in rules:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            base = word[: -len(suffix)] + ending
            if base in known:
                return base
    return None


def _plain(word: str) -> str:
    return word.lower().translate(_APOSTROPHES).strip("'")


@lru_cache(maxsize=65536)
def readings(word: str) -> tuple[str, ...]:
    """Every lemma `word` may be, the likeliest first: an irregular form's lemma, the word
    as a verb, a verb's inflection, the word as an adjective, an adjective's comparison,
    the word itself ("lower": "lower", "low")."""
    w = _plain(word)
    lex = lexicon()
    found = [
        lex.irregular.get(w),
        w if w in lex.verbs else None,
        _detach(w, _VERB_RULES, lex.verbs),
        w if w in lex.adjectives else None,
        _detach(w, _ADJECTIVE_RULES, lex.adjectives),
        w,
    ]
    return tuple(dict.fromkeys(x for x in found if x)) or (w,)


def lemma(word: str) -> str:
    """The dictionary form of `word`, lowercased: irregular forms first ("rose" -> "rise"),
    then suffix rules that end at a known verb ("rising" -> "rise") or adjective ("higher"
    -> "high"); otherwise the word itself."""
    return readings(word)[0]


def ranked_antonyms(word: str, pos: str | None = None) -> tuple[str, ...]:
    """WordNet's antonyms of `word`'s readings, of one part of speech ("verb", "adj",
    "adv") or of all, the likeliest first: its likeliest reading's, and of that the most
    frequent sense's ("rose": "fall" before "set")."""
    tables = [lexicon().antonyms[p] for p in ([pos] if pos else PARTS)]
    found = (a for r in readings(word) for t in tables for a in t.get(r, ()))
    return tuple(dict.fromkeys(found))


def antonyms(word: str, pos: str | None = None) -> frozenset[str]:
    """WordNet's antonyms of any reading of `word` ("rose": {"fall", "set"}), of one part of
    speech ("verb", "adj", "adv") or of all."""
    return frozenset(ranked_antonyms(word, pos))


def opposite(a: str, b: str) -> bool:
    """Whether WordNet names `a` and `b` (in any inflection) antonyms: "rose" and "fell"."""
    return bool(set(readings(b)) & antonyms(a))


def provenance() -> dict[str, object]:
    """Where the lexicon comes from, with WordNet's license notice."""
    return dict(lexicon().provenance)
