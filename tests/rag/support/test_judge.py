"""The one support score (rag/support/judge.py) with a fake verifier: the exact checks
first, then the verifier's probability, one threshold for showing and for flagging."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest

from rag.config import Settings
from rag.errors import VerifierError
from rag.support.citations import validate
from rag.support.exact import NEGATION, NUMBER
from rag.support.judge import UNBACKED, UNCITED, Quote, SupportJudge
from rag.support.release import Release
from rag.verification.base import Statement, as_pair
from rag.verification.factory import verifier_for
from tests.rag.support.test_exact import evidence

LEVY = Quote("The harbour levy rose to 417 crowns in May.", "levy", ("Harbour Times",))


class FakeVerifier:
    """P = a fixed value per claim, or one drawn from the claim's hash; counts reads."""

    name = "fake"

    def __init__(self, threshold: float = 0.5, fixed: dict[str, float] | None = None) -> None:
        self.threshold = threshold
        self.fixed = fixed or {}
        self.read: list[Statement] = []

    def verify(self, statements: Sequence[Statement]) -> list[float]:
        self.read += statements
        return [
            self.fixed.get(
                s.claim, int(hashlib.sha256(s.claim.encode()).hexdigest(), 16) % 100 / 100
            )
            for s in statements
        ]


def test_a_claim_that_is_its_quote_is_backed_without_reading() -> None:
    fake = FakeVerifier()
    verdict = SupportJudge(fake, 0.3).verdict(LEVY.text, [LEVY])
    assert (verdict.support, verdict.reason) == (1.0, None) and fake.read == []


def test_the_exact_checks_decide_first_and_leave_no_support() -> None:
    fake = FakeVerifier(fixed={"The harbour levy rose to 418 crowns.": 0.99})
    judge = SupportJudge(fake, 0.3)
    assert judge.verdict("The harbour levy rose to 418 crowns.", [LEVY]).reason == NUMBER
    assert judge.verdict("The harbour levy fell to 417 crowns.", [LEVY]).reason == NEGATION
    assert judge.verdict("The harbour levy did not rise to 417 crowns.", [LEVY]).reason == NEGATION
    assert judge.verdict("The levy rose.", []).reason == UNCITED
    assert fake.read == []


def test_inflections_are_one_word_for_the_exact_checks() -> None:
    judge = SupportJudge(None, 0.9)  # no verifier: the share of words decides
    assert judge.verdict("In May the harbour levy rises to 417 crowns.", [LEVY]).reason is None


def test_the_verifier_decides_what_the_words_cannot() -> None:
    claim = "The harbour levy went up to 417 crowns in May."
    for p, reason in ((0.8, None), (0.2, UNBACKED)):
        verdict = SupportJudge(FakeVerifier(fixed={claim: p}), 0.3).verdict(claim, [LEVY])
        assert (verdict.support, verdict.reason) == (p, reason)


def test_the_verifier_reads_the_claim_with_its_quotes_outlet_and_title() -> None:
    fake = FakeVerifier()
    SupportJudge(fake, 0.3).verdict("Harbour Times says the levy went up.", [LEVY])
    pair = as_pair(fake.read[0])
    assert pair.question == "Harbour Times says the levy went up."
    assert pair.sentence == LEVY.text and pair.title == "Harbour Times"


def test_each_claim_is_read_once() -> None:
    fake = FakeVerifier()
    judge = SupportJudge(fake, 0.3)
    for _ in range(3):
        judge.verdicts([("The levy went up in May.", [LEVY])] * 2)
    assert len(fake.read) == 1


CLAIMS = [
    "The harbour levy went up to 417 crowns in May. [1]",
    "Ferry crossings dropped by a third during winter. [2]",
    "The levy was raised in May to 417 crowns. [1]",
    "Crossings by ferry fell by a third over the winter months. [2]",
    "In May the levy reached 417 crowns. [1] Ferries crossed less in winter. [2]",
    "The harbour levy rose to 417 crowns in May. [1]",
]


@pytest.mark.parametrize("threshold", [0.2, 0.5, 0.8])
@pytest.mark.parametrize("answer", CLAIMS)
def test_a_sentence_shown_is_never_flagged_as_weak(answer: str, threshold: float) -> None:
    judge = SupportJudge(FakeVerifier(threshold), 0.3)
    release = Release(evidence(), judge)
    release.feed(answer)
    release.finish()
    shown = validate(release.text, evidence(), judge.support)
    assert all(c.support >= judge.threshold for c in shown.claims if c.citations)


@pytest.mark.integration  # loads the shipped verifier
def test_the_setting_names_the_verifier_and_may_override_its_threshold(tmp_path) -> None:
    base = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert verifier_for(base.updated(verifier="none")) is None
    with pytest.raises(VerifierError, match="RAG_VERIFIER"):
        verifier_for(base.updated(verifier=str(tmp_path / "no-such-model")))
    assert SupportJudge(None, 0.3).threshold == 0.3
    fixed = verifier_for(base.updated(support_threshold=0.42))
    assert fixed is not None and fixed.threshold == 0.42


def test_a_loose_restatement_s_negation_is_the_verifier_s_to_read() -> None:
    quote = Quote("The harbour levy rose to 417 crowns after weeks of debate in the council.", "l")
    near = "The harbour levy did not rise to 417 crowns after weeks of debate."
    loose = "Council members said, after long arguments, that the harbour levy did not rise."
    fake = FakeVerifier(fixed={loose: 0.1})
    judge = SupportJudge(fake, 0.3)
    assert judge.verdict(near, [quote]).reason == NEGATION  # sure: the rest is the quote's
    assert judge.verdict(loose, [quote]).reason == UNBACKED
    assert [s.claim for s in fake.read] == [loose]
    assert SupportJudge(None, 0.3).verdict(loose, [quote]).reason == NEGATION
