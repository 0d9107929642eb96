"""(claim, quote) pairs for the support check: right claims, and subtly wrong ones.

    pairs = build_pairs(load_documents([Path("seeds")]), corpus="seeds")

From each article sentence that states something checkable (a number, a date or a name),
claims are written by rules, never by hand and never about one topic:
- right: the sentence itself; "According to <its outlet>, …"; its first clause; the
  sentence without its speech tag ("…, officials said.");
- wrong: a number changed; a month, weekday or year changed; a name swapped for one from
  another article; "According to <another outlet>, …"; a negation dropped or added; a
  clause from another article stitched on (the claim still cites only this sentence).
Kinds for a support verifier that reads the sentence, each a real change of it, made with
their own random stream so that the kinds above come out as before:
- right: contractions expanded or made; a leading connective, time, place or attribution
  trimmed; a closing speech tag put first (eval/support_right.py);
- wrong: one word turned into its opposite; the verb denied without "not"; two names'
  places swapped; a hedge stated as fact; an "if/unless" condition dropped
  (eval/support_polarity.py, eval/support_wrong.py).
A pair's split is its article's: sha256(source id) parity, so an article's sentences and
their variants are never on both sides. The seeds' pairs are kept in
eval/gold/support_pairs.jsonl; the shared archive's are built when asked (its articles
belong to their publishers and are never copied here).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from eval.support_polarity import implicit_negation, reversed_word
from eval.support_pools import NamePool, blocks_of, without
from eval.support_right import contraction, reordered, trimmed
from eval.support_wrong import dropped_condition, hedge_made_fact, known_names, swapped_roles
from rag.documents.loading import Document
from rag.language.dates import calendar_words
from rag.language.names import name_terms
from rag.language.numbers import values
from rag.language.text import sentences

PAIRS = Path(__file__).parent / "gold" / "support_pairs.jsonl"
_AUX = re.compile(r"\b(is|was|were|are|has|have|had|will|would|could|can|did|does|should)\b ")
_NEGATED = re.compile(r"\b(?:not|never) |n['’]t\b")
_SPEECH_TAG = re.compile(
    r",\s+(?:(?:he|she|they|it|officials|experts|analysts)|(?:[A-Z][\w'’-]+\s?){1,3})"
    r"\s+(?:said|says|added|wrote|told [\w ]+?)\s*\.$"
)
_DIGITS = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?")
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_NAME_RUN = re.compile(r"(?<=\w )(?:[A-Z][a-z'’-]+)(?: [A-Z][a-z'’-]+)*")
# Everyday rewordings a writer (or a model) uses, none about any one topic.
_SYNONYMS = {
    "said": "stated",
    "says": "states",
    "announced": "said",
    "told": "informed",
    "increase": "rise",
    "increased": "rose",
    "decrease": "fall",
    "decreased": "fell",
    "big": "large",
    "large": "big",
    "small": "little",
    "help": "assist",
    "helped": "assisted",
    "begin": "start",
    "began": "started",
    "started": "began",
    "end": "finish",
    "ended": "finished",
    "buy": "purchase",
    "bought": "purchased",
    "show": "indicate",
    "shows": "indicates",
    "showed": "indicated",
    "need": "require",
    "needs": "requires",
    "people": "individuals",
    "country": "nation",
    "government": "administration",
    "important": "significant",
    "major": "significant",
    "about": "roughly",
    "around": "about",
    "nearly": "almost",
    "almost": "nearly",
    "also": "as well",
    "however": "but",
    "because": "since",
    "before": "prior to",
    "after": "following",
    "plans": "intends",
    "planned": "intended",
    "wants": "seeks",
    "wanted": "sought",
}
_ADVERB = re.compile(r"\b(?!only\b|early\b|family\b|July\b|Italy\b)[a-z]+ly\b ")
_CALENDAR_WORDS = {
    **dict.fromkeys(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"], "day"),
    **dict.fromkeys(["January", "March", "April", "June", "July", "August"], "month"),
    **dict.fromkeys(["September", "October", "November", "December", "February"], "month"),
}


@dataclass(frozen=True)
class Pair:
    id: str
    claim: str
    quote: str
    context: tuple[str, ...]  # the quote's outlet and title, which a claim may name
    right: bool
    kind: str
    split: str


def split_of(source_id: str) -> str:
    return (
        "calibration" if int(hashlib.sha256(source_id.encode()).hexdigest(), 16) % 2 else "heldout"
    )


def checkable(sentence: str) -> bool:
    n = len(sentence.split())
    has = values(sentence) or calendar_words(sentence) or name_terms(sentence)
    return 8 <= n <= 60 and bool(has) and not sentence.endswith("?")


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def changed_number(s: str, rng: random.Random) -> str | None:
    found = list(_DIGITS.finditer(s))
    if not found:
        return None
    m = rng.choice(found)
    value = m.group().replace(",", "")
    if _YEAR.fullmatch(value):
        new = str(int(value) + rng.choice([-2, -1, 1, 2]))
    elif "." in value:
        new = f"{float(value) * 2:g}"
    else:
        new = str(int(value) + rng.choice([1, 2, 3, 7])) if int(value) < 10 else str(int(value) * 2)
    return s[: m.start()] + new + s[m.end() :]


def changed_date(s: str, rng: random.Random) -> str | None:
    for word, kind in rng.sample(list(_CALENDAR_WORDS.items()), len(_CALENDAR_WORDS)):
        if re.search(rf"\b{word}\b", s):
            others = [w for w, k in _CALENDAR_WORDS.items() if k == kind and w != word]
            return re.sub(rf"\b{word}\b", rng.choice(others), s, count=1)
    year = _YEAR.search(s)
    return None if not year else s[: year.start()] + str(int(year.group()) + 1) + s[year.end() :]


def swapped_name(s: str, names: Sequence[str], rng: random.Random) -> str | None:
    runs = [m for m in _NAME_RUN.finditer(s) if m.group() not in _CALENDAR_WORDS]
    if not runs or not names:
        return None
    m = rng.choice(runs)
    if isinstance(names, NamePool):
        pool = names.last_word_not_in(s)
        other = rng.choice(pool) if len(pool) else rng.choice([""])
    else:
        other = rng.choice([n for n in names if n.split()[-1] not in s] or [""])
    return s[: m.start()] + other + s[m.end() :] if other else None


def flipped_negation(s: str) -> str | None:
    first = _NEGATED.search(s)
    if first:  # "can't" becomes "can", "won't" "will", "doesn't" "does", "not " nothing
        head = s[: first.start()]
        if first.group().startswith("n") and head.endswith(("ca", "wo")):
            head = head[:-2] + ("can" if head.endswith("ca") else "will")
        return head + s[first.end() :]
    aux = _AUX.search(s)
    return None if not aux else s[: aux.end()] + "not " + s[aux.end() :]


def reworded(s: str) -> str | None:
    """The sentence with everyday words swapped for synonyms and adverbs dropped."""
    out = s
    for word, other in _SYNONYMS.items():  # every one that occurs, as a paraphrase would
        out = re.sub(rf"\b{word}\b", other, out)
    out = _ADVERB.sub("", out)
    return out if out != s else None


def first_clause(s: str) -> str | None:
    head = s.split(", ")[0].rstrip(".")
    return head + "." if len(head.split()) >= 6 and head != s.rstrip(".") else None


def variants(
    s: str,
    doc: Document,
    others: Sequence[tuple[str, Document]],
    names: Sequence[str],
    rng: random.Random,
    outlets: Sequence[str],
) -> Iterator[tuple[str, bool, str | None]]:
    """(kind, right, claim) for one sentence; claim None where the rule does not apply;
    `outlets`: those of the other articles, sorted."""
    yield "verbatim", True, s
    yield "attributed", True, f"According to {doc.outlet}, {lower_first(s)}" if doc.outlet else None
    yield "clause", True, first_clause(s)
    yield "reworded", True, reworded(s)
    tag = _SPEECH_TAG.search(s)
    yield "untagged", True, s[: tag.start()] + "." if tag else None
    yield "number", False, changed_number(s, rng)
    yield "date", False, changed_date(s, rng)
    yield "name", False, swapped_name(s, names, rng)
    yield (
        "outlet",
        False,
        (
            f"According to {rng.choice(outlets)}, {lower_first(s)}"
            if outlets and doc.outlet
            else None
        ),
    )
    yield "negation", False, flipped_negation(s)
    other, _ = rng.choice(others) if others else ("", doc)
    clause = first_clause(other) or other
    yield (
        "stitched",
        False,
        (f"{s.rstrip('.')}, and {lower_first(clause)}" if clause and clause != s else None),
    )


def verifier_variants(
    s: str, known: frozenset[str], rng: random.Random
) -> Iterator[tuple[str, bool, str | None]]:
    """(kind, right, claim) of the kinds a verifier must read the sentence for; `known`:
    the article's names, `rng` a stream of their own."""
    yield "contraction", True, contraction(s)
    yield "trimmed", True, trimmed(s)
    yield "reordered", True, reordered(s, known)
    yield "reversed", False, reversed_word(s, rng)
    yield "negation_implicit", False, implicit_negation(s, rng)
    yield "roles_swapped", False, swapped_roles(s, known)
    yield "hedge", False, hedge_made_fact(s)
    yield "dropped_condition", False, dropped_condition(s)


