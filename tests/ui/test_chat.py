"""The chat page: streamed cited answers, citations opened in the article, refusals, the
compare table, conversations that survive a reload, and the page on a phone and in the dark."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.ui.conftest import open_context, watch
from tests.ui.support import WATCH_STREAMING, ask, ask_answered_with, last_answer, shot

pytestmark = pytest.mark.integration

SIGNED = "Was the minerals deal signed?"
NATO = "What does each source say about NATO?"
SILENT_ON_NATO = {"000_76933c42b2fb2140", "004_d5af3be89cd3b10e"}


def test_a_streamed_cited_answer_opens_each_quote_highlighted_in_its_article(
    page: Page, ui_server: str, artifacts: Path
) -> None:
    page.add_init_script(WATCH_STREAMING)
    page.goto(ui_server)
    expect(page.locator("#archive-stats")).to_contain_text("5 articles")
    shot(page, artifacts, "01-welcome")

    answer = ask(page, SIGNED)
    view = last_answer(page)
    streamed = page.evaluate("window.__streamed")
    assert streamed and streamed[0] != answer["answer"], "no partial answer was shown"
    expect(view.locator(".answer-text")).to_have_text(re.sub(r"\[(\d+)\]", r"\1", answer["answer"]))
    citations = answer["citations"]
    assert len(citations) >= 2
    expect(view.locator(".answer-text button.cite")).to_have_count(len(citations))
    expect(view.locator(".source-card")).to_have_count(len({c["source_id"] for c in citations}))
    expect(view.locator(".answer-meta")).to_contain_text("Answered by extractive")
    expect(page.locator("#chat-title")).to_have_text(SIGNED)

    # Each sentence carries its support score.
    claims = view.locator(".claim")
    expect(claims).to_have_count(len(answer["claims"]))
    for i, claim in enumerate(answer["claims"]):
        assert claims.nth(i).get_attribute("data-support") == f"{claim['support']:.2f}"
    claims.first.hover(position={"x": 5, "y": 5})
    expect(page.locator("#tooltip")).to_contain_text("Support 100%")

    # Hovering a marker shows its quote.
    second = view.locator(".answer-text button.cite").nth(1)
    second.hover()
    expect(page.locator("#tooltip")).to_be_visible()
    expect(page.locator("#tooltip .tip-text")).to_have_text(citations[1]["quote"])

    # Clicking [n] opens its article beside the chat, the quote highlighted and in view.
    for citation in citations:
        view.locator(f'.answer-text button.cite[data-n="{citation["n"]}"]').click()
        reader = page.locator("#reader")
        expect(reader).to_be_visible()
        expect(reader).to_have_attribute("data-source", citation["source_id"])
        active = reader.locator("mark.quote.active")
        expect(active).to_have_count(1)
        expect(active).to_have_text(citation["quote"])
        expect(active).to_be_in_viewport()
        expect(page.locator("#reader-id")).to_have_text(citation["source_id"])
    view.locator('.answer-text button.cite[data-n="1"]').click()
    page.mouse.move(640, 780)
    expect(page.locator("#tooltip")).to_be_hidden()
    shot(page, artifacts, "02-answer-and-article")

    # The source card opens the article too; Escape closes it.
    card = view.locator(f'.source-card[data-source="{citations[0]["source_id"]}"]')
    card.click()
    expect(page.locator("#reader mark.quote.active")).to_have_text(citations[0]["quote"])
    page.keyboard.press("Escape")
    expect(page.locator("#reader")).to_be_hidden()


def test_a_refusal_looks_unlike_an_answer(page: Page, ui_server: str, artifacts: Path) -> None:
    page.goto(ui_server)
    answer = ask(page, "What is the recipe for banana bread?")
    assert answer["mode"] == "refusal" and not answer["citations"]
    view = last_answer(page)
    expect(view).to_have_class("answer refusal")
    expect(view).to_contain_text("Not in the sources")
    expect(view.locator(".answer-text")).to_have_text(answer["answer"])
    expect(view.locator("button.cite")).to_have_count(0)
    expect(view.locator(".source-cards")).to_have_count(0)
    shot(page, artifacts, "03-refusal")


def test_a_compare_answer_is_a_table_with_silent_sources_greyed(
    page: Page, ui_server: str, artifacts: Path
) -> None:
    page.goto(ui_server)
    answer = ask(page, NATO)
    assert answer["mode"] == "compare"
    view = last_answer(page)
    rows = view.locator("table.compare-table tbody tr")
    expect(rows).to_have_count(len(answer["per_source"]))
    silent = {e["source_id"] for e in answer["per_source"] if not e["addresses_topic"]}
    assert silent == SILENT_ON_NATO
    for entry in answer["per_source"]:
        row = view.locator(f'tr[data-source="{entry["source_id"]}"]')
        expect(row).to_have_class("silent" if entry["source_id"] in silent else "speaks")
        expect(row.locator(".pill")).to_have_text(
            "Silent" if entry["source_id"] in silent else "Yes"
        )
    speaking = view.locator("tr.speaks th").first.evaluate("e => getComputedStyle(e).color")
    greyed = view.locator("tr.silent th").first.evaluate("e => getComputedStyle(e).color")
    assert speaking != greyed
    expect(view.locator(".synthesis")).to_contain_text("3 of 5 sources discuss NATO")
    expect(view.locator(".compare-head")).to_contain_text("3 of 5 sources address the topic")

    # A citation in a row opens that row's article at the quote.
    first = next(e for e in answer["per_source"] if e["addresses_topic"])
    n = first["citations"][0]
    quote = next(c["quote"] for c in answer["citations"] if c["n"] == n)
    view.locator(f'tr[data-source="{first["source_id"]}"] button.cite[data-n="{n}"]').click()
    expect(page.locator("#reader mark.quote.active")).to_have_text(quote)
    page.locator("#close-reader").click()
    view.scroll_into_view_if_needed()
    shot(page, artifacts, "04-compare")


def with_disagreement(answer: dict[str, Any]) -> dict[str, Any]:
    """A real per-outlet answer, plus one disagreement between two of its real citations:
    the seeds carry no dates and no contradiction the detector flags, so the page's
    rendering of one is driven with this."""
    a, b = answer["citations"][0], answer["citations"][-1]
    sides = [
        {
            "label": a["outlet"] or "No outlet",
            "date": "2025-02-20",
            "n": a["n"],
            "quote": a["quote"],
        },
        {"label": b["outlet"], "date": "2025-02-28", "n": b["n"], "quote": b["quote"]},
    ]
    disagreements = [{"term": "NATO membership", "sides": sides}]
    return {**answer, "disagreements": disagreements, "conversation_id": "outletshape"}


def test_a_compare_by_outlet_shows_articles_and_clickable_disagreements(
    page: Page, ui_server: str, artifacts: Path
) -> None:
    real = httpx.post(
        f"{ui_server}/v1/ask",
        json={"question": NATO, "group_by": "outlet"},
        timeout=60,
        trust_env=False,
    ).json()
    assert real["group_by"] == "outlet" and len(real["per_source"]) == 3
    shaped = with_disagreement(real)

    ask_answered_with(page, ui_server, NATO, shaped)
    view = last_answer(page)
    expect(view.locator("table.compare-table thead th").first).to_have_text("Outlet")
    expect(view.locator("tbody tr")).to_have_count(len(shaped["per_source"]))
    no_outlet = view.locator('tr[data-outlet=""]')
    expect(no_outlet.locator(".row-name")).to_have_text("No outlet")
    expect(no_outlet.locator(".article-link")).to_have_count(1)  # 002 speaks; 000 and 004 don't
    expect(view.locator(".compare-head")).to_contain_text("of 3 outlets")

    sides = view.locator(".disagreements button.side")
    expect(sides).to_have_count(2)
    for i, s in enumerate(shaped["disagreements"][0]["sides"]):
        expect(sides.nth(i).locator(".side-quote")).to_have_text(s["quote"])
        sides.nth(i).click()
        expect(page.locator("#reader mark.quote.active")).to_have_text(s["quote"])
    no_outlet.locator(".article-link").click()
    expect(page.locator("#reader")).to_have_attribute("data-source", "002_61d499616b13814d")
    shot(page, artifacts, "05-compare-by-outlet")


def test_a_follow_up_after_a_reload_continues_the_conversation(
    page: Page, ui_server: str, artifacts: Path
) -> None:
    page.goto(ui_server)
    first = ask(page, "What did Zelenskyy say about the minerals deal?")
    cid = first["conversation_id"]
    expect(page).to_have_url(f"{ui_server}/#/c/{cid}")
    item = page.locator(f'#conversation-list li[data-id="{cid}"]')
    expect(item.locator(".conversation")).to_have_attribute("aria-current", "page")

    page.reload()
    expect(page.locator("#messages > li.turn")).to_have_count(1)
    expect(page.locator(".msg.user .bubble").first).to_have_text(first["question"])
    expect(page.locator(".answer-text").first).to_contain_text(first["citations"][0]["quote"])

    follow = ask(page, "and what about sanctions?")
    assert follow["conversation_id"] == cid
    assert follow["rewritten_question"] == "What about sanctions (Zelenskyy, minerals deal)?"
    expect(page.locator("#messages > li.turn")).to_have_count(2)
    expect(page.locator(".msg.user .rewritten").last).to_contain_text(follow["rewritten_question"])
    stored = httpx.get(f"{ui_server}/v1/conversations/{cid}", timeout=30, trust_env=False).json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"] * 2
    expect(item.locator(".conversation-when")).to_contain_text("2 questions")
    shot(page, artifacts, "06-follow-up")

    # Delete it: the first click arms the button, the second deletes (no JS dialog).
    item.hover()
    item.locator("button.delete").click()
    expect(item.locator("button.delete")).to_have_text("Delete?")
    item.locator("button.delete").click()
    expect(item).to_have_count(0)
    expect(page.locator("#messages > li.turn")).to_have_count(0)
    expect(page.locator("#welcome")).to_be_visible()
    gone = httpx.get(f"{ui_server}/v1/conversations/{cid}", timeout=30, trust_env=False)
    assert gone.status_code == 404


def test_keyboard_only(page: Page, ui_server: str) -> None:
    page.goto(ui_server)
    expect(page.locator("#question")).to_be_focused()
    page.keyboard.type(SIGNED)
    page.keyboard.press("Enter")
    marker = last_answer(page).locator(".answer-text button.cite").first
    marker.focus()
    expect(page.locator("#tooltip")).to_be_visible()  # the quote shows on focus, too
    page.keyboard.press("Enter")
    expect(page.locator("#reader mark.quote.active")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#reader")).to_be_hidden()
    expect(marker).to_be_focused()


def test_a_phone_and_dark_mode(browser: Browser, ui_server: str, artifacts: Path) -> None:
    context = open_context(browser, viewport={"width": 375, "height": 740}, color_scheme="dark")
    try:
        page = context.new_page()
        errors = watch(page)
        page.goto(ui_server)
        answer = ask(page, NATO)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways at 375 px ({width} px wide)"
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(20, 20, 22)", background
        expect(page.locator("#sidebar")).not_to_be_in_viewport()
        shot(page, artifacts, "07-phone-dark-compare")

        page.locator("#open-sidebar").click()
        expect(page.locator("#sidebar")).to_be_in_viewport()
        page.keyboard.press("Escape")
        expect(page.locator("#sidebar")).not_to_be_in_viewport()

        n = answer["citations"][0]["n"]
        last_answer(page).locator(f'button.cite[data-n="{n}"]').first.click()
        reader = page.locator("#reader")
        expect(reader.locator("mark.quote.active")).to_have_text(answer["citations"][0]["quote"])
        box = reader.bounding_box()
        assert box is not None and box["width"] == 375
        shot(page, artifacts, "08-phone-dark-article")
        assert not errors, errors
    finally:
        context.close()


def test_filters_scope_the_next_question(page: Page, ui_server: str) -> None:
    page.goto(ui_server)
    page.locator("#toggle-filters").click()
    page.locator("#outlet-list label", has_text="Responsible Statecraft").locator("input").check()
    page.locator("#article-search").fill("Keys to Ukraine")
    page.locator('#article-results button.pick[data-source="002_61d499616b13814d"]').click()
    page.locator("#since").fill("2025-01-01")
    page.locator("#until").fill("2025-12-31")
    page.locator('#filters input[name="mode"][value="compare"]').check(force=True)
    page.locator("#close-filters").click()
    chips = page.locator("#filter-chips .chip")
    expect(chips).to_have_count(5)
    expect(page.locator("#filter-count")).to_have_text("5")

    with page.expect_request("**/v1/chat") as sent:
        ask(page, "What do they say about NATO?")
    body = sent.value.post_data_json
    assert body["outlets"] == ["Responsible Statecraft"]
    assert body["sources"] == ["002_61d499616b13814d"]
    assert (body["since"], body["until"], body["mode"]) == ("2025-01-01", "2025-12-31", "compare")
    assert body["stream"] is True
    expect(last_answer(page).locator(".answer-meta .range")).to_contain_text("Published")

    chips.filter(has_text="Compare sources").locator("button").click()
    expect(chips).to_have_count(4)
    page.locator("#toggle-filters").click()
    page.locator("#clear-filters").click()
    expect(chips).to_have_count(0)


def test_generator_window_fallback_and_weak_support_are_shown(page: Page, ui_server: str) -> None:
    real = httpx.post(
        f"{ui_server}/v1/ask", json={"question": SIGNED}, timeout=60, trust_env=False
    ).json()
    claims = [dict(c) for c in real["claims"]]
    claims[1]["support"] = 0.3
    shaped = {
        **real,
        "generator": "openai/gpt-4o-mini",
        "fallback": True,
        "fallback_reason": "openai generator failed: no complete answer in 30 s",
        "removed": [{"text": "HACKED.", "citations": [1], "reason": "its quotes share none"}],
        "recited": [{"text": claims[0]["text"], "cited": [2], "now": [1]}],
        "time_window": {"phrase": "this week", "since": "2025-02-24", "until": "2025-03-02"},
        "claims": claims,
        "support_threshold": 0.5,  # the page reads the threshold from the answer
        "conversation_id": "metashape",
    }

    ask_answered_with(page, ui_server, SIGNED, shaped)
    meta = last_answer(page).locator(".answer-meta")
    expect(meta.locator(".generator")).to_have_text("Answered by openai/gpt-4o-mini")
    expect(meta.locator(".fallback")).to_contain_text("Fallback")
    expect(meta.locator(".fallback")).to_contain_text("no complete answer in 30 s")
    removed = last_answer(page).locator("details.removed")
    expect(removed.locator("summary")).to_have_text(
        "1 sentence not shown: not backed by its quotes"
    )
    removed.locator("summary").click()
    expect(removed.locator("li")).to_have_text("HACKED. (its quotes share none)")
    expect(last_answer(page).locator(".answer-text")).not_to_contain_text("HACKED")
    recited = last_answer(page).locator("details.recited")
    expect(recited.locator("summary")).to_have_text(
        "1 sentence re-cited: the model's marker named another quote"
    )
    recited.locator("summary").click()
    expect(recited.locator("li")).to_contain_text("([2] → [1])")
    expect(meta.locator(".window")).to_contain_text("this week")
    expect(meta.locator(".window")).to_contain_text("2025")
    weak = last_answer(page).locator(".claim.weak")
    expect(weak).to_have_count(1)
    expect(weak).to_contain_text(claims[1]["text"])
    weak.locator(".weak-flag").focus()
    expect(page.locator("#tooltip")).to_contain_text("Weak support (30%)")
    # The same sentence under an answer whose threshold is lower is not weak: no copy of the
    # threshold lives in the page.
    ask_answered_with(page, ui_server, SIGNED, {**shaped, "support_threshold": 0.25})
    expect(last_answer(page).locator(".claim.weak")).to_have_count(0)


def test_failures_read_as_sentences_with_a_retry(page: Page, ui_server: str) -> None:
    page.route("**/v1/chat", lambda route: route.abort("connectionrefused"))
    page.goto(ui_server)
    page.fill("#question", SIGNED)
    page.press("#question", "Enter")
    failed = page.locator("#messages .answer.failed")
    expect(failed).to_contain_text("Can't reach the server")
    expect(failed).not_to_contain_text("TypeError")

    # A failure after the stream started arrives as an `error` event: its detail is shown.
    page.unroute("**/v1/chat")
    body = 'event: delta\ndata: {"text":"The deal"}\n\nevent: error\ndata: {"detail":"the LLM endpoint timed out","status":502}\n\n'
    page.route(
        "**/v1/chat",
        lambda route: route.fulfill(headers={"content-type": "text/event-stream"}, body=body),
    )
    failed.locator("button", has_text="Try again").click()
    expect(page.locator("#messages .answer.failed")).to_contain_text("the LLM endpoint timed out")
    expect(page.locator("#messages > li.turn")).to_have_count(1)

    page.unroute("**/v1/chat")
    page.locator("#messages .answer.failed button").click()
    expect(last_answer(page).locator("button.cite").first).to_be_visible()


def test_the_short_answer_leads_and_is_marked_in_its_quote_and_article(
    page: Page, ui_server: str, artifacts: Path
) -> None:
    page.goto(ui_server)
    answer = ask(page, "How much money has the US sent to Ukraine in total?")
    short = answer["short_answer"]
    assert short is not None, answer["answer"]
    view = last_answer(page)
    lead = view.locator(".short-answer")
    expect(lead.locator(".short-text")).to_have_text(short["text"])
    box_lead, box_text = lead.bounding_box(), view.locator(".answer-text").bounding_box()
    assert box_lead and box_text and box_lead["y"] < box_text["y"]  # above the sentences
    expect(view.locator(".answer-text mark.short")).to_have_text(short["text"])
    lead.locator("button.cite").click()
    marked = page.locator("#reader mark.quote.active mark.short")
    expect(marked).to_have_text(short["text"])
    expect(marked).to_be_in_viewport()
    shot(page, artifacts, "short-answer")
