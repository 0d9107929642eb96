import pytest

from rag.cleaning import clean_text, is_chrome, normalize
from tests.conftest import SEEDS


@pytest.mark.parametrize(
    ("line", "chrome"),
    [
        ("google cta", True),
        ("Follow us on social", True),
        ("keep readingShow less", True),
        ("Show less", True),
        ("Read more", True),
        ("Newsletter", True),
        ("LATEST", True),
        ("Analysis | Europe", True),
        ("Top image credit: bluestork/shutterstock.com", True),
        ("Want more of our stories on Google?", True),
        ("Click here to make us a Preferred Source.", True),
        ("Trump meet at the Vatican April 26, 2025. Press Service/Handout via REUTERS", True),
        ("The mineral rights deal was not signed.", False),
        ("NATO membership is a red line", False),
        ("Follow live updates: US and Ukraine sign ‘historic’ deal", False),
        ("Share prices rose sharply after the announcement of the deal.", False),
        ("", False),
    ],
)
def test_is_chrome(line: str, chrome: bool) -> None:
    assert is_chrome(line) is chrome


def test_normalize_whitespace_and_invisible_characters() -> None:
    raw = "A\u00a0line\u200b with  spaces \r\n\r\n\r\n\r\nnext\tline  "
    assert normalize(raw) == "A line with spaces\n\nnext line"


BODY = " ".join(["The agreement is a significant success for Ukraine in the short term."] * 4)


def test_teasers_after_the_body_are_cut() -> None:
    page = "\n".join(
        [
            "Follow us on social",
            "google cta",
            "Headline of the story",
            BODY,
            "Second paragraph of the real article.",
            "google cta",
            "Another story entirely",
            "A teaser paragraph about something else.",
            "keep readingShow less",
            "Newsletter",
            "Subscribe now to our weekly round-up.",
        ]
    )
    cleaned = clean_text(page)
    assert cleaned.startswith("Headline of the story")
    assert cleaned.endswith("Second paragraph of the real article.")
    assert "teaser" not in cleaned and "google" not in cleaned


def test_chrome_before_the_body_is_dropped_but_text_after_kept_without_teasers() -> None:
    page = f"google cta\nTitle\n{BODY}\ngoogle cta\nClosing line of the article."
    assert clean_text(page) == f"Title\n{BODY}\nClosing line of the article."


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