def build_pairs(
    docs: Iterable[Document], corpus: str, per_article: int = 0, seed: int = 7
) -> list[Pair]:
    """Pairs from every checkable sentence (or `per_article` of them, chosen by `seed`)."""
    rng = random.Random(seed)
    docs = list(docs)
    pool = [(doc.text[sp.start : sp.end], doc) for doc in docs for sp in sentences(doc.text)]
    pool = [(s, d) for s, d in pool if checkable(s)]
    names = NamePool(sorted({m.group() for s, _ in pool for m in _NAME_RUN.finditer(s)}))
    all_outlets = sorted({d.outlet for _, d in pool if d.outlet})
    blocks = blocks_of(pool)
    out: list[Pair] = []
    for doc in docs:
        first, end = blocks.get(doc.source_id, (0, 0))
        own = [s for s, d in pool[first:end] if d is doc]
        if per_article and len(own) > per_article:
            own = rng.sample(own, per_article)
        others = without(pool, first, end)
        foreign = names.not_in(own)
        outlets = [o for o in all_outlets if o != doc.outlet]
        known = known_names(doc.text)
        for i, s in enumerate(own):
            context = tuple(x for x in (doc.outlet, doc.title) if x)
            made = [
                (k, r, c)
                for k, r, c in variants(s, doc, others, foreign, rng, outlets)
                if r or c != s
            ]
            own_rng = random.Random(f"{seed}:{doc.source_id}:{i}")
            made += [(k, r, c) for k, r, c in verifier_variants(s, known, own_rng) if c != s]
            for kind, right, claim in made:
                if claim:
                    pid = f"{corpus}:{doc.source_id}:{i}:{kind}"
                    out.append(Pair(pid, claim, s, context, right, kind, split_of(doc.source_id)))
    return out


def write_pairs(pairs: Sequence[Pair], path: Path = PAIRS) -> None:
    path.write_text("".join(json.dumps(asdict(p), ensure_ascii=False) + "\n" for p in pairs))


def read_pairs(path: Path = PAIRS) -> list[Pair]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [Pair(**{**r, "context": tuple(r["context"])}) for r in rows]
