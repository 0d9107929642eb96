import pytest

from rag.retrieval.retriever import Passage, diversify, fuse
from rag.store.chunks import StoredChunk


@pytest.mark.parametrize(
    ("dense", "lexical", "weight", "first"),
    [
        ({}, {}, 0.6, None),
        ({"a": 0.9, "b": 0.5}, {}, 0.6, "a"),  # dense only
        ({}, {"a": 1.0, "b": 7.0}, 0.6, "b"),  # lexical only
        # BM25 far ahead keeps rank 1 even when dense prefers another chunk
        ({"a": 0.80, "b": 0.78, "c": 0.50}, {"b": 12.0, "a": 2.0}, 0.6, "b"),
        # with all weight on dense, dense decides
        ({"a": 0.80, "b": 0.78, "c": 0.50}, {"b": 12.0, "a": 2.0}, 0.0, "a"),
        # ties are broken by id, so results are deterministic
        ({"b": 0.5, "a": 0.5}, {}, 0.5, "a"),
    ],
)
def test_fuse_first(
    dense: dict[str, float], lexical: dict[str, float], weight: float, first: str | None
) -> None:
    fused = fuse(dense, lexical, weight)
    assert (fused[0][0] if fused else None) == first
    assert all(0.0 <= score <= 1.0 for _, score in fused)
    assert [s for _, s in fused] == sorted((s for _, s in fused), reverse=True)


def test_fuse_covers_the_union_of_candidates() -> None:
    fused = dict(fuse({"a": 0.9}, {"b": 3.0}, 0.5))
    assert set(fused) == {"a", "b"}


def _p(source: str, i: int, score: float) -> Passage:
    chunk = StoredChunk(f"{source}:{i}", source, i, "t", 0, 1, (), None, None, None)
    return Passage(chunk=chunk, score=score, dense=0.0, lexical=0.0)


def test_diversify_caps_each_source() -> None:
    ranked = [_p("long", i, 1.0 - i / 100) for i in range(6)] + [
        _p("short", 0, 0.5),
        _p("other", 0, 0.4),
    ]
    chosen = diversify(ranked, k=4, max_per_source=2)
    assert [p.chunk.source_id for p in chosen].count("long") == 2
    assert {p.chunk.source_id for p in chosen} == {"long", "short", "other"}


def test_diversify_fills_up_when_there_are_too_few_sources() -> None:
    ranked = [_p("only", i, 1.0 - i / 10) for i in range(5)]
    assert len(diversify(ranked, k=4, max_per_source=2)) == 4
