import itertools

from rag.documents.chunking import chunk_document, count_tokens
from rag.documents.loading import Document, build_document
from rag.language.text import sentences

TEXT = "\n".join(
    f"Paragraph {p} sentence {s} talks about the minerals deal and Mr. Trump's plans."
    for p in range(6)
    for s in range(4)
).replace(".\nParagraph", ". Paragraph")


def doc(text: str = TEXT) -> Document:
    return build_document("doc-1", text)


def test_offsets_point_at_the_chunk_text() -> None:
    d = doc()
    chunks = chunk_document(d, max_tokens=60, overlap_tokens=20)
    assert len(chunks) > 3
    for chunk in chunks:
        assert d.text[chunk.start : chunk.end] == chunk.text
        for span in chunk.sentences:
            assert chunk.start <= span.start < span.end <= chunk.end


def test_chunks_hold_whole_sentences_and_respect_the_token_budget() -> None:
    d = doc()
    all_sentences = {(s.start, s.end) for s in sentences(d.text)}
    for chunk in chunk_document(d, max_tokens=60, overlap_tokens=20):
        assert chunk.tokens <= 60
        assert chunk.tokens == count_tokens(chunk.text)
        assert {(s.start, s.end) for s in chunk.sentences} <= all_sentences


def test_consecutive_chunks_overlap_inside_a_paragraph() -> None:
    d = build_document("one-para", " ".join(f"Sentence number {i} is here." for i in range(40)))
    chunks = chunk_document(d, max_tokens=40, overlap_tokens=15)
    assert len(chunks) > 2
    for first, second in itertools.pairwise(chunks):
        assert second.start < first.end  # the next chunk starts inside the previous one


def test_every_sentence_is_in_some_chunk() -> None:
    d = doc()
    covered = {(s.start, s.end) for c in chunk_document(d, 60, 20) for s in c.sentences}
    assert covered == {(s.start, s.end) for s in sentences(d.text)}


def test_chunk_ids_are_stable_and_unique() -> None:
    a = chunk_document(doc(), 60, 20)
    b = chunk_document(doc(), 60, 20)
    assert [c.chunk_id for c in a] == [c.chunk_id for c in b]
    assert len({c.chunk_id for c in a}) == len(a)
    assert all(c.chunk_id.startswith("doc-1:") for c in a)


def test_an_overlong_sentence_is_split_within_budget() -> None:
    long_sentence = ", ".join(f"clause {i} about the deal" for i in range(80)) + "."
    d = build_document("long", long_sentence)
    chunks = chunk_document(d, max_tokens=50, overlap_tokens=10)
    assert len(chunks) > 1
    assert all(c.tokens <= 50 for c in chunks)
    assert all(d.text[c.start : c.end] == c.text for c in chunks)


def test_abbreviations_do_not_split_sentences() -> None:
    d = build_document("abbr", "Mr. Trump met Dr. Meister in the U.S. capital. Then he left.")
    texts = [d.text[s.start : s.end] for s in sentences(d.text)]
    assert texts == ["Mr. Trump met Dr. Meister in the U.S. capital.", "Then he left."]
