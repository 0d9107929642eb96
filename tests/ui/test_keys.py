"""With RAG_API_KEYS set the page asks for a key once, keeps it, sends it; the page and
health need none; a conversation survives a server restart."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.servers import rag_serve
from tests.ui.conftest import open_context, watch
from tests.ui.support import ask, shot

pytestmark = pytest.mark.integration

KEY = "ui-secret-key"


def enter_key(page: Page, key: str) -> None:
    page.fill("#key-input", key)
    page.press("#key-input", "Enter")


def test_the_key_prompt_and_a_conversation_across_a_restart(
    browser: Browser, seeded_dir: Path, tmp_path: Path, artifacts: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(seeded_dir, data)
    with rag_serve(data, tmp_path, RAG_API_KEYS=KEY) as base:
        for path in ("/", "/static/js/app.js", "/static/css/app.css", "/healthz"):
            assert httpx.get(base + path, trust_env=False).status_code == 200, path
        assert httpx.get(f"{base}/v1/conversations", trust_env=False).status_code == 401

        context = open_context(browser)
        page = context.new_page()
        errors = watch(page)
        page.goto(base)
        dialog = page.locator("#key-dialog")
        expect(dialog).to_be_visible()
        expect(page.locator("#key-message")).to_contain_text("needs an API key")
        shot(page, artifacts, "11-key-prompt")
        enter_key(page, "not-the-key")
        expect(page.locator("#key-message")).to_contain_text("not accepted")
        enter_key(page, KEY)
        expect(dialog).to_be_hidden()
        assert page.evaluate("localStorage.getItem('newsrag.apiKey')") == KEY
        expect(page.locator("#archive-stats")).to_contain_text("5 articles")

        with page.expect_request("**/v1/chat") as sent:
            first = ask(page, "What did Zelenskyy say about the minerals deal?")
        assert sent.value.headers["authorization"] == f"Bearer {KEY}"
        page.reload()  # the key is remembered: no second prompt
        expect(page.locator("#messages > li.turn")).to_have_count(1)
        expect(dialog).to_be_hidden()
        assert not errors, errors
        context.close()

    with rag_serve(data, tmp_path, RAG_API_KEYS=KEY) as base:  # a new server, a new port
        context = open_context(browser)
        page = context.new_page()
        errors = watch(page)
        page.goto(base)
        enter_key(page, KEY)  # a new origin keeps its own storage, so it asks again
        item = page.locator(f'#conversation-list li[data-id="{first["conversation_id"]}"]')
        expect(item).to_contain_text(first["question"])
        item.locator(".conversation").click()
        expect(page.locator(".msg.user .bubble").first).to_have_text(first["question"])
        follow = ask(page, "and what about sanctions?")
        assert follow["conversation_id"] == first["conversation_id"]
        assert follow["rewritten_question"] == "What about sanctions (Zelenskyy, minerals deal)?"
        expect(page.locator("#messages > li.turn")).to_have_count(2)
        assert not errors, errors
        context.close()
