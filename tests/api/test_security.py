"""Security: every route but health and the page's files needs a key; a per-key rate limit
answers 429 with Retry-After; path-like source ids and odd uploads are refused."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from rag.config import Settings
from rag.errors import ConfigError

OPEN = {"/healthz", "/readyz"}  # and the page: GET / and /static/*, outside the schema
ASK = {"question": "When did the talks break down?"}


def keyed(settings: Settings, **more: Any) -> Settings:
    return settings.model_copy(update={"api_keys": [SecretStr("k1"), SecretStr("k2")], **more})


def test_every_data_route_needs_a_key(fake_settings: Settings) -> None:
    app = create_app(keyed(fake_settings))
    operations = [
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        if path not in OPEN
        for method in item
    ]
    assert len(operations) >= 12
    with TestClient(app) as c:
        for method, path in operations:
            reply = c.request(method, re.sub(r"\{[^}]+\}", "abc", path), json={})
            assert reply.status_code == 401, f"{method} {path}: {reply.status_code}"
        for path in OPEN | {"/", "/static/css/app.css"}:
            assert c.get(path).status_code == 200, path


def test_a_key_over_the_rate_limit_gets_429_with_retry_after(fake_settings: Settings) -> None:
    app = create_app(keyed(fake_settings, rate_limit="3/minute"))
    one, two = {"Authorization": "Bearer k1"}, {"Authorization": "Bearer k2"}
    with TestClient(app) as c:
        assert [c.get("/v1/sources", headers=one).status_code for _ in range(3)] == [200] * 3
        over = c.post("/v1/ask", json=ASK, headers=one)
        assert over.status_code == 429
        assert 1 <= int(over.headers["retry-after"]) <= 60
        assert "3/minute" in over.json()["detail"]
        models = c.get("/v1/models", headers=one)
        assert models.status_code == 429 and models.json()["error"]["type"] == "rate_limit_error"
        assert c.get("/v1/sources", headers=two).status_code == 200  # each key has its own
        assert all(c.get("/healthz").status_code == 200 for _ in range(10))
        assert c.get("/").status_code == 200
        # A wrong key is refused as such, and does not spend the real key's allowance.
        assert c.get("/v1/sources", headers={"Authorization": "Bearer k3"}).status_code == 401


def test_without_keys_the_limit_is_per_client_address(fake_settings: Settings) -> None:
    limited = fake_settings.model_copy(update={"rate_limit": "2/minute"})
    with TestClient(create_app(limited)) as c:
        codes = [c.get("/v1/outlets").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.parametrize("spec", ["lots", "5/fortnight", "-1/minute"])
def test_a_bad_rate_limit_setting_is_a_clear_error(fake_settings: Settings, spec: str) -> None:
    with pytest.raises(ConfigError, match="RAG_RATE_LIMIT"):
        fake_settings.updated(rate_limit=spec)


@pytest.mark.parametrize(
    "source_id",
    ["../x", "..", "/etc/passwd", "a/b", "a\\b", "bad\x00id", "tab\there", "x" * 129, "new\nline"],
)
def test_path_like_source_ids_are_422_everywhere(fake_settings: Settings, source_id: str) -> None:
    text = "The harbour levy rose to 417 crowns in May, the port authority said."
    with TestClient(create_app(fake_settings)) as c:
        added = c.post("/v1/documents", json={"source_id": source_id, "text": text})
        assert added.status_code == 422, added.text
        upload = c.post(
            "/v1/documents",
            files={"file": ("levy.txt", text, "text/plain")},
            data={"source_id": source_id},
        )
        assert upload.status_code == 422, upload.text
        asked = c.post("/v1/ask", json={**ASK, "sources": [source_id]})
        assert asked.status_code == 422, asked.text
        if "/" not in source_id and "\n" not in source_id:  # else it is another route: 404
            quoted = quote(source_id, safe="").replace(".", "%2E")  # sent as is, not resolved
            assert c.get(f"/v1/sources/{quoted}").status_code == 422
            assert c.delete(f"/v1/documents/{quoted}").status_code == 422
        assert source_id not in {s["source_id"] for s in c.get("/v1/sources").json()["sources"]}


def test_an_upload_whose_name_is_a_path_keeps_only_a_safe_stem(fake_settings: Settings) -> None:
    text = "The harbour levy rose to 417 crowns in May, the port authority said."
    with TestClient(create_app(fake_settings)) as c:
        reply = c.post("/v1/documents", files={"file": ("../../etc/levy.txt", text, "text/plain")})
    assert reply.status_code == 201 and reply.json()["source_id"] == "levy"
