"""Cleaning rules are about how news pages are built: tested on made-up page lines (none from
a seed), on the shared archive's raw text where it is present, and on the seeds' results."""

from pathlib import Path

import pytest

from rag.documents.cleaning import clean_text, is_chrome, normalize
from tests.conftest import SEEDS

ARCHIVE = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "realtimeqa-dev" / "articles"


@pytest.mark.parametrize(
    ("line", "chrome"),
    [
        # interface labels, alone or run together
        ("Share", True),
        ("Keep readingShow less", True),
        ("Read more", True),
        ("Newsletter", True),
        ("LATEST", True),
        ("Skip to main content", True),
        # short lower-case labels: tags and CSS class names
        ("weather alerts", True),
        ("promo slot", True),
        # kickers and lone datelines
        ("Sports | College", True),
        ("The Herald —", True),
        ("CNN —", True),
        # photo captions and credits
        (
            "Firefighters battle the blaze in Paradise on Thursday. Justin Sullivan/Getty Images",
            True,
        ),
        ("Top image credit: jdoe/shutterstock.com", True),
        ("Crowds gather at the harbour. Photo by Ana Ruiz via Reuters", True),
        # links to other stories, wire credits
        ("More:City council approves the new budget", True),
        ("Read more: How the ferry fare is set", True),
        ("Contributing: The Associated Press", True),
        ("Reporting by Ana Ruiz; Editing by Tom Reilly", True),
        # contact and bio lines
        ("Contact Ana Ruiz at (555) 123-4567 or aruiz@example.com.", True),
        ("Tom Reilly covers City Hall. Follow him on Twitter @tomreilly.", True),
        # promotions
        ("Get our free weekly newsletter Sign up for the Morning Brief.", True),
        ("Would you like to receive the Harbour Daily newsletter?", True),
        ("Support local journalism. Subscribe to the Ellis Post today.", True),
        ("Want more of our stories on your phone?", True),
        ("Click here to make us a preferred source.", True),
        # reporting stays, however it looks
        ("The ferry deal was not signed.", False),
        ("NATO", False),  # a one-word heading is a heading, not navigation
        ("Share prices rose sharply after the announcement.", False),
        ("Follow live updates: the council votes on the harbour plan", False),
        ("The newsletter, launched in 2019, now reaches 2 million readers.", False),
        ("Officials can be reached at the hotline 555-123-4567.", False),
        ("He said the company would subscribe to the new standard.", False),
        ("", False),
    ],
)
def test_is_chrome(line: str, chrome: bool) -> None:
    assert is_chrome(line) is chrome


def test_a_credit_run_into_the_text_is_removed_and_the_sentences_kept() -> None:
    line = (
        "A broken section of road is seen in Matlacha on Saturday. "
        "Ricardo Arduengo/AFP/Getty Images Officials said repairs will take months."
    )
    assert clean_text(line) == (
        "A broken section of road is seen in Matlacha on Saturday. "
        "Officials said repairs will take months."
    )


def test_normalize_whitespace_and_invisible_characters() -> None:
    raw = "A\u00a0line\u200b with  spaces \r\n\r\n\r\n\r\nnext\tline  "
    assert normalize(raw) == "A line with spaces\n\nnext line"


BODY = " ".join(["The harbour authority approved the new ferry timetable on Monday."] * 4)


def test_teasers_after_the_body_are_cut() -> None:
    page = "\n".join(
        [
            "Follow us on social",
            "nav menu",
            "Headline of the story",
            BODY,
            "Second paragraph of the real article.",
            "Sports | College",
            "Another story entirely",
            "A teaser paragraph about something else.",
            "Keep readingShow less",
            "Newsletter",
            "Subscribe now to our weekly round-up.",
        ]
    )
    cleaned = clean_text(page)
    assert cleaned.startswith("Headline of the story")
    assert cleaned.endswith("Second paragraph of the real article.")
    assert "teaser" not in cleaned and "nav menu" not in cleaned


def test_chrome_before_the_body_is_dropped_but_text_after_kept_without_teasers() -> None:
    page = f"nav menu\nTitle\n{BODY}\npromo slot\nClosing line of the article."
    assert clean_text(page) == f"Title\n{BODY}\nClosing line of the article."


@pytest.mark.skipif(not ARCHIVE.is_dir(), reason="the shared archive is not here (../shared)")
def test_the_archive_loses_its_furniture_and_keeps_its_reporting() -> None:
    furniture = ("Getty Images", "Sign up", "Contributing:", "on Twitter @", "Subscribe to")
    raw_chars = kept_chars = 0
    left: dict[str, int] = dict.fromkeys(furniture, 0)
    before: dict[str, int] = dict.fromkeys(furniture, 0)
    for path in sorted(ARCHIVE.glob("*.txt"))[::4]:  # a quarter of it: ~500 articles
        raw = path.read_text(encoding="utf-8", errors="replace")
        cleaned = clean_text(raw)
        raw_chars += len(normalize(raw))
        kept_chars += len(cleaned)
        for mark in furniture:
            before[mark] += mark in raw
            left[mark] += mark in cleaned
        assert not any(line.strip() in ("CNN —", "CNN -") for line in cleaned.splitlines())
    assert all(before[m] > 0 for m in furniture), before  # each kind really is in the archive
    assert sum(left.values()) <= 0.05 * sum(before.values()), left
    assert kept_chars >= 0.9 * raw_chars  # the reporting stays


def test_seed_001_loses_all_page_chrome() -> None:
    cleaned = clean_text((SEEDS / "001_224666dbe752bcd1.txt").read_text())
    for chrome in (
        "google cta",
        "Follow us on social",
        "keep reading",
        "Show less",
        "rules based order",
        "China hawks",
        "Subscribe now",
        "Newsletter",
        "Americas",
        "REUTERS",
    ):
        assert chrome.lower() not in cleaned.lower(), chrome
    assert "NATO membership remains off the table" in cleaned
    assert cleaned.endswith("serious and acceptable peace proposals of its own.")


@pytest.mark.parametrize(
    "stem", ["000_76933c42b2fb2140", "002_61d499616b13814d", "004_d5af3be89cd3b10e"]
)
def test_clean_articles_are_left_whole(stem: str) -> None:
    raw = (SEEDS / f"{stem}.txt").read_text()
    assert clean_text(raw) == normalize(raw)
