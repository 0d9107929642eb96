"""Views over the pair builder's pools (eval/support_pairs.py) that give the same lists as
filtering them would, without the filtering: over a 2,000-article archive, filtering the
pool of every sentence and every name once per sentence took hours; these take seconds.
Each is a Sequence, so `random.choice` draws from it exactly as from the filtered list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TypeVar, overload

from rag.documents.loading import Document

T = TypeVar("T")


def blocks_of(pool: Sequence[tuple[str, Document]]) -> dict[str, tuple[int, int]]:
    """Each article's [first, end) in `pool`, which lists articles one after another."""
    blocks: dict[str, tuple[int, int]] = {}
    for i, (_, d) in enumerate(pool):
        first, end = blocks.get(d.source_id, (i, i))
        if end != i:
            raise ValueError(f"two articles share the source id {d.source_id!r}")
        blocks[d.source_id] = (first, i + 1)
    return blocks


class Gaps(Sequence[T]):
    """`items` without the positions `gone` (sorted), without copying them."""

    def __init__(self, items: Sequence[T], gone: Sequence[int]) -> None:
        self._items, self._gone = items, gone

    def __len__(self) -> int:
        return len(self._items) - len(self._gone)

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[T]: ...
    def __getitem__(self, i: int | slice) -> T | Sequence[T]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        for g in self._gone:  # step over each gone position at or before the i-th kept one
            if g > i:
                break
            i += 1
        return self._items[i]


def without(
    pool: Sequence[tuple[str, Document]], first: int, end: int
) -> Gaps[tuple[str, Document]]:
    """`pool` without its items [first, end): one article's view of every other article's
    sentences."""
    return Gaps(pool, range(first, end))


class NamePool(Gaps[str]):
    """Sorted names (runs of capitalised words), and the views a pair builder asks for:
    the names that occur in none of an article's sentences, and of those, the names whose
    last word is not in a sentence. A name occurs in a text only where a capital letter
    begins, so only the text's capitals are looked at."""

    def __init__(self, names: Sequence[str], gone: Sequence[int] = ()) -> None:
        super().__init__(names, sorted(gone))
        self._names = names
        self._at = {n: i for i, n in enumerate(names)}
        self._by_last: dict[str, list[int]] = defaultdict(list)
        for i, n in enumerate(names):
            self._by_last[n.split()[-1]].append(i)
        self._longest = max((len(n) for n in names), default=0)
        self._longest_last = max((len(w) for w in self._by_last), default=0)

    def _found(
        self, text: str, table: dict[str, list[int]] | dict[str, int], longest: int
    ) -> set[int]:
        found: set[int] = set()
        for p, ch in enumerate(text):
            if not ch.isupper():
                continue
            for k in range(p + 1, min(len(text), p + longest) + 1):
                hit = table.get(text[p:k])
                if hit is not None:
                    found.update(hit if isinstance(hit, list) else [hit])
        return found

    def not_in(self, texts: Iterable[str]) -> NamePool:
        """The names that occur in none of `texts`."""
        gone: set[int] = set(self._gone)
        for text in texts:
            gone |= self._found(text, self._at, self._longest)
        view = NamePool.__new__(NamePool)
        view.__dict__.update(self.__dict__)
        Gaps.__init__(view, self._names, sorted(gone))
        return view

    def last_word_not_in(self, text: str) -> Gaps[str]:
        """Of these names, those whose last word does not occur in `text`."""
        gone = set(self._gone) | self._found(text, self._by_last, self._longest_last)
        return Gaps(self._names, sorted(gone))
