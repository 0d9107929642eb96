"""Which questions of a gold file are scored, and where its baseline is: split only where
the gold set records it (eval/gold_set.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.gold import GoldError, load_gold, splits
from eval.gold_set import load_gold_set, meta_path
from tests.conftest import ROOT
from tests.eval.conftest import GOLD, write_inputs


def test_a_file_without_a_sidecar_is_scored_whole(tmp_path: Path) -> None:
    _, gold = write_inputs(tmp_path)
    parts = splits(load_gold(gold))
    assert set(parts.values()) == {"calibration", "heldout"}  # a split would drop some
    chosen = load_gold_set(gold).select(None)
    assert [i.id for i in chosen.items] == [g["id"] for g in GOLD]
    assert chosen.split == "all" and chosen.total == len(GOLD)
    assert "records no split" in chosen.why and "mine.meta.json" in chosen.why


def test_a_split_set_scores_its_held_out_half_and_says_so(tmp_path: Path) -> None:
    _, gold = write_inputs(tmp_path)
    meta_path(gold).write_text(json.dumps({"split": "id-sha256"}))
    parts = splits(load_gold(gold))
    chosen = load_gold_set(gold).select(None)
    assert chosen.split == "heldout"
    assert {i.id for i in chosen.items} == {k for k, v in parts.items() if v == "heldout"}
    assert f"{len(chosen.items)} of {len(GOLD)}" in chosen.why and "mine.meta.json" in chosen.why
    assert len(load_gold_set(gold).select("all").items) == len(GOLD)


def test_asking_for_a_half_of_an_unsplit_file_applies_the_hash_split(tmp_path: Path) -> None:
    _, gold = write_inputs(tmp_path)
    chosen = load_gold_set(gold).select("calibration")
    assert {i.id for i in chosen.items} == {
        k for k, v in splits(load_gold(gold)).items() if v == "calibration"
    }
    assert "as --split asked" in chosen.why


def test_the_baseline_is_given_or_the_sidecars_or_beside_the_gold_file(tmp_path: Path) -> None:
    _, gold = write_inputs(tmp_path)
    assert load_gold_set(gold).baseline(None) == tmp_path / "mine.baseline.json"
    assert load_gold_set(gold).baseline(tmp_path / "b.json") == tmp_path / "b.json"
    meta_path(gold).write_text(json.dumps({"split": "id-sha256", "baseline": "../base.json"}))
    assert load_gold_set(gold).baseline(None) == tmp_path.parent / "base.json"


def test_the_projects_gold_set_records_its_split_and_baseline() -> None:
    news = load_gold_set(ROOT / "eval" / "gold" / "news.jsonl")
    assert news.is_split
    assert news.baseline(None).resolve() == (ROOT / "eval" / "baseline.json").resolve()
    baseline = json.loads((ROOT / "eval" / "baseline.json").read_text())
    assert baseline["gold"]["split"] == "heldout"


@pytest.mark.parametrize(
    ("sidecar", "message"),
    [
        ("{not json", "not JSON"),
        (json.dumps({"split": "by-date"}), "split"),
        (json.dumps({"splt": 1}), "splt"),
    ],
)
def test_a_broken_sidecar_is_a_clear_error(tmp_path: Path, sidecar: str, message: str) -> None:
    _, gold = write_inputs(tmp_path)
    meta_path(gold).write_text(sidecar)
    with pytest.raises(GoldError, match=message):
        load_gold_set(gold)


def test_an_unknown_split_name_is_an_error(tmp_path: Path) -> None:
    _, gold = write_inputs(tmp_path)
    with pytest.raises(GoldError, match="heldout, calibration, all"):
        load_gold_set(gold).select("half")
