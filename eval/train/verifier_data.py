"""Training pairs for the support verifier: (claim, its quotes with their outlet and title)
-> do the quotes back the claim?

    parts = verifier_parts(seed=13)        # {"train": [...], "fit": [...], "heldout": [...]}

- **Our pair set** (eval/support_pairs.py): the seeds' pairs (eval/gold/support_pairs.jsonl)
  and the pairs built the same way from the shared archive, right claims (verbatim,
  attributed, clause, reworded, restated by the local model, contractions, trims) and
  wrong ones (a number, date, name or outlet changed, a negation flipped, a clause
  stitched from another article, a word reversed, a negation without "not", two names'
  roles swapped, a hedge made fact, a condition dropped). A pair's split is its article's
  (eval/support_pairs.split_of), so no article is on both sides: the `heldout` half is
  never trained on; the `calibration` half is split again by article, one in five to
  `fit` (the verifier's threshold is fitted there, on pairs it never saw), the rest to
  `train`. A third of the training pairs carry a second quote, another sentence of the
  same article, as a model's citations often do: the label stays (a quote more removes
  no support).
- **FM2 dev** (`../shared/datasets/fm2`): each claim against its gold evidence (SUPPORTS
  / REFUTES) and, for a supported claim, against one retrieved sentence of the same page
  that is not its evidence (on topic, backs nothing). FM2 test and WiCE are never read
  here: they are reported (eval/verifier_report.py).
Every pair becomes the reader's Example: `question` is the claim, `sentence` the quotes,
`title` their outlet and title; no span.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from eval.support_pairs import PAIRS, Pair, build_pairs, read_pairs
from eval.train.reader_data import Example
from rag.documents.loading import load_documents

ARCHIVE = Path("../shared/corpora/realtimeqa-dev/articles")
FM2 = Path("../shared/datasets/fm2")
CONTEXT_SEPARATOR = " · "
TWO_QUOTES = 1 / 3  # training pairs given a second quote of the same article
RESTATED_REPEAT = 3  # the local model's restatements are few: each is seen this often
FIT_SHARE = 5  # one calibration article in this many is kept for fitting the threshold
# The archive gives ~440,000 pairs a half: each kind is sampled down to this many per part
# (the seeds' pairs are all kept). Wrong kinds are more, right kinds fewer: about as many
# right pairs as wrong ones, ~36,000 training pairs, half an hour on 2 cores.
PER_KIND = {"train": (1800, 2500), "fit": (400, 400), "heldout": (500, 500)}  # (wrong, right)


def source_of(pair: Pair) -> str:
    """The article a pair's quote comes from (its id is corpus:source:sentence:kind)."""
    return ":".join(pair.id.split(":")[:-2])


def part_of(pair: Pair) -> str:
    if pair.split != "calibration":
        return "heldout"
    digest = hashlib.sha256(("fit:" + source_of(pair)).encode()).hexdigest()
    return "fit" if int(digest, 16) % FIT_SHARE == 0 else "train"


def to_example(pair: Pair, quotes: Sequence[str] | None = None) -> Example:
    return Example(
        question=pair.claim,
        sentence=" ".join(quotes or [pair.quote]),
        title=CONTEXT_SEPARATOR.join(pair.context) or None,
        before=None,
        label=int(pair.right),
        origin=pair.kind,
        group=pair.id,
    )


def all_pairs(archive: Path = ARCHIVE) -> list[Pair]:
    """The seeds' pairs and, when the shared archive is there, the archive's."""
    pairs = read_pairs(PAIRS)
    if archive.is_dir():
        pairs += build_pairs(load_documents([archive]), corpus="archive")
    else:
        print(f"{archive} is absent: training on the seeds' pairs and FM2 only")
    return pairs


def with_second_quotes(pairs: Sequence[Pair], rng: random.Random) -> list[Example]:
    """Each pair as an example; a third of them with another quote of the same article
    beside their own, in article order."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for p in pairs:
        if p.quote not in by_source[source_of(p)]:
            by_source[source_of(p)].append(p.quote)
    out: list[Example] = []
    for p in pairs:
        others = [q for q in by_source[source_of(p)] if q != p.quote]
        if others and rng.random() < TWO_QUOTES:
            other = rng.choice(others)
            order = by_source[source_of(p)]
            quotes = sorted([p.quote, other], key=order.index)
            out.append(to_example(p, quotes))
        else:
            out.append(to_example(p))
    return out


def fm2_examples(path: Path, rng: random.Random) -> list[Example]:
    """FM2 claims against their gold evidence, and supported ones against a retrieved
    sentence that is not their evidence."""
    out: list[Example] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        gold = [e for e in row["gold_evidence"] if e.get("text", "").strip()]
        if not gold:
            continue
        page = str(row.get("wikipedia_page") or "")
        title = CONTEXT_SEPARATOR.join(x for x in (page, gold[0].get("section_header")) if x)
        supported = row["label"] == "SUPPORTS"
        out.append(
            Example(
                question=row["text"],
                sentence=" ".join(e["text"] for e in gold),
                title=title or None,
                before=None,
                label=int(supported),
                origin="fm2",
                group=str(row["id"]),
            )
        )
        texts = {e["text"] for e in gold}
        unrelated = [e for e in row.get("retrieved_evidence", []) if e["text"] not in texts]
        if supported and unrelated:
            e = rng.choice(unrelated)
            out.append(
                Example(
                    question=row["text"],
                    sentence=e["text"],
                    title=CONTEXT_SEPARATOR.join(x for x in (page, e.get("section_header")) if x)
                    or None,
                    before=None,
                    label=0,
                    origin="fm2_unrelated",
                    group=str(row["id"]) + ":unrelated",
                )
            )
    return out


def sampled(pairs: Sequence[Pair], rng: random.Random) -> dict[str, list[Pair]]:
    """The pairs by part, the archive's sampled down to PER_KIND of each kind."""
    groups: dict[tuple[str, str, bool], list[Pair]] = defaultdict(list)
    parts: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        if p.id.startswith("archive:"):
            groups[(part_of(p), p.kind, p.right)].append(p)
        else:
            parts[part_of(p)].append(p)
    for (part, _, right), group in sorted(groups.items()):
        cap = PER_KIND[part][int(right)]
        parts[part] += group if len(group) <= cap else rng.sample(group, cap)
    return parts


def verifier_parts(seed: int, archive: Path = ARCHIVE) -> dict[str, list[Example]]:
    """The training pairs, the fit pairs (for the threshold) and the held-out pairs."""
    rng = random.Random(seed)
    pairs = all_pairs(archive)
    parts = sampled(pairs, rng)
    train_pairs = parts["train"] + [
        p for p in parts["train"] if p.kind == "restated" for _ in range(RESTATED_REPEAT - 1)
    ]
    train = with_second_quotes(train_pairs, rng) + fm2_examples(FM2 / "dev.jsonl", rng)
    rng.shuffle(train)
    fit = with_second_quotes(parts["fit"], random.Random(seed + 1))
    heldout = [to_example(p) for p in parts["heldout"]]
    return {"train": train, "fit": fit, "heldout": heldout}
