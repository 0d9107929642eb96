"""Trap questions for the reader's second stage: the right sentence, the wrong question.

    traps = trap_pairs(SQUAD, "train", questions=12000, seed=29)

A reader trained on SQuAD learns that a sentence about the question's subject answers it.
News questions that the articles don't answer are often near misses: the question names
another person than the one the sentence quotes ("What did the defence secretary say…"
against a sentence quoting the vice president), or another year or figure. So each sampled
SQuAD question whose answer sentence shares a name or a number with it is turned into a
trap by rule, and the answer sentence is a negative for it:
- `name`: a capitalised name of the question that the sentence holds is replaced by
  another name of the same article that neither the sentence nor the one before holds;
- `number`: a number of the question that the sentence holds is changed.
The original question with its answer sentence (and its span) is kept beside each trap,
so the pair teaches the difference, not that the sentence is bad.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from eval.train.reader_data import SQUAD, Example, Part, _split, squad_part

_NAME = re.compile(r"(?<=\w )[A-Z][\w'’.-]*(?: (?:of |the |de )?[A-Z][\w'’.-]*)*")
_NUMBER = re.compile(r"(?<![\w.,])\d[\d,]*(?:\.\d+)?(?![\w])")


def names(text: str) -> list[str]:
    """Capitalised word runs past the first word ("Notre Dame", "Pope Francis")."""
    return [m.group().rstrip(".") for m in _NAME.finditer(text)]


def swap_name(
    question: str, sentence: str, before: str, pool: list[str], rng: random.Random
) -> str | None:
    """`question` with one of its names that `sentence` holds replaced by a name from
    `pool` that neither `sentence` nor `before` holds; None when there is none to swap."""
    shared = [n for n in names(question) if n in sentence]
    fresh = [p for p in pool if p not in sentence and p not in before and p not in question]
    if not shared or not fresh:
        return None
    old = rng.choice(shared)
    alike = [p for p in fresh if len(p.split()) == len(old.split())]  # a name for a name
    return question.replace(old, rng.choice(alike or fresh), 1)


def swap_number(question: str, sentence: str, rng: random.Random) -> str | None:
    """`question` with one of its numbers that `sentence` holds changed."""
    shared = [m for m in _NUMBER.finditer(question) if m.group() in sentence]
    if not shared:
        return None
    m = rng.choice(shared)
    digits = m.group().replace(",", "")
    if "." in digits:
        return None
    value = int(digits)
    other = value + rng.choice([-3, -2, -1, 1, 2, 3]) * (1 if value < 100 or value > 1000 else 10)
    if other <= 0 or str(other) in sentence:
        return None
    return question[: m.start()] + str(other) + question[m.end() :]


def trap_pairs(
    path: Path = SQUAD, part: Part = "train", questions: int = 12000, seed: int = 29
) -> list[Example]:
    """Trap negatives with their original positives (see the module docstring)."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    rng = random.Random(seed)
    articles = [a for a in data if squad_part(a["title"]) == part]
    items = [
        (a, p, q)
        for a in articles
        for p, paragraph in enumerate(a["paragraphs"])
        for q in range(len(paragraph["qas"]))
    ]
    rng.shuffle(items)
    pools: dict[str, list[str]] = {}
    out: list[Example] = []
    made = 0
    for article, p_index, q_index in items:
        if made >= questions:
            break
        title = article["title"].replace("_", " ")
        if title not in pools:
            text = " ".join(p["context"] for p in article["paragraphs"])
            pools[title] = sorted(set(names(text)))
        qa = article["paragraphs"][p_index]["qas"][q_index]
        start = int(qa["answers"][0]["answer_start"])
        answer = str(qa["answers"][0]["text"])
        holder = next(
            (
                s
                for s in _split(article["paragraphs"][p_index]["context"])
                if s.span.start <= start < s.span.end
            ),
            None,
        )
        if holder is None:
            continue
        question = qa["question"].strip()
        trap = swap_name(question, holder.text, holder.before or "", pools[title], rng)
        kind = "trap-name"
        if trap is None:
            trap, kind = swap_number(question, holder.text, rng), "trap-number"
        if trap is None:
            continue
        group = f"trap:{title}:{p_index}:{q_index}"
        local = start - holder.span.start
        end = min(local + len(answer), len(holder.text))
        out.append(
            Example(question, holder.text, title, holder.before, 1, local, end, "squad", group)
        )
        out.append(
            Example(trap, holder.text, title, holder.before, 0, origin=kind, group=group + ":trap")
        )
        made += 1
    return out
