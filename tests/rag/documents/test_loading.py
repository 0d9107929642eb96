import json
from pathlib import Path

import pytest

from rag.documents.loading import build_document, headline, load_documents, validate_source_id
from rag.errors import DocumentError, InvalidSourceIdError
from tests.conftest import SEEDS


def test_seeds_keep_their_ids_and_manifest_metadata() -> None:
    docs = {d.source_id: d for d in load_documents([SEEDS])}
    assert sorted(docs) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert docs["001_224666dbe752bcd1"].outlet == "Responsible Statecraft"
    assert docs["003_40f1f3ddb4e88033"].outlet == "The Christian Science Monitor"
    assert docs["003_40f1f3ddb4e88033"].notes and "Preview" in docs["003_40f1f3ddb4e88033"].notes
    assert docs["002_61d499616b13814d"].title.startswith("Keys to Ukraine negotiations")
    assert docs["000_76933c42b2fb2140"].title is None  # null in the manifest, no headline line


def test_front_matter_and_headline_fallback(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: Front Title\noutlet: Daily\n---\nBody text here.\n")
    (tmp_path / "b.txt").write_text("A Headline Without A Period\nThe body follows here.\n")
    docs = {d.source_id: d for d in load_documents([tmp_path])}
    assert (docs["a"].title, docs["a"].outlet) == ("Front Title", "Daily")
    assert docs["a"].text == "Body text here."
    assert docs["b"].title == "A Headline Without A Period"


def test_manifest_overrides_front_matter(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: Front\n---\nBody.\n")
    (tmp_path / "manifest.json").write_text(
        json.dumps({"a": {"title": "Manifest", "outlet": None}})
    )
    (doc,) = load_documents([tmp_path])
    assert doc.title == "Manifest"


def test_html_main_content_is_extracted(tmp_path: Path) -> None:
    body = " ".join(["Ukraine and the United States discussed a minerals agreement today."] * 5)
    html = f"""<html><head><title>Deal news</title></head><body>
    <nav><a href="/">Home</a> <a href="/world">World</a></nav>
    <article><h1>Minerals deal talks</h1><p>{body}</p><p>{body}</p></article>
    <footer>Subscribe to our newsletter. Copyright 2025.</footer></body></html>"""
    (tmp_path / "page.html").write_text(html)
    (doc,) = load_documents([tmp_path])
    assert "minerals agreement" in doc.text
    assert "Copyright" not in doc.text and "Home" not in doc.text
    assert doc.title


@pytest.mark.parametrize("bad", ["../etc/passwd", "a/b", "", ".hidden", "x" * 200, "a b", "..."])
def test_bad_source_ids_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidSourceIdError):
        validate_source_id(bad)


def test_empty_document_is_an_error() -> None:
    with pytest.raises(DocumentError):
        build_document("empty", "google cta\n\nShow less\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "US, Ukraine minerals deal: A tactical win\nBody.",
            "US, Ukraine minerals deal: A tactical win",
        ),
        ("The minerals deal may be good news for Ukraine.\nMore.", None),
        ("Hi\nBody.", None),
    ],
)
def test_headline(text: str, expected: str | None) -> None:
    assert headline(text) == expected
