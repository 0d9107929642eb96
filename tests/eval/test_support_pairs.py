"""The support pairs: rules make right and wrong claims from made-up articles, an article's
pairs share one split, and the check tells most of them apart."""

from __future__ import annotations

from eval.support import calibrate, scores
from eval.support_pairs import build_pairs
from rag.documents import Document

HARBOUR = Document(
    source_id="harbour",
    outlet="The Harbour Courier",
    text=(
        "The Lantern Bay harbour board approved a levy of 417 crowns per crossing on Tuesday. "
        "Ilse Varga, the board's chair, said the money would pay for a second ferry by 2027. "
        "The Kestrel ferry company did not oppose the levy, its director told reporters."
    ),
)
ORCHARD = Document(
    source_id="orchard",
    outlet="Valley Weekly",
    text=(
        "Growers in Miren Valley picked 3,200 tonnes of apples in October, a record harvest. "
        "Tomas Brandt, who runs the cooperative, said prices fell by 12 percent in March."
    ),
)


def test_pairs_of_every_kind_with_one_split_per_article() -> None:
    pairs = build_pairs([HARBOUR, ORCHARD], corpus="test")
    kinds = {p.kind for p in pairs}
    assert {"verbatim", "attributed", "number", "date", "name", "outlet", "negation"} <= kinds
    assert {"stitched", "reworded", "clause"} & kinds
    for source in ("harbour", "orchard"):
        assert len({p.split for p in pairs if f":{source}:" in p.id}) == 1
    negated = [p for p in pairs if p.kind == "negation" and "oppose" in p.quote]
    assert negated and "did not oppose" not in negated[0].claim
    assert all(
        p.right == (p.kind in {"verbatim", "attributed", "clause", "reworded", "untagged"})
        for p in pairs
    )


def test_the_check_keeps_right_claims_and_catches_wrong_ones() -> None:
    pairs = build_pairs([HARBOUR, ORCHARD], corpus="test")
    got = scores(pairs, 0.3)
    assert got["right_kept"] == 1.0 and got["wrong_caught"] >= 0.8


def test_calibration_reads_the_calibration_split_only() -> None:
    pairs = build_pairs([HARBOUR, ORCHARD], corpus="test")
    held = [p for p in pairs if p.split == "heldout"]
    mangled = [p.__class__(**{**p.__dict__, "claim": "Nothing alike at all."}) for p in held]
    cal = [p for p in pairs if p.split == "calibration"]
    assert calibrate(cal + mangled) == calibrate(cal)
