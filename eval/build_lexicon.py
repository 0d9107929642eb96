"""Build rag/language/lexicon/lexicon.json from WordNet 3.0, so the product needs no system package.

    python -m eval.build_lexicon              # reads /usr/share/wordnet (Debian's wordnet-base)

What it keeps, single lowercase words only:
- `irregular`: inflected form -> lemma, from WordNet's exception lists (verb.exc, adj.exc,
  adv.exc, noun.exc; where two lists hold a form, the earlier one wins: "better" is "good");
- `antonyms`: part of speech -> word -> its antonyms, from the `!` pointers of data.verb,
  data.adj and data.adv, both directions, the antonym of the word's most frequent sense
  first (index.<pos> lists a word's senses by frequency);
- `verbs`: every verb lemma, and `adjectives`: every adjective or adverb that has an antonym
  or is an exception's lemma: what rag.language.lexicon's suffix rules ("rising" -> "rise",
  "higher" -> "high") may stop at;
- `provenance`: where it came from and WordNet's license notice, which must travel with it.
The files' format is WordNet's wndb(5); NLTK's reader refuses Debian's layout, so they are
read directly.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

WORDNET = Path("/usr/share/wordnet")
OUT = Path(__file__).parent.parent / "rag" / "lexicon" / "lexicon.json"
EXCEPTIONS = ("verb", "adj", "adv", "noun")  # precedence: a verb reading first
ANTONYM_POS = ("verb", "adj", "adv")
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
_MARKER = re.compile(r"\((?:a|p|ip)\)$")  # data.adj's syntactic markers: "galore(ip)"
NOTICE = """\
This software and database is being provided to you, the LICENSEE, by
Princeton University under the following license.  By obtaining, using
and/or copying this software and database, you agree that you have
read, understood, and will comply with these terms and conditions.:

Permission to use, copy, modify and distribute this software and
database and its documentation for any purpose and without fee or
royalty is hereby granted, provided that you agree to comply with
the following copyright notice and statements, including the disclaimer,
and that the same appear on ALL copies of the software, database and
documentation, including modifications that you make for internal
use or for distribution.

WordNet 3.0 Copyright 2006 by Princeton University.  All rights reserved.

THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON
UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES, EXPRESS OR
IMPLIED.  BY WAY OF EXAMPLE, BUT NOT LIMITATION, PRINCETON
UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES OF MERCHANT-
ABILITY OR FITNESS FOR ANY PARTICULAR PURPOSE OR THAT THE USE
OF THE LICENSED SOFTWARE, DATABASE OR DOCUMENTATION WILL NOT
INFRINGE ANY THIRD PARTY PATENTS, COPYRIGHTS, TRADEMARKS OR
OTHER RIGHTS.

