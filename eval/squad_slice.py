"""The held-out SQuAD slice: the reader's own out-of-training test, through the whole product.

    python -m eval.squad_slice [--questions 300] [--reader local|none|...] [--json out.json]

The SQuAD v1.1 train articles the reader never saw (one in ten, by the hash of the title:
eval/train/reader_data.py) are written as articles (title, then one paragraph a line),
indexed in a temporary folder, and a fixed sample of their questions is asked:
- `sentence_at_1`: the best evidence sentence is the one holding the answer span;
- `passage_at_1`, `passage_at_5`: the passages listed (the `sources` event, best first)
  hold that sentence at rank 1 / within 5;
- `exact_match`, `f1`: the short answer against the gold answers (SQuAD's official
  normalisation; no short answer scores 0), `short_answered`: share given one;
- `answered`: share not refused (every question is answerable).
Absent `../shared/datasets`, it says so and stops.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.answer_metrics import exact_match, f1
from eval.harness import temporary_pipeline
from eval.metrics import is_refused, normalize
from eval.train.reader_data import SQUAD, squad_part
from rag.answering.pipeline import Pipeline
from rag.config import Settings
from rag.errors import ConfigError
from rag.language.text import sentences
from rag.reading.factory import make_reader

SEED = 13


@dataclass(frozen=True)
class SquadCase:
    id: str
    question: str
    answers: tuple[str, ...]
    sentence: str  # the paragraph's sentence holding the first answer's span


def _holder(context: str, start: int) -> str | None:
    return next(
        (context[s.start : s.end] for s in sentences(context) if s.start <= start < s.end), None
    )


def load_slice(path: Path = SQUAD, questions: int = 300) -> tuple[dict[str, str], list[SquadCase]]:
    """({file stem: article text}, a seeded sample of questions) of the held-out articles."""
    if not path.is_file():
        raise ConfigError(f"no SQuAD file at {path}: ../shared/datasets is not on this machine")
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    articles: dict[str, str] = {}
    cases: list[SquadCase] = []
    for number, article in enumerate(data):
        if squad_part(article["title"]) != "heldout":
            continue
        stem = f"squad_{number:03d}"
        title = article["title"].replace("_", " ")
        paragraphs = [p["context"].replace("\n", " ").strip() for p in article["paragraphs"]]
        articles[stem] = f"---\ntitle: {json.dumps(title)}\n---\n" + "\n\n".join(paragraphs)
        for p_index, paragraph in enumerate(article["paragraphs"]):
            for q_index, qa in enumerate(paragraph["qas"]):
                first = qa["answers"][0]
                held = _holder(paragraph["context"], int(first["answer_start"]))
                if held is None:
                    continue
                answers = tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
                case_id = f"{stem}:{p_index}:{q_index}"
                cases.append(SquadCase(case_id, qa["question"].strip(), answers, held))
    sample = random.Random(SEED).sample(cases, min(questions, len(cases)))
    return articles, sample


@contextmanager
def slice_pipeline(
    settings: Settings, articles: dict[str, str], reader: Any = "settings"
) -> Iterator[Pipeline]:
    """A pipeline over the slice's articles, indexed into a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="squad-slice-") as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        for stem, text in articles.items():
            (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
        with temporary_pipeline(settings, folder, reader=reader) as (pipe, _):
            yield pipe


def holds(text: str, sentence: str) -> bool:
    return normalize(sentence) in normalize(text)


def ask(pipe: Pipeline, cases: Sequence[SquadCase]) -> dict[str, float]:
    rows: list[dict[str, float]] = []
    for case in cases:
        retrieval, ranked = pipe.chain.retrieve(case.question)
        answer = pipe.chain.ask(case.question)
        passages = [p.chunk.text for p in retrieval.passages]
        short = answer.short_answer.text if answer.short_answer else ""
        rows.append(
            {
                "sentence_at_1": float(
                    bool(ranked) and normalize(ranked[0].text) == normalize(case.sentence)
                ),
                "passage_at_1": float(bool(passages) and holds(passages[0], case.sentence)),
                "passage_at_5": float(any(holds(p, case.sentence) for p in passages[:5])),
                "exact_match": 100 * exact_match(short, case.answers) if short else 0.0,
                "f1": 100 * f1(short, case.answers) if short else 0.0,
                "short_answered": float(bool(short)),
                "answered": float(not is_refused(answer)),
            }
        )
    return {k: round(statistics.fmean(r[k] for r in rows), 4) for k in rows[0]} if rows else {}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--reader", default=None, help="default: RAG_READER (local)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    settings = Settings()
    articles, cases = load_slice(questions=args.questions)
    reader = make_reader(args.reader or settings.reader)
    with slice_pipeline(settings, articles, reader) as pipe:
        result = {"articles": len(articles), "questions": len(cases), **ask(pipe, cases)}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
