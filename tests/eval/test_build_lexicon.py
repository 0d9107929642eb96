"""The lexicon builder reads WordNet's own files (a made-up miniature here): irregular
forms, antonyms in both directions ranked by sense, single words only, the notice kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.build_lexicon import NOTICE, build, main

HEADER = "  1 This software and database is being provided to you, the LICENSEE, by  \n"
FILES = {
    "verb.exc": "rose rise\nis be\nwent_up go_up\nfell fall\n",
    "adj.exc": "offer off\noffer offer\nhigher high\n",
    "adv.exc": "",
    "noun.exc": "is is\nmice mouse\n",
    # rise: sense 1 (00001000) has "fall" as antonym, sense 2 (00003000) "set".
    "data.verb": HEADER
    + "00001000 30 v 02 rise 0 go_up 0 001 ! 00002000 v 0101 01 + 02 00 | move upward  \n"
    + "00002000 30 v 01 fall 0 001 ! 00001000 v 0101 01 + 02 00 | move downward  \n"
    + "00003000 30 v 01 rise 1 001 ! 00004000 v 0101 01 + 02 00 | come up (the sun)  \n"
    + "00004000 30 v 01 set 0 001 ! 00003000 v 0101 01 + 02 00 | go down (the sun)  \n"
    + "00005000 30 v 01 go_up 1 001 ! 00006000 v 0101 01 + 02 00 | a phrase  \n"
    + "00006000 30 v 01 go_down 0 001 ! 00005000 v 0101 01 + 02 00 | a phrase  \n",
    "index.verb": HEADER
    + "rise v 2 1 ! 2 1 00001000 00003000  \n"
    + "fall v 1 1 ! 1 1 00002000  \n"
    + "set v 1 1 ! 1 0 00004000  \n",
    "data.adj": HEADER
    + "00100000 00 a 01 high 0 001 ! 00100100 a 0101 | tall  \n"
    + "00100100 00 a 01 low(a) 0 001 ! 00100000 a 0101 | short  \n",
    "index.adj": HEADER + "high a 1 1 ! 1 1 00100000  \nlow a 1 1 ! 1 1 00100100  \n",
    "data.adv": HEADER + "00200000 02 r 01 slowly 0 000 | not fast  \n",
    "index.adv": HEADER + "slowly r 1 0 1 0 00200000  \n",
}


@pytest.fixture
def wordnet(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_irregular_forms_single_words_first_list_wins(wordnet: Path) -> None:
    forms = build(wordnet)["irregular"]
    assert isinstance(forms, dict)
    assert forms["rose"] == "rise" and forms["fell"] == "fall"
    assert forms["is"] == "be"  # verb.exc before noun.exc's "is is"
    assert forms["offer"] == "offer"  # its list also gives it as its own lemma
    assert "went_up" not in forms and "mice" in forms


def test_antonyms_both_ways_ranked_by_sense_single_words(wordnet: Path) -> None:
    opposite = build(wordnet)["antonyms"]
    assert isinstance(opposite, dict)
    assert opposite["verb"]["rise"] == ["fall", "set"]  # sense 1's antonym first
    assert opposite["verb"]["fall"] == ["rise"] and opposite["verb"]["set"] == ["rise"]
    assert "go_up" not in opposite["verb"] and "go_down" not in opposite["verb"]
    assert opposite["adj"] == {"high": ["low"], "low": ["high"]}  # the "(a)" marker gone
    assert opposite["adv"] == {}


def test_main_writes_compact_json_with_the_notice(wordnet: Path, tmp_path: Path) -> None:
    out = tmp_path / "lexicon.json"
    main(["--wordnet", str(wordnet), "--out", str(out)])
    text = out.read_text()
    lexicon = json.loads(text)
    assert lexicon["provenance"]["notice"] == NOTICE
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in NOTICE
    assert lexicon["verbs"] == ["fall", "rise", "set"]
    assert "\n" not in text.rstrip("\n") and list(lexicon) == sorted(lexicon)


def test_without_wordnet_it_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="install Debian's wordnet-base"):
        main(["--wordnet", str(tmp_path / "none"), "--out", str(tmp_path / "x.json")])
