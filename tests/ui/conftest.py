"""Browser tests of the web page: headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright) against a real `rag serve` on 127.0.0.1 over a copy of the seeded index.

    .venv/bin/pytest tests/ui          # `make test` installs chromium when it is missing

Screenshots of the main states go to tests/ui/artifacts/ (gitignored). Each test gets a
fresh browser context (its own localStorage); the browser and the server are shared.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.servers import rag_serve

CHROMIUM = Path("/usr/bin/chromium")
# No browser download, no network beyond 127.0.0.1, no GPU in CI containers.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 20_000


@pytest.fixture(scope="session")
def pw() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(pw: Playwright) -> Iterator[Browser]:
    assert CHROMIUM.exists(), "no /usr/bin/chromium: run `make test` (it installs it) or apt-get"
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def ui_server(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`rag serve` without API keys over a private copy of the seeded index."""
    where = tmp_path_factory.mktemp("ui-serve")
    shutil.copytree(seeded_dir, where / "data")
    with rag_serve(where / "data", where) as base:
        yield base


class PageErrors(list[str]):
    """Uncaught exceptions in the page and JS dialogs (alert/confirm) it opened."""


def open_context(browser: Browser, **options: object) -> BrowserContext:
    context = browser.new_context(**{"viewport": VIEWPORT, **options})  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    return context


def watch(page: Page) -> PageErrors:
    errors = PageErrors()
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))

    def dialog(d: object) -> None:
        errors.append(f"dialog: {getattr(d, 'message', d)}")
        d.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", dialog)
    return errors


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = open_context(browser)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails the test on an uncaught exception or a JS dialog."""
    page = context.new_page()
    errors = watch(page)
    yield page
    assert not errors, errors
