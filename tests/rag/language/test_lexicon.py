"""The packaged WordNet lexicon: lemmas of irregular and regular forms, antonyms, the
license notice it must carry, and that nothing is read before it is asked for."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pytest

import rag.language.lexicon
from rag.language.lexicon import DATA, antonyms, lemma, opposite, provenance, ranked_antonyms
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("cuts", "cut"),
        ("rising", "rise"),
        ("denied", "deny"),
        ("won", "win"),
        ("rose", "rise"),
        ("fell", "fall"),
        ("signed", "sign"),  # a verb before the adjective "signed"
        ("higher", "high"),
        ("better", "good"),
        ("Closes", "close"),
        ("hoped", "hope"),  # "hope", not "hop"
        ("after", "after"),  # WordNet lists it as its own lemma: not "aft"
        ("worker", "worker"),  # "-er" ends at an adjective only, not at the verb "work"
        ("Lantern", "lantern"),  # no rule applies: the word itself, lowercased
    ],
)
def test_lemmas_of_irregular_and_regular_forms(word: str, expected: str) -> None:
    assert lemma(word) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("rise", "fall"),
        ("win", "lose"),
        ("increase", "decrease"),
        ("approve", "disapprove"),
        ("accept", "reject"),
        ("buy", "sell"),
        ("more", "less"),
        ("above", "below"),
        ("high", "low"),
        ("strong", "weak"),
    ],
)
def test_wordnet_antonyms_go_both_ways(a: str, b: str) -> None:
    assert b in antonyms(a) and a in antonyms(b)


def test_antonyms_and_opposites_are_read_through_inflections() -> None:
    assert "fall" in antonyms("rose") and "rise" in antonyms("falling")
    assert opposite("rose", "fell") and opposite("won", "lost")
    assert opposite("higher", "lower") and opposite("increased", "decreased")
    assert not opposite("rose", "won") and not opposite("rose", "rose")
    assert antonyms("Lantern") == frozenset()


def test_antonyms_by_part_of_speech_the_likeliest_first() -> None:
    assert ranked_antonyms("rose")[0] == "fall"  # "set" (of the sun) is a rarer sense
    assert "win" in ranked_antonyms("lost", "verb")
    assert ranked_antonyms("high", "verb") == ()
    assert ranked_antonyms("high", "adj") == ("low",)


def test_the_lexicon_ships_wordnets_license_notice() -> None:
    about = provenance()
    notice = str(about["notice"])
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in notice
    assert "Permission to use, copy, modify and distribute" in notice
    assert "WordNet 3.0" in str(about["source"])
    assert DATA.stat().st_size < 1_000_000


def test_the_lexicon_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "language/lexicon/*.json" in config["tool"]["setuptools"]["package-data"]["rag"]
    assert DATA.relative_to(ROOT / "rag").match("language/lexicon/*.json")


def test_importing_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("read at import time")

    with monkeypatch.context() as patch:
        patch.setattr(Path, "read_text", refuse)
        module = importlib.reload(rag.language.lexicon)  # runs the module's top level again
    assert module.lexicon.cache_info().currsize == 0
    assert module.lemma("won") == "win"  # read on first use
