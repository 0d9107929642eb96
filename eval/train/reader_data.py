"""Training pairs for the reader: (question, sentence with its context) -> answers?, span.

    pairs = squad_pairs(SQUAD, part="train", questions=24000, seed=13)
    pairs += archive_pairs(load_archive_questions(), ARCHIVE)   # calibration half only

- **SQuAD v1.1 train** (`../shared/datasets`): the sentence holding the answer span is a
  positive with the span; the other sentences of its paragraph are on-topic negatives, and
  the sentences of the article's other paragraphs that share most of the question's terms
  are the hard ones (a sentence holding the answer's text anywhere is never a negative).
  Articles are split by the hash of their title: one in ten (`heldout`) is never trained on
  and is what the model card reports.
- **The shared archive's quiz, calibration half only** (alternate quiz dates, as
  `eval/archive.py` splits them): in a question's own articles, sentences holding the gold
  answer are positives (the span is the answer), the sentences sharing most of the
  question's terms without it are negatives. The held-out half is never read here.
Sentences come from `rag.language.text.sentences`, exactly as the product splits articles.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from eval.runinfo import file_sha256
from rag.language.text import Span, sentences, terms

SQUAD = Path("../shared/datasets/squad-v1.1-train/train-v1.1.json")
Part = Literal["train", "heldout"]
SAME_PARAGRAPH = 2  # negatives per question from its own paragraph
OTHER_PARAGRAPHS = 2  # hard negatives per question from the article's other paragraphs


@dataclass(frozen=True)
class Example:
    """One training pair. `start`/`end` are character offsets of the short answer in
    `sentence` (-1 when it holds none)."""

    question: str
    sentence: str
    title: str | None
    before: str | None
    label: int
    start: int = -1
    end: int = -1
    origin: str = "squad"
    group: str = ""  # the question's id: its pairs are ranked together in evaluation

    def row(self) -> dict[str, object]:
        return asdict(self)


def squad_part(title: str) -> Part:
    """One article in ten, by the hash of its title, is held out from training."""
    return "heldout" if int(hashlib.sha256(title.encode()).hexdigest(), 16) % 10 == 0 else "train"


@dataclass(frozen=True)
class _Sentence:
    text: str
    before: str | None
    span: Span


def _split(text: str) -> list[_Sentence]:
    spans = sentences(text)
    return [
        _Sentence(
            text[s.start : s.end], text[spans[i - 1].start : spans[i - 1].end] if i else None, s
        )
        for i, s in enumerate(spans)
    ]


def _overlap(question: set[str], text: str) -> int:
    return len(question & set(terms(text)))


def squad_pairs(
    path: Path = SQUAD, part: Part = "train", questions: int | None = None, seed: int = 13
) -> list[Example]:
    """Pairs from the SQuAD articles of `part`; `questions` samples that many questions."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    rng = random.Random(seed)
    items = [
        (article, p_index, q_index)
        for article in data
        if squad_part(article["title"]) == part
        for p_index, paragraph in enumerate(article["paragraphs"])
        for q_index in range(len(paragraph["qas"]))
    ]
    if questions is not None and questions < len(items):
        items = rng.sample(items, questions)
    split_cache: dict[tuple[str, int], list[_Sentence]] = {}

    def split(article: dict[str, object], p_index: int) -> list[_Sentence]:
        key = (str(article["title"]), p_index)
        if key not in split_cache:
            paragraphs = article["paragraphs"]
            assert isinstance(paragraphs, list)
            split_cache[key] = _split(paragraphs[p_index]["context"])
        return split_cache[key]

    out: list[Example] = []
    for article, p_index, q_index in items:
        paragraph = article["paragraphs"][p_index]
        qa = paragraph["qas"][q_index]
        out.extend(_question_pairs(article, p_index, qa, split, rng))
    return out


