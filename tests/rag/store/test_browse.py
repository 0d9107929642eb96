"""Browsing the archive: pages newest first, search by title or id, outlets and their dates."""

from pathlib import Path

from rag.config import Settings
from rag.ingest import ingest_paths
from rag.store.browse import Outlet
from rag.store.chunks import open_store
from tests.conftest import FakeEmbeddings, backend_settings

settings = backend_settings  # every test here runs on SQLite, then on PostgreSQL

ARTICLES = {  # stem: (outlet, published, title)
    "harbour-1": ("Harbour Post", "2024/03/02", "Ferry fares rise again"),
    "harbour-2": ("Harbour Post", "March 9, 2024", "New terminal opens"),
    "valley-1": ("Valley Times", "2024-02-20", "Orchards expect a record year"),
    "undated": (None, None, "A letter about 100% of the fares_total"),
}


def ingest(settings: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for stem, (outlet, published, title) in ARTICLES.items():
        front = "".join(
            f"{k}: {v!r}\n" for k, v in (("outlet", outlet), ("published", published)) if v
        )
        body = f"{title}\nThe council discussed the matter on Tuesday evening at length."
        (corpus / f"{stem}.md").write_text(f"---\ntitle: {title!r}\n{front}---\n{body}\n")
    with open_store(settings, FakeEmbeddings()) as store:
        ingest_paths(store, [corpus], settings)


def test_browse_pages_newest_first_with_undated_last(settings: Settings, tmp_path: Path) -> None:
    ingest(settings, tmp_path)
    with open_store(settings, FakeEmbeddings()) as store:
        page = store.browse()
        assert page.total == 4
        assert [s.source_id for s in page.sources] == [
            "harbour-2",
            "harbour-1",
            "valley-1",
            "undated",
        ]
        second = store.browse(limit=2, offset=2)
        assert second.total == 4 and [s.source_id for s in second.sources] == [
            "valley-1",
            "undated",
        ]


def test_browse_searches_title_and_id_literally_and_narrows_to_an_outlet(
    settings: Settings, tmp_path: Path
) -> None:
    ingest(settings, tmp_path)
    with open_store(settings, FakeEmbeddings()) as store:
        assert [s.source_id for s in store.browse("FERRY").sources] == ["harbour-1"]
        assert [s.source_id for s in store.browse("valley-").sources] == ["valley-1"]
        assert [s.source_id for s in store.browse("100%").sources] == ["undated"]
        assert [s.source_id for s in store.browse("fares_t").sources] == ["undated"]
        assert store.browse("r_s").total == 0  # "_" is not a wildcard ("fares")
        harbour = store.browse(outlet="Harbour Post")
        assert harbour.total == 2 and {s.outlet for s in harbour.sources} == {"Harbour Post"}


def test_outlets_with_counts_and_date_ranges(settings: Settings, tmp_path: Path) -> None:
    ingest(settings, tmp_path)
    with open_store(settings, FakeEmbeddings()) as store:
        assert store.outlets() == [
            Outlet("Harbour Post", 2, "2024-03-02", "2024-03-09"),
            Outlet(None, 1, None, None),
            Outlet("Valley Times", 1, "2024-02-20", "2024-02-20"),
        ]
