"""The pair kinds a support verifier must read the sentence for, each rule on made-up
sentences: what it changes, and that it leaves alone what it must not touch."""

from __future__ import annotations

import random

import pytest

from eval import support_pairs
from eval.support_forms import ing, like, past, third
from eval.support_pairs import build_pairs
from eval.support_polarity import implicit_negation, reversed_word
from eval.support_right import contraction, reordered, trimmed
from eval.support_wrong import dropped_condition, hedge_made_fact, known_names, swapped_roles
from rag.documents.loading import Document

NEW_KINDS = {"contraction", "trimmed", "reordered"} | {
    *("reversed", "negation_implicit", "roles_swapped", "hedge", "dropped_condition")
}


def rng() -> random.Random:
    return random.Random(3)


def test_word_forms_copy_an_inflection() -> None:
    assert like("fall", "rose", "rise") == "fell"
    assert like("fall", "risen", "rise", before="had") == "fallen"
    assert like("lose", "winning", "win") == "losing"
    assert like("decrease", "Increases", "increase") == "Decreases"
    assert like("low", "higher", "high") == "lower"
    assert like("fall", "rose", "win") is None  # not a form of "win"
    assert (ing("cut"), ing("rise"), third("deny"), past("deny")) == (
        *("cutting", "rising"),
        *("denies", "denied"),
    )


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        ("The harbour levy rose to 417 crowns.", "The harbour levy fell to 417 crowns."),
        ("Exports were up 5% in March.", "Exports were down 5% in March."),
        ("The board approved a levy of 417 crowns.", "The board rejected a levy of 417 crowns."),
        ("Members voted for the plan in 2021.", "Members voted against the plan in 2021."),
        # the article follows the new word
        (
            "The board chose a cheap option for 12 ferries.",
            "The board chose an expensive option for 12 ferries.",
        ),
        # a function word (order) goes before a verb
        ("The depot opened after the vote in May.", "The depot opened before the vote in May."),
    ],
)
def test_reversed_turns_one_word_into_its_opposite(sentence: str, claim: str) -> None:
    assert reversed_word(sentence, rng()) == claim


@pytest.mark.parametrize(
    "sentence",
    [
        "The ferry sails to Lantern Bay on Tuesday.",  # nothing with an opposite
        "Ilse Long chairs the Fenwick board.",  # names are never turned around
        "The board met over the summer.",  # "over" only before a number
    ],
)
def test_reversed_skips_a_sentence_without_an_opposite(sentence: str) -> None:
    assert reversed_word(sentence, rng()) is None


def test_implicit_negation_denies_the_verb_without_not() -> None:
    made = {
        implicit_negation("Ilse Varga signed the deal in March.", random.Random(i))
        for i in range(20)
    }
    assert made == {
        "Ilse Varga refused to sign the deal in March.",
        "Ilse Varga failed to sign the deal in March.",
        "Ilse Varga denied signing the deal in March.",
    }
    # Present tense keeps its number; a levy fails, it does not refuse.
    assert implicit_negation("Ilse Varga signs the deal every March.", rng()) in {
        "Ilse Varga refuses to sign the deal every March.",
        "Ilse Varga fails to sign the deal every March.",
        "Ilse Varga denies signing the deal every March.",
    }
    assert implicit_negation("The levy rose by 12 percent in March.", rng()) == (
        "The levy failed to rise by 12 percent in March."
    )
    assert implicit_negation("The port has reopened the ferry dock.", rng()) == (
        "The port has failed to reopen the ferry dock."
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "The board did not approve the levy.",  # negated already
        "The levy was approved by the board in May.",  # a passive
        "The levy, if approved by the board, will pay for a ferry.",  # no finite verb
    ],
)
def test_implicit_negation_skips_negated_passive_and_verbless(sentence: str) -> None:
    assert implicit_negation(sentence, rng()) is None


def test_roles_swapped_exchanges_two_names_with_different_roles() -> None:
    assert swapped_roles("Ilse Varga criticised Tomas Brandt on Friday.") == (
        "Tomas Brandt criticised Ilse Varga on Friday."
    )
    assert swapped_roles("Fenwick sued Lantern Bay council.", frozenset({"Fenwick"})) == (
        "Lantern Bay sued Fenwick council."
    )
    assert swapped_roles("Fenwick sued Lantern Bay council.") is None  # a lone first word
    assert swapped_roles("Ilse Varga and Tomas Brandt signed the deal.") is None
    assert swapped_roles("Ilse Varga met Tomas Brandt in March.") is None
    assert swapped_roles("Mr. Brandt visited Lantern Bay in March.") is None  # a title
    assert swapped_roles("The board thanked Ilse Varga in March.") is None  # one name
    assert known_names("The cuts hit. Growers told Varga. Varga left.") == {"Varga"}


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        ("The fee could rise to 20 crowns.", "The fee will rise to 20 crowns."),
        ("The ferry is expected to open in 2027.", "The ferry opens in 2027."),
        ("The boats are expected to be ready by June.", "The boats are ready by June."),
        (
            "The board plans to raise the levy by 3 percent.",
            "The board raises the levy by 3 percent.",
        ),
        ("The growers planned to sell 3,200 tonnes.", "The growers sold 3,200 tonnes."),
        ("The company may have breached the 2019 deal.", "The company breached the 2019 deal."),
        ("Perhaps, the fee rose in March.", "The fee rose in March."),
    ],
)
def test_hedge_states_the_hedged_as_fact(sentence: str, claim: str) -> None:
    assert hedge_made_fact(sentence) == claim


