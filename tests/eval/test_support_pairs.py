"""The support pairs: rules make right and wrong claims from made-up articles, an article's
pairs share one split, and the check tells most of them apart."""

from __future__ import annotations

from eval.support import calibrate, scores
from eval.support_pairs import build_pairs
from rag.documents.loading import Document
from rag.support.judge import SupportJudge

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
    right = {"verbatim", "attributed", "clause", "reworded", "untagged"}
    right |= {"contraction", "trimmed", "reordered"}  # the verifier's kinds
    assert all(p.right == (p.kind in right) for p in pairs)


def test_the_check_keeps_right_claims_and_catches_wrong_ones() -> None:
    pairs = build_pairs([HARBOUR, ORCHARD], corpus="test")
    got = scores(pairs, SupportJudge(None, 0.3))
    assert got["right_kept"] == 1.0 and got["wrong_caught"] >= 0.8


def test_calibration_reads_the_calibration_split_only() -> None:
    pairs = build_pairs([HARBOUR, ORCHARD], corpus="test")
    held = [p for p in pairs if p.split == "heldout"]
    mangled = [p.__class__(**{**p.__dict__, "claim": "Nothing alike at all."}) for p in held]
    cal = [p for p in pairs if p.split == "calibration"]
    assert calibrate(cal + mangled) == calibrate(cal)


def test_re_citing_is_measured_against_every_sentence_of_the_article() -> None:
    """A wrong claim the check removes, that another sentence of its article backs at a low
    share, counts as re-cited there, and not at a higher share; calibration picks the lowest
    share at which (nearly) no wrong claim comes back."""
    from eval.support import best_other, calibrate_recite, rescued
    from eval.support_pairs import Pair, split_of
    from rag.support.judge import Quote
    from rag.support.release import recite

    # The claim cites the first sentence; the third shares part of its words, not all.
    docs = [
        Document(
            source_id="depot",
            outlet="Ridge Times",
            text=(
                "The depot will close at the end of the year. "
                "It employs 212 drivers, the operator says. "
                "Drivers at the depot will move to the Alder garage next spring."
            ),
        )
    ]
    wrong = Pair(
        id="t:depot:0:stitched",
        claim="The depot drivers will move to the Alder garage, and the depot will expand.",
        quote="The depot will close at the end of the year.",
        context=("Ridge Times",),
        right=False,
        kind="stitched",
        split=split_of("depot"),
    )
    best = best_other([wrong], docs, 0.3)
    assert rescued(best, 0.3)["wrong re-cited"] == 1.0
    assert rescued(best, 0.9)["wrong re-cited"] == 0.0
    # The measure agrees with what the answer path does (rag.support.release.recite).
    sentences = [Quote(t.strip() + ".", "depot") for t in docs[0].text.split(".") if t.strip()]
    for bar in (0.3, 0.9):
        assert (recite(wrong.claim, [1], sentences, bar, SupportJudge(None, 0.3)) is not None) == (
            best[0][1] >= bar
        )
    calibration = Pair(**{**wrong.__dict__, "split": "calibration"})
    assert best[0][1] < calibrate_recite(best_other([calibration], docs, 0.3), 0.3) <= 1.0
