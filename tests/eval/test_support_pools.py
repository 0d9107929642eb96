"""The pair builder's pool views give exactly what filtering the pools would."""

from __future__ import annotations

import random

from eval.support_pools import Gaps, NamePool, without


def test_gaps_and_without_are_the_filtered_lists() -> None:
    rng = random.Random(3)
    for _ in range(200):
        items = [f"s{i}" for i in range(rng.randint(0, 30))]
        gone = sorted(rng.sample(range(len(items)), rng.randint(0, len(items))))
        assert list(Gaps(items, gone)) == [x for i, x in enumerate(items) if i not in gone]
        first = rng.randint(0, len(items))
        end = rng.randint(first, len(items))
        assert list(without(items, first, end)) == items[:first] + items[end:]  # type: ignore[arg-type]


def test_name_views_match_substring_filters() -> None:
    names = sorted(["Ann Lee", "Anna", "Bob", "Carl Moss", "Dana", "Eve Bob", "Moss"])
    own = ["Ann met Bob on Tuesday.", "Dana Moss stayed home."]
    pool = NamePool(names).not_in(own)
    assert list(pool) == [n for n in names if not any(n in s for s in own)]
    text = "Carl said Moss and Lee left."
    assert list(pool.last_word_not_in(text)) == [n for n in pool if n.split()[-1] not in text]
    chosen = random.Random(1).choice(pool.last_word_not_in(text))
    expected = random.Random(1).choice([n for n in pool if n.split()[-1] not in text])
    assert chosen == expected  # random.choice draws from the view as from the list