def test_hedge_leaves_reported_speech_and_facts() -> None:
    assert hedge_made_fact("Varga said the fee would rise to 20 crowns.") is None
    assert hedge_made_fact("The fee rose to 20 crowns in May.") is None


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        ("The ferry will run if the port reopens in May.", "The ferry will run."),
        (
            "If the board agrees, the levy will rise to 417 crowns.",
            "The levy will rise to 417 crowns.",
        ),
        ("The fee applies unless the boat is empty, Varga said.", "The fee applies, Varga said."),
        (
            "Varga said that if the board agrees, the fee will rise.",
            "Varga said that the fee will rise.",
        ),
        (
            "The levy will pay — as long as it passes — for a ferry.",
            "The levy will pay for a ferry.",
        ),
    ],
)
def test_dropped_condition_claims_without_the_condition(sentence: str, claim: str) -> None:
    assert dropped_condition(sentence) == claim


@pytest.mark.parametrize(
    "sentence",
    [
        "The levy will pass even if the council objects.",  # still true without it
        "Officials asked if the ferry would run in May.",  # "if" is "whether"
        "The ferry runs every day in May.",
    ],
)
def test_dropped_condition_skips_even_if_and_whether(sentence: str) -> None:
    assert dropped_condition(sentence) is None


def test_contraction_expands_or_contracts_and_leaves_the_ambiguous() -> None:
    assert contraction("The board doesn’t oppose it and it’s been signed.") == (
        "The board does not oppose it and it has been signed."
    )
    assert contraction("The board did not oppose it, and it is final.") == (
        "The board didn't oppose it, and it's final."
    )
    assert contraction("We cannot say; it will not pass.") == "We can't say; it won't pass."
    assert contraction("He’s delivered it.") is None  # "he has" or "he is": left alone
    assert contraction("The board approved the levy.") is None


def test_trimmed_drops_a_leading_time_place_connective_or_attribution() -> None:
    assert trimmed("On Tuesday, the board approved a levy of 417 crowns.") == (
        "The board approved a levy of 417 crowns."
    )
    assert trimmed("However, the ferry will not run in 2027.") == "The ferry will not run in 2027."
    assert trimmed("According to the Harbour Courier, the levy rose to 417 crowns.") == (
        "The levy rose to 417 crowns."
    )
    for conditional in (
        "In theory, the levy could pay for a second ferry.",
        "If the board agrees, the levy will rise to 417 crowns.",
        "Without the levy, the ferry would stop running.",
    ):
        assert trimmed(conditional) is None


def test_reordered_puts_the_speech_tag_first() -> None:
    assert reordered("The levy will pay for a second ferry, Ilse Varga said.") == (
        "Ilse Varga said the levy will pay for a second ferry."
    )
    assert reordered("Varga will step down in May, officials said.", frozenset({"Varga"})) == (
        "Officials said Varga will step down in May."
    )
    assert reordered("The levy will pay for a second ferry.") is None


HARBOUR = Document(
    source_id="harbour",
    outlet="The Harbour Courier",
    text=(
        "On Tuesday, the Lantern Bay harbour board approved a levy of 417 crowns. "
        "The levy could rise to 500 crowns if the ferry runs late, Ilse Varga said. "
        "Ilse Varga criticised Tomas Brandt in March for the 12 cancelled crossings. "
        "Brandt doesn’t expect fewer crossings before 2027, the board told reporters."
    ),
)
ORCHARD = Document(
    source_id="orchard",
    outlet="Valley Weekly",
    text="Growers in Miren Valley picked 3,200 tonnes of apples in October, a record harvest.",
)


def test_new_kinds_are_real_changes_labelled_and_split_by_article() -> None:
    pairs = build_pairs([HARBOUR, ORCHARD], corpus="test")
    new = [p for p in pairs if p.kind in NEW_KINDS]
    assert {"trimmed", "reordered", "contraction"} <= {p.kind for p in new if p.right}
    wrong = {p.kind for p in new if not p.right}
    assert {"reversed", "negation_implicit", "roles_swapped", "hedge", "dropped_condition"} <= wrong
    assert all(p.claim != p.quote for p in new)
    assert all(p.split == pairs[0].split for p in pairs if ":harbour:" in p.id)


def test_new_kinds_leave_the_earlier_kinds_as_they_were(monkeypatch: pytest.MonkeyPatch) -> None:
    """They draw on a random stream of their own: the earlier kinds' pairs (ids and
    claims) come out the same with or without them."""
    with_new = build_pairs([HARBOUR, ORCHARD], corpus="test")
    monkeypatch.setattr(support_pairs, "verifier_variants", lambda *args: iter(()))
    without = build_pairs([HARBOUR, ORCHARD], corpus="test")
    assert [p for p in with_new if p.kind not in NEW_KINDS] == without
