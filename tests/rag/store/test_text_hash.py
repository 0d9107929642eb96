"""The hash of a document's text (what citation offsets index): stored at write, read with
every chunk, filled in for a catalog written before it existed; and a write that must not
replace another text is refused."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from rag.config import Settings
from rag.documents.loading import build_document
from rag.errors import SourceConflictError
from rag.ingest import IngestReport, ingest_document
from rag.store.chunks import CATALOG_FILE, open_store
from tests.conftest import FakeEmbeddings, fake_store

LEVY = "Harbour levy rises\nThe harbour levy rose to 417 crowns in May, the port said."
MILL = "Tide mill reopens\nThe tide mill in Quarnby grinds 140 tonnes of grain a week."


def short_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_every_chunk_and_source_carries_the_hash_of_its_text(
    settings: Settings, tmp_path: Path
) -> None:
    with fake_store(settings, tmp_path / "corpus", {"levy.txt": LEVY}) as store:
        text = store.document_text("levy")
        assert store.source("levy").text_sha256 == short_sha256(text)
        assert {c.text_sha256 for c in store.source_chunks("levy")} == {short_sha256(text)}


def test_a_catalog_of_schema_1_gets_the_hashes_when_opened(
    settings: Settings, tmp_path: Path
) -> None:
    with fake_store(settings, tmp_path / "corpus", {"levy.txt": LEVY, "mill.txt": MILL}):
        pass
    with sqlite3.connect(settings.data_dir / CATALOG_FILE) as db:  # as version 1 left it
        db.execute("ALTER TABLE documents DROP COLUMN text_sha256")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with open_store(settings, FakeEmbeddings()) as store:
        for sid in ("levy", "mill"):
            assert store.source(sid).text_sha256 == short_sha256(store.document_text(sid))
    with sqlite3.connect(settings.data_dir / CATALOG_FILE) as db:
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == ("2",)


def test_a_document_that_must_not_replace_other_text_is_refused(
    settings: Settings, tmp_path: Path
) -> None:
    with fake_store(settings, tmp_path / "corpus", {"levy.txt": LEVY}) as store:
        other = build_document("levy", MILL)
        with pytest.raises(SourceConflictError, match="Harbour levy rises") as refused:
            ingest_document(store, other, settings, IngestReport(), replace=False)
        assert refused.value.source_id == "levy" and refused.value.title == "Harbour levy rises"
        assert store.document_text("levy").startswith("Harbour levy rises")

        retitled = build_document("levy", LEVY, meta={"title": "Levy up"})
        report = IngestReport()
        ingest_document(store, retitled, settings, report, replace=False)  # same text: fine
        assert report.updated == ["levy"] and store.source("levy").title == "Levy up"

        ingest_document(store, other, settings, report, replace=True)
        assert store.document_text("levy").startswith("Tide mill reopens")