def _question_pairs(article, p_index, qa, split, rng: random.Random) -> Iterator[Example]:  # type: ignore[no-untyped-def]
    title = article["title"].replace("_", " ")
    question = qa["question"].strip()
    answer = qa["answers"][0]
    start, text = int(answer["answer_start"]), str(answer["text"])
    group = f"squad:{title}:{p_index}:{hashlib.sha1(question.encode()).hexdigest()[:8]}"
    own = split(article, p_index)
    holder = next((s for s in own if s.span.start <= start < s.span.end), None)
    if holder is None:
        return
    local = start - holder.span.start
    end = min(local + len(text), len(holder.text))
    yield Example(question, holder.text, title, holder.before, 1, local, end, "squad", group)
    needle = text.lower()
    others = [s for s in own if s is not holder and needle not in s.text.lower()]
    for s in rng.sample(others, min(SAME_PARAGRAPH, len(others))):
        yield Example(question, s.text, title, s.before, 0, origin="squad", group=group)
    q_terms = set(terms(question))
    pool = [
        s
        for j in range(len(article["paragraphs"]))
        if j != p_index
        for s in split(article, j)
        if needle not in s.text.lower()
    ]
    pool.sort(key=lambda s: (-_overlap(q_terms, s.text), rng.random()))
    for s in pool[:OTHER_PARAGRAPHS]:
        yield Example(question, s.text, title, s.before, 0, origin="squad-hard", group=group)


_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def _find(haystack: str, needle: str) -> int:
    """Where `needle` starts in `haystack`, case- and quote-insensitively (-1 if absent)."""
    if not needle:
        return -1
    match = re.search(
        r"(?<!\w)" + re.escape(needle.translate(_FOLD)) + r"(?!\w)",
        haystack.translate(_FOLD),
        re.IGNORECASE,
    )
    return match.start() if match else -1


def answer_pairs(
    question: str,
    answer: str,
    docs: Sequence[tuple[str | None, str]],
    group: str,
    origin: str,
    positives: int = 3,
    negatives: int = 6,
) -> list[Example]:
    """Pairs from `docs` (title, cleaned text): sentences holding `answer` are positives
    (at most `positives`, those sharing most of the question first), the sentences that
    share most of the question's terms without it are negatives."""
    q_terms = set(terms(question))
    pos: list[tuple[int, Example]] = []
    neg: list[tuple[int, Example]] = []
    needle = answer.strip(" \"'.,;:")
    for title, text in docs:
        for s in _split(text):
            at = _find(s.text, needle)
            score = _overlap(q_terms, s.text)
            if at >= 0:
                ex = Example(
                    question, s.text, title, s.before, 1, at, at + len(needle), origin, group
                )
                pos.append((score, ex))
            elif score:
                neg.append(
                    (
                        score,
                        Example(question, s.text, title, s.before, 0, origin=origin, group=group),
                    )
                )
    pos.sort(key=lambda x: -x[0])
    neg.sort(key=lambda x: -x[0])
    if not pos:
        return []
    return [e for _, e in pos[:positives]] + [e for _, e in neg[:negatives]]


def write_jsonl(examples: Sequence[Example], path: Path) -> str:
    """Write the pairs, one JSON object a line; returns the file's sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for example in examples:
            handle.write(json.dumps(example.row(), ensure_ascii=False) + "\n")
    return file_sha256(path)


def read_jsonl(path: Path) -> list[Example]:
    with path.open(encoding="utf-8") as handle:
        return [Example(**json.loads(line)) for line in handle if line.strip()]


ARCHIVE_ARTICLES = Path("../shared/corpora/realtimeqa-dev/articles")


def archive_pairs(articles: Path = ARCHIVE_ARTICLES) -> list[Example]:
    """Pairs from the archive quiz's calibration half (see the module docstring)."""
    from eval.archive import load_archive_questions
    from rag.documents.loading import load_file, read_manifest

    manifest = read_manifest(articles)
    cache: dict[str, tuple[str | None, str]] = {}

    def doc(source_id: str) -> tuple[str | None, str] | None:
        path = articles / f"{source_id}.txt"
        if source_id not in cache and path.is_file():
            d = load_file(path, manifest.get(source_id))
            cache[source_id] = (d.title, d.text)
        return cache.get(source_id)

    out: list[Example] = []
    for item in load_archive_questions():
        if item.split != "calibration" or not item.answer_in_docs:
            continue
        docs = [d for d in (doc(s) for s in item.doc_ids) if d is not None]
        out += answer_pairs(item.question, item.answer, docs, f"archive:{item.id}", "archive")
    return out
