"""The page's files as the app serves them (no browser, no lifespan): types, caching, the
content policy, no key needed, no path tricks; and rules the JS modules keep."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes.ui import STATIC_DIR
from rag.config import Settings

JS = sorted((STATIC_DIR / "js").glob("*.js"))
# Ways to turn a string into markup or code: article text and answers must never reach them.
UNSAFE_SINKS = re.compile(
    r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\("
    r"|createContextualFragment|DOMParser|srcdoc"
)
MAX_MODULE_LINES = 300


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path_factory.mktemp("static"), api_keys="k1", _env_file=None
    )
    yield TestClient(create_app(settings))  # no `with`: no lifespan, no index opened


def test_the_page_is_served_at_the_root_without_a_key(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert '<script type="module" src="/static/js/app.js">' in page.text
    assert client.get("/v1/sources").status_code == 401  # the API still wants its key


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/static/js/app.js", "text/javascript; charset=utf-8"),
        ("/static/css/app.css", "text/css; charset=utf-8"),
        ("/static/icon.svg", "image/svg+xml"),
        ("/static/fonts/inter-latin-wght-normal.woff2", "font/woff2"),
    ],
)
def test_assets_have_their_type_and_are_revalidated(
    client: TestClient, path: str, kind: str
) -> None:
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["content-type"] == kind
    assert first.headers["cache-control"] == "no-cache"
    again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/static/nothing.js",
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/static/js/../../app.py",
    ],
)
def test_only_the_static_folder_is_served(client: TestClient, path: str) -> None:
    reply = client.get(path)
    assert reply.status_code == 404
    assert "create_app" not in reply.text


def test_every_imported_module_and_linked_asset_exists(client: TestClient) -> None:
    html = client.get("/").text
    linked = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    imported = [
        f"/static/js/{name}"
        for js in JS
        for name in re.findall(r'from "\./([\w-]+\.js)"', js.read_text())
    ]
    css = (STATIC_DIR / "css" / "app.css").read_text()
    fonts = [f"/static/{u.removeprefix('../')}" for u in re.findall(r'url\("([^"]+)"\)', css)]
    assert linked and imported and fonts
    for path in {*linked, *imported, *fonts}:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("module", JS, ids=lambda p: p.name)
def test_modules_never_parse_data_as_html_and_stay_small(module: Path) -> None:
    source = module.read_text()
    assert not UNSAFE_SINKS.search(source), UNSAFE_SINKS.search(source)
    assert len(source.splitlines()) <= MAX_MODULE_LINES
