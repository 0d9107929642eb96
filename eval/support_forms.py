"""Word forms for rule-made claims: a verb or adjective written in the form of another word.

    like("fall", "rose", "rise") == "fell"; like("lose", "winning", "win") == "losing"
    like("low", "higher", "high") == "lower"; ing("sign") == "signing"; third("deny") == "denies"

Irregular forms come from the packaged WordNet lexicon (rag.language.lexicon), read backwards;
regular ones from the spelling rules. Only what the pair rules need, not a full inflector.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from rag.language.lexicon import lexicon

_VOWELS = "aeiou"
_HAVE_BE = frozenset(
    ["has", "have", "had", "having", "is", "are", "was", "were", "be", "been", "being"]
)


@lru_cache(maxsize=1)
def _forms() -> dict[str, tuple[str, ...]]:
    """Lemma -> its irregular forms (WordNet's exception lists, read backwards)."""
    out: dict[str, list[str]] = defaultdict(list)
    for form, lemma in lexicon().irregular.items():
        if form != lemma:
            out[lemma].append(form)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _irregular(lemma: str, test: str) -> list[str]:
    forms = _forms().get(lemma, ())
    if test == "ing":
        return [f for f in forms if f.endswith("ing")]
    if test == "s":
        return [f for f in forms if f.endswith("s") and f.startswith(lemma[:1])]
    return [f for f in forms if not f.endswith(("ing", "s"))]


def third(lemma: str) -> str:
    """The third person singular: "denies", "taxes", "cuts"."""
    if lemma == "be":
        return "is"
    if lemma == "have":
        return "has"
    if lemma.endswith("y") and lemma[-2:-1] not in _VOWELS:
        return lemma[:-1] + "ies"
    if lemma.endswith(("s", "x", "z", "ch", "sh", "o")):
        return lemma + "es"
    return lemma + "s"


def ing(lemma: str) -> str:
    """The -ing form: "signing", "rising", "lying", "cutting" (doubling only where WordNet
    lists it)."""
    listed = _irregular(lemma, "ing")
    if listed:
        return listed[0]
    if lemma.endswith("ie"):
        return lemma[:-2] + "ying"
    if lemma.endswith("e") and not lemma.endswith(("ee", "ye", "oe")) and len(lemma) > 2:
        return lemma[:-1] + "ing"
    return lemma + "ing"


def past(lemma: str, participle: bool = False) -> str:
    """The past tense ("fell"), or its participle ("fallen") where the two differ."""
    listed = _irregular(lemma, "past")
    if len(listed) > 1:  # "fell"/"fallen", "began"/"begun": the participle ends in n or has u
        done = [f for f in listed if f.endswith("n") and not f.endswith("an")]
        done = done or [f for f in listed if "u" in f and "u" not in lemma]
        if done and len(done) < len(listed):
            rest = [f for f in listed if f not in done]
            return done[0] if participle else rest[0]
    if listed:
        return listed[0]
    if lemma.endswith("e"):
        return lemma + "d"
    if lemma.endswith("y") and lemma[-2:-1] not in _VOWELS:
        return lemma[:-1] + "ied"
    return lemma + "ed"


def comparative(lemma: str, superlative: bool = False) -> str:
    """ "lower", "bigger" (where WordNet lists it), "later"; "-est" for the superlative."""
    end = "est" if superlative else "er"
    listed = [f for f in _forms().get(lemma, ()) if f.endswith(end)]
    if listed:
        return listed[0]
    if lemma.endswith("e"):
        return lemma + end[1:]
    if lemma.endswith("y") and lemma[-2:-1] not in _VOWELS:
        return lemma[:-1] + "i" + end
    return lemma + end


VERB_FORMS = ("base", "ing", "s", "past")
ADJECTIVE_FORMS = ("base", "er", "est")


def like(
    lemma: str,
    word: str,
    source: str,
    before: str = "",
    forms: tuple[str, ...] = VERB_FORMS + ADJECTIVE_FORMS,
) -> str | None:
    """`lemma` in the form `word` has as a form of `source` (`before`: the word in front,
    which tells a participle from a past tense; `forms`: those to try), capitalised like
    it; None when `word` is no such form of `source`."""
    w = word.lower()
    made = {
        "base": (source, lambda: lemma),
        "ing": (ing(source), lambda: ing(lemma)),
        "s": (third(source), lambda: third(lemma)),
        "er": (comparative(source), lambda: comparative(lemma)),
        "est": (comparative(source, True), lambda: comparative(lemma, True)),
    }
    out: str | None = None
    for form in forms:
        if form == "past" and w in (past(source), past(source, participle=True)):
            out = past(lemma, participle=before.lower() in _HAVE_BE)
        elif form in made and w == made[form][0]:
            out = made[form][1]()
        if out:
            break
    if out is None:
        return None
    return out[:1].upper() + out[1:] if word[:1].isupper() else out
