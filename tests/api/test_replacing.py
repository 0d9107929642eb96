"""Replacing documents: POST never overwrites other text (409 naming what is there), PUT
replaces on purpose; citations carry the hash of the text their offsets index, so a
citation given before a replacement is known to point into an older text."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

from api.app import create_app
from rag.config import Settings

LEVY = (
    "<html><head><title>Harbour levy rises</title></head><body><article>"
    "<h1>Harbour levy rises</h1>"
    "<p>The harbour levy rose to 417 crowns in May, the port authority said.</p>"
    "<p>Fishing crews in Quarnby said the levy would fall on small boats too.</p>"
    "</article></body></html>"
)
MILL = (
    "<html><head><title>Tide mill reopens</title></head><body><article>"
    "<h1>Tide mill reopens</h1>"
    "<p>The tide mill in Quarnby grinds 140 tonnes of grain a week since it reopened.</p>"
    "<p>Miller Oda Venn said the mill first ran on the spring tide on Tuesday.</p>"
    "</article></body></html>"
)
LEVY_QUESTION = "How much did the Quarnby harbour levy rise to?"


def test_posting_other_text_under_a_taken_id_is_a_409_naming_what_is_there(
    fake_settings: Settings,
) -> None:
    with TestClient(create_app(fake_settings)) as c:
        first = c.post("/v1/documents", files={"file": ("index.html", LEVY, "text/html")})
        assert first.status_code == 201 and first.json()["source_id"] == "index"
        before = c.get("/v1/sources/index/text").json()

        other = c.post("/v1/documents", files={"file": ("index.html", MILL, "text/html")})
        assert other.status_code == 409, other.text
        body = other.json()
        assert "Harbour levy rises" in body["detail"] and body["request_id"]
        assert body["source_id"] == "index" and body["title"] == "Harbour levy rises"
        as_json = c.post("/v1/documents", json={"source_id": "index", "text": "Other words."})
        assert as_json.status_code == 409 and "Harbour levy rises" in as_json.json()["detail"]
        assert c.get("/v1/sources/index/text").json() == before  # nothing was replaced


def test_posting_the_same_text_again_changes_nothing(fake_settings: Settings) -> None:
    with TestClient(create_app(fake_settings)) as c:
        first = c.post("/v1/documents", files={"file": ("index.html", LEVY, "text/html")})
        again = c.post("/v1/documents", files={"file": ("index.html", LEVY, "text/html")})
        assert again.status_code == 200
        assert again.json() == {**first.json(), "status": "unchanged", "chunks_written": 0}


def test_put_replaces_or_creates_the_document_of_its_path(fake_settings: Settings) -> None:
    with TestClient(create_app(fake_settings)) as c:
        files = {"file": ("index.html", MILL, "text/html")}
        created = c.put("/v1/documents/index", files=files)
        assert created.status_code == 201 and created.json()["status"] == "added"
        assert c.put("/v1/documents/index", files=files).json()["status"] == "unchanged"

        replaced = c.put("/v1/documents/index", files={"file": ("index.html", LEVY, "text/html")})
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["status"] == "updated"
        assert replaced.json()["title"] == "Harbour levy rises"
        assert "417 crowns" in c.get("/v1/sources/index/text").json()["text"]

        as_json = c.put("/v1/documents/levy", json={"title": "Levy", "text": "The levy rose."})
        assert as_json.status_code == 201 and as_json.json()["source_id"] == "levy"
        elsewhere = c.put("/v1/documents/levy", json={"source_id": "other", "text": "x y z."})
        assert elsewhere.status_code == 422
        assert c.put("/v1/documents/bad%20id", json={"text": "The levy rose."}).status_code == 422


def test_a_citation_carries_the_hash_of_the_text_its_offsets_index(
    fake_settings: Settings,
) -> None:
    with TestClient(create_app(fake_settings)) as c:
        c.post("/v1/documents", files={"file": ("index.html", LEVY, "text/html")})
        ask = {"question": LEVY_QUESTION, "sources": ["index"]}
        citation = c.post("/v1/ask", json=ask).json()["citations"][0]
        doc = c.get("/v1/sources/index/text").json()
        digest = hashlib.sha256(doc["text"].encode()).hexdigest()
        assert citation["text_sha256"] == doc["text_sha256"] and digest.startswith(
            doc["text_sha256"]
        )
        assert doc["text"][citation["start"] : citation["end"]] == citation["quote"]
        listed = c.get("/v1/sources/index").json()
        assert listed["text_sha256"] == doc["text_sha256"]

        replaced = c.put("/v1/documents/index", files={"file": ("index.html", MILL, "text/html")})
        assert replaced.status_code == 200
        now = c.get("/v1/sources/index/text").json()
        assert citation["text_sha256"] != now["text_sha256"]  # the old citation is stale
