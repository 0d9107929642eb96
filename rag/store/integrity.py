"""Integrity: is every document of the index whole? (`rag check`, `ChunkStore.verify`)

Every document's chunks, their sentence vectors, their lexical entries and their Chroma
vectors must all be there, and nothing may be left over. Reads the whole index: a check
to run after a crash, not on a hot path.
"""

from __future__ import annotations

import json

from rag.store.backend import Catalog
from rag.store.vectors import VectorIndex


def problems(db: Catalog, vectors: VectorIndex, dimensions: int | None) -> list[str]:
    """What is inconsistent in the index, one line each (nothing, normally)."""
    found: list[str] = []
    for sid, expected, stored in db.query(
        "SELECT d.source_id, d.chunks, count(c.id) FROM documents d "
        "LEFT JOIN chunks c ON c.source_id = d.source_id GROUP BY d.source_id"
    ):
        if expected != stored:
            found.append(f"{sid}: {stored} chunks stored, {expected} expected")
    found += db.lexical_problems()
    for cid, sentences, size in db.query("SELECT chunk_id, sentences, length(vectors) FROM chunks"):
        if dimensions and size != len(json.loads(sentences)) * dimensions * 2:  # float16
            found.append(f"{cid}: sentence vectors do not match its sentences")
    ids = [r[0] for r in db.query("SELECT chunk_id FROM chunks")]
    missing = sorted(set(ids) - vectors.present(ids))
    found += [f"{cid}: no vector in Chroma" for cid in missing]
    extra = vectors.count() - (len(ids) - len(missing))
    if extra:
        found.append(f"{extra} vectors in Chroma belong to no chunk")
    if pending := db.pending():
        found.append(f"{len(pending)} writes not finished (run any write to recover)")
    return found
