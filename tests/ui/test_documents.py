"""Documents from the page: drop a file, watch it index, ask about it, delete it; a pasted
article full of markup is shown as text and runs nothing; an upload over another article
asks to replace it or keep it; a quote of an article replaced since is found near where it
was, and the reader says the article changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.ui.support import ask, last_answer, shot

pytestmark = pytest.mark.integration

FERRY = (
    "Ellis Island ferry terminal opens\n"
    "The new ferry terminal on Ellis Island opened on Tuesday with twelve berths.\n"
    "The terminal cost 48 million dollars and was paid for by the harbor authority.\n"
)
XSS_TITLE = '<img src=x onerror="window.__xss=1;alert(1)">Harbor bridge'
XSS_TEXT = (
    "The harbor bridge reopened on Monday after repairs. <script>window.__xss=2;alert(2)</script> "
    'Officials said <img src=x onerror="window.__xss=3;alert(3)"> the toll stays at two dollars.\n'
    "The bridge carries forty thousand cars a day."
)

HARBOUR = "Harbour levy rises\nThe harbour levy rose to 417 crowns in May, the port said.\n"
MILL = "Tide mill reopens\nThe tide mill in Quarnby grinds grain again since Tuesday.\n"
FILLER = " ".join(  # puts the cited sentence far from the start of the article
    f"The {n} council of Quarnby met on the {n} Monday to discuss the budget for the dunes."
    for n in ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
)
TIDE_MILL = (
    f"Tide mill reopens\n{FILLER}\nThe Quarnby tide mill grinds 140 tonnes of grain a week.\n"
)


def drop(page: Page, name: str, text: str, kind: str = "text/plain") -> None:
    """Drop a file on the page, as dragging it from the desktop does."""
    page.evaluate(
        """([name, text, kind]) => {
          const data = new DataTransfer();
          data.items.add(new File([text], name, {type: kind}));
          const target = document.querySelector('#thread');
          target.dispatchEvent(new DragEvent('dragover', {dataTransfer: data, bubbles: true, cancelable: true}));
          target.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));
        }""",
        [name, text, kind],
    )


@pytest.fixture
def cleanup(ui_server: str) -> Iterator[list[str]]:
    """Source ids to delete after the test, whatever happened (the server is shared)."""
    ids: list[str] = []
    yield ids
    for sid in ids:
        httpx.delete(f"{ui_server}/v1/documents/{sid}", timeout=30, trust_env=False)


def test_drop_a_document_ask_about_it_and_delete_it(
    page: Page, ui_server: str, artifacts: Path, cleanup: list[str]
) -> None:
    cleanup.append("ferry-terminal")
    page.goto(ui_server)
    drop(page, "ferry-terminal.txt", FERRY)
    library = page.locator("#library")
    expect(library).to_be_visible()
    added = library.locator(".log-row.ok")
    expect(added).to_contain_text("ferry-terminal.txt")
    expect(added).to_contain_text("Added")
    expect(added).to_contain_text("ferry-terminal")
    row = library.locator('#doc-list li[data-source="ferry-terminal"]')
    expect(row).to_be_visible()
    expect(library.locator("#library-total")).to_have_text("(6)")

    # An unsupported file is refused with the server's reason, next to the others.
    drop(page, "scan.pdf", "%PDF-1.4", "application/pdf")
    failed = library.locator(".log-row.failed")
    expect(failed).to_contain_text("scan.pdf")
    expect(failed).to_contain_text("unsupported file type")
    shot(page, artifacts, "09-documents")

    library.locator("#close-library").click()
    answer = ask(page, "How much did the Ellis Island ferry terminal cost?")
    cost = next(c for c in answer["citations"] if "48 million dollars" in c["quote"])
    assert cost["source_id"] == "ferry-terminal"
    last_answer(page).locator(f'.answer-text button.cite[data-n="{cost["n"]}"]').click()
    expect(page.locator("#reader mark.quote.active")).to_have_text(cost["quote"])

    page.locator("#open-library").click()
    delete = row.locator("button.danger-link")
    delete.click()
    expect(delete).to_have_text("Confirm delete")
    delete.click()
    expect(row).to_have_count(0)
    expect(library.locator("#library-total")).to_have_text("(5)")
    gone = httpx.get(f"{ui_server}/v1/sources/ferry-terminal", timeout=30, trust_env=False)
    assert gone.status_code == 404


def test_markup_in_an_article_is_shown_as_text_and_never_runs(
    page: Page, ui_server: str, artifacts: Path, cleanup: list[str]
) -> None:
    page.goto(ui_server)
    page.locator("#open-library").click()
    page.locator("#paste summary").click()
    form = page.locator("#paste-form")
    form.locator('input[name="title"]').fill(XSS_TITLE)
    form.locator('input[name="outlet"]').fill("<b>Evil</b> Gazette")
    form.locator('textarea[name="content"]').fill(XSS_TEXT)
    form.locator('input[name="is_html"]').set_checked(False)
    with page.expect_response("**/v1/documents") as posted:
        form.locator('button[type="submit"]').click()
    doc = posted.value.json()
    cleanup.append(doc["source_id"])
    assert doc["status"] == "added" and doc["title"] == XSS_TITLE
    expect(page.locator(".log-row.ok")).to_contain_text("Added")
    listed = page.locator(f'#doc-list li[data-source="{doc["source_id"]}"] .doc-title')
    expect(listed).to_have_text(XSS_TITLE)
    page.locator("#close-library").click()

    answer = ask(page, "What did officials say about the harbor bridge toll?")
    citation = next(c for c in answer["citations"] if c["source_id"] == doc["source_id"])
    assert "<script>" in citation["quote"]
    view = last_answer(page)
    expect(view.locator(".answer-text")).to_contain_text("<script>window.__xss=2;alert(2)</script>")
    marker = view.locator(f'.answer-text button.cite[data-n="{citation["n"]}"]')
    marker.hover()
    expect(page.locator("#tooltip .tip-text")).to_have_text(citation["quote"])
    marker.click()
    expect(page.locator("#reader mark.quote.active")).to_have_text(citation["quote"])
    expect(page.locator("#reader-title")).to_have_text(XSS_TITLE)
    expect(page.locator("#reader-meta")).to_contain_text("<b>Evil</b> Gazette")
    shot(page, artifacts, "10-markup-as-text")

    assert page.evaluate("window.__xss") is None
    assert page.locator("#messages .answer img, #reader img, #tooltip img").count() == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 1  # app.js only
    assert page.locator("#reader b, #messages b:has-text('Evil')").count() == 0
    # The `page` fixture fails the test if any alert() ran.


def test_an_upload_over_another_article_asks_to_replace_or_keep_it(
    page: Page, ui_server: str, artifacts: Path, cleanup: list[str]
) -> None:
    cleanup.append("harbour")
    page.goto(ui_server)
    drop(page, "harbour.txt", HARBOUR)
    library = page.locator("#library")
    expect(library.locator(".log-row.ok")).to_contain_text("Added")

    drop(page, "harbour.txt", MILL)
    conflict = library.locator(".log-row.conflict")
    expect(conflict).to_contain_text("“Harbour levy rises” is already indexed as harbour")
    shot(page, artifacts, "12-upload-conflict")
    conflict.get_by_role("button", name="Keep the existing one").click()
    expect(library.locator(".log-row.kept")).to_contain_text("Kept the existing harbour")
    expect(conflict).to_have_count(0)
    text = httpx.get(f"{ui_server}/v1/sources/harbour/text", timeout=30, trust_env=False)
    assert text.json()["text"].startswith("Harbour levy rises")

    drop(page, "harbour.txt", MILL)
    with page.expect_response(lambda r: r.request.method == "PUT") as put:
        conflict.get_by_role("button", name="Replace it").click()
    assert put.value.url.endswith("/v1/documents/harbour") and put.value.status == 200
    expect(library.locator(".log-row.ok").first).to_contain_text("Replaced")
    listed = library.locator('#doc-list li[data-source="harbour"] .doc-title')
    expect(listed).to_have_text("Tide mill reopens")


def test_a_quote_of_an_article_replaced_since_is_found_near_where_it_was(
    page: Page, ui_server: str, artifacts: Path, cleanup: list[str]
) -> None:
    cleanup.append("tide-mill")
    http = httpx.Client(base_url=ui_server, timeout=60, trust_env=False)
    assert http.put("/v1/documents/tide-mill", json={"text": TIDE_MILL}).status_code == 201
    page.goto(ui_server)
    answer = ask(page, "How many tonnes of grain does the Quarnby tide mill grind a week?")
    cited = next(c for c in answer["citations"] if "140 tonnes" in c["quote"])
    marker = last_answer(page).locator(f'.answer-text button.cite[data-n="{cited["n"]}"]')
    marker.click()
    expect(page.locator("#reader mark.quote.active")).to_have_text(cited["quote"])
    expect(page.locator("#reader-body .notice")).to_have_count(0)  # same text: its offsets

    # The quote now opens the article too, far from where it was cited: the copy nearest
    # the old offsets is the one meant, not the first one.
    old = http.get("/v1/sources/tide-mill/text").json()
    assert cited["text_sha256"] == old["text_sha256"]
    assert cited["start"] > 2 * len(cited["quote"])
    now = f"{cited['quote']}\n{old['text']}"
    assert http.put("/v1/documents/tide-mill", json={"text": now}).status_code == 200
    page.locator("#close-reader").click()
    marker.click()
    expect(page.locator("#reader-body .notice")).to_have_text(
        "This article changed since this answer was given."
    )
    active = page.locator("#reader mark.quote.active")
    expect(active).to_have_text(cited["quote"])
    expect(page.locator("#reader-body p:not(.notice)").first.locator("mark")).to_have_count(0)
    shot(page, artifacts, "11-changed-article")