The name of Princeton University or Princeton may not be used in
advertising or publicity pertaining to distribution of the software
and/or database.  Title to copyright in this software, database and
any associated documentation shall at all times remain with
Princeton University and LICENSEE agrees to preserve same.
"""


def single(word: str) -> str | None:
    """`word` lowercased when it is one word (WordNet joins a phrase's words with "_")."""
    word = _MARKER.sub("", word).lower()
    return word if _WORD.fullmatch(word) else None


def irregular(wordnet: Path, parts: tuple[str, ...] = EXCEPTIONS) -> dict[str, str]:
    """Inflected form -> its first listed lemma, from the exception lists (the first list
    that has the form decides); a form its list also gives as its own lemma ("after after",
    "offer off" with "offer offer") maps to itself."""
    out: dict[str, str] = {}
    for pos in parts:
        listed: dict[str, list[str]] = defaultdict(list)
        for line in (wordnet / f"{pos}.exc").read_text().splitlines():
            form, *rest = (single(w) for w in line.split())
            if form:
                listed[form] += [w for w in rest if w]
        for form, lemmas in listed.items():
            if lemmas and form not in out:
                out[form] = form if form in lemmas else lemmas[0]
    return out


def synsets(path: Path) -> Iterator[tuple[str, list[str], list[tuple[str, str, str]]]]:
    """(offset, words, pointers) of each synset line of a data file; a pointer is
    (symbol, target offset, source/target word numbers as four hex digits)."""
    for line in path.read_text().splitlines():
        if line.startswith(" "):  # the license header
            continue
        fields = line.split(" | ", 1)[0].split()
        count = int(fields[3], 16)
        words = fields[4 : 4 + 2 * count : 2]
        at = 4 + 2 * count
        pointers = [
            (fields[i], fields[i + 1], fields[i + 3])
            for i in range(at + 1, at + 1 + 4 * int(fields[at]), 4)
        ]
        yield fields[0], words, pointers


def senses(wordnet: Path, pos: str) -> dict[tuple[str, str], int]:
    """(word, synset offset) -> the sense's rank in index.<pos> (0: the most frequent)."""
    out: dict[tuple[str, str], int] = {}
    for line in (wordnet / f"index.{pos}").read_text().splitlines():
        if line.startswith(" "):
            continue
        fields = line.split()
        word, count = fields[0], int(fields[2])
        for rank, offset in enumerate(fields[-count:]):
            out[(word, offset)] = rank
    return out


def antonyms(wordnet: Path, parts: tuple[str, ...] = ANTONYM_POS) -> dict[str, list[str]]:
    """Word -> antonyms, from the lexical `!` pointers (both directions), the antonym of
    the word's more frequent sense first ("rise": "fall" before "set")."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for pos in parts:
        rank = senses(wordnet, pos)
        rows = list(synsets(wordnet / f"data.{pos}"))
        words = {offset: ws for offset, ws, _ in rows}
        for offset, ws, pointers in rows:
            for symbol, target, numbers in pointers:
                source, other = int(numbers[:2], 16), int(numbers[2:], 16)
                if symbol != "!" or target not in words or not source or not other:
                    continue
                raw_a, raw_b = ws[source - 1], words[target][other - 1]
                a, b = single(raw_a), single(raw_b)
                if a and b and a != b:
                    key_a, key_b = _MARKER.sub("", raw_a).lower(), _MARKER.sub("", raw_b).lower()
                    at_a = rank.get((key_a, offset), 99)
                    at_b = rank.get((key_b, target), 99)
                    found[a][b] = min(found[a].get(b, 99), at_a)
                    found[b][a] = min(found[b].get(a, 99), at_b)
    return {w: sorted(ws, key=lambda x: (ws[x], x)) for w, ws in found.items()}


def verbs(wordnet: Path) -> set[str]:
    """Every one-word verb lemma in index.verb."""
    lines = (wordnet / "index.verb").read_text().splitlines()
    found = (single(line.split(" ", 1)[0]) for line in lines if not line.startswith(" "))
    return {w for w in found if w}


def build(wordnet: Path) -> dict[str, object]:
    forms = irregular(wordnet)
    opposite = {pos: antonyms(wordnet, (pos,)) for pos in ANTONYM_POS}
    adjectives = set(opposite["adj"]) | set(opposite["adv"])
    adjectives |= set(irregular(wordnet, ("adj", "adv")).values())
    return {
        "provenance": {
            "source": "WordNet 3.0, Princeton University (Debian package wordnet-base)",
            "files": [f"{p}.exc" for p in EXCEPTIONS]
            + [f"data.{p}" for p in ANTONYM_POS]
            + [f"index.{p}" for p in ANTONYM_POS],
            "built_by": "python -m eval.build_lexicon",
            "license": "WordNet 3.0 license (redistribution allowed with this notice)",
            "notice": NOTICE,
        },
        "irregular": forms,
        "antonyms": opposite,
        "verbs": sorted(verbs(wordnet)),
        "adjectives": sorted(adjectives),
    }


def counts(lexicon: dict[str, object]) -> dict[str, int]:
    """How many entries each table holds (antonyms: words that have one, per part of speech)."""
    out: dict[str, int] = {}
    for key, value in lexicon.items():
        if key == "antonyms" and isinstance(value, dict):
            out |= {f"{pos} antonyms": len(table) for pos, table in value.items()}
        elif key != "provenance" and isinstance(value, dict | list):
            out[key] = len(value)
    return out


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--wordnet", type=Path, default=WORDNET)
    args.add_argument("--out", type=Path, default=OUT)
    opts = args.parse_args(argv)
    if not (opts.wordnet / "data.verb").is_file():
        raise SystemExit(f"no WordNet at {opts.wordnet}: install Debian's wordnet-base")
    lexicon = build(opts.wordnet)
    text = json.dumps(lexicon, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    opts.out.write_text(text + "\n", encoding="utf-8")
    print(f"{opts.out}: {len(text.encode()) / 1024:.0f} KiB, {counts(lexicon)}")


if __name__ == "__main__":
    main()
