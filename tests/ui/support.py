"""Helpers of the browser tests: ask through the page and read back what the API sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, Response, Route, expect

from tests.api.support import sse_events

# Installed before the page's scripts: records whether a partial answer was ever on screen
# (the streaming view with text), so a test can tell a streamed answer from one painted once.
WATCH_STREAMING = """
window.__streamed = [];
new MutationObserver((records) => {
  for (const r of records) for (const node of r.addedNodes) {
    if (node.nodeType === 1 && node.matches('.answer.streaming') && node.querySelector('.answer-text')) {
      window.__streamed.push(node.querySelector('.answer-text').textContent);
    }
  }
}).observe(document, {subtree: true, childList: true});
"""


def is_chat(response: Response) -> bool:
    return response.url.endswith("/v1/chat") and response.request.method == "POST"


def ask(page: Page, question: str) -> dict[str, Any]:
    """Type `question`, press Enter, wait for the finished answer; returns the `done` Answer."""
    turns = page.locator("#messages > li.turn")
    before = turns.count()
    with page.expect_response(is_chat) as info:
        page.fill("#question", question)
        page.press("#question", "Enter")
    response = info.value
    assert response.ok, response.text()
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text())
    name, done = events[-1]
    assert name == "done", events[-1]
    expect(turns).to_have_count(before + 1)
    expect(last_answer(page)).to_be_visible()
    return done  # type: ignore[no-any-return]


def last_answer(page: Page) -> Locator:
    """The finished answer (not the streaming view) of the last turn."""
    return page.locator("#messages > li.turn").last.locator(".answer:not(.streaming)")


def shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"))


def ask_answered_with(page: Page, base: str, question: str, answer: dict[str, Any]) -> None:
    """Open the page and ask `question`, with /v1/chat replying `answer` as its `done` event
    (for answer shapes the seeds cannot produce)."""

    def reply(route: Route) -> None:
        body = f"event: done\ndata: {json.dumps(answer)}\n\n"
        route.fulfill(status=200, headers={"content-type": "text/event-stream"}, body=body)

    page.route("**/v1/chat", reply)
    page.goto(base)
    page.fill("#question", question)
    page.press("#question", "Enter")
