"""The recognisers every room shares: numbers, calendar words and names (made-up text)."""

from __future__ import annotations

import pytest

from rag.language.dates import DAY_OR_YEAR, MONTH_NUMBERS, calendar_words
from rag.language.names import is_calendar, name_terms, runs
from rag.language.numbers import NUMBER, SMALL_VALUES, values


def test_numbers_are_compared_as_values() -> None:
    text = "It cost $1,200, then 1.50 billion, 5 percent and three ships."
    assert values(text) == {"1200", "1.5b", "5%", "3"}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Fares rose to $40 million.", ["$40", "million"]),
        ("Turnout was 52.1% and dozens stayed home.", ["52.1%", "dozens"]),
        ("No amount is given here.", []),
    ],
)
def test_a_number_as_written_is_found(text: str, found: list[str]) -> None:
    assert [m.group() for m in NUMBER.finditer(text)] == found


def test_small_number_words_have_their_values() -> None:
    assert SMALL_VALUES["three"] == 3 and SMALL_VALUES["twelve"] == 12


def test_calendar_words_spell_out_month_abbreviations() -> None:
    assert calendar_words("Signed on Tuesday, Sept. 3 and again in Oct.") == {
        "tuesday",
        "september",
        "october",
    }
    assert MONTH_NUMBERS["march"] == MONTH_NUMBERS["mar"] == 3


@pytest.mark.parametrize(
    ("text", "dated"),
    [("It opened on 3 March.", True), ("It opened March 3rd.", True), ("In 2024 it grew.", True)],
)
def test_a_day_of_a_month_or_a_year_is_a_date(text: str, dated: bool) -> None:
    assert bool(DAY_OR_YEAR.search(text)) is dated
    assert not DAY_OR_YEAR.search("It sold 2,024 tickets, or 2024.5 a day.")


def test_name_runs_join_of_and_de() -> None:
    assert runs("Ilse Varga met the Bank of Lantern Bay.") == ["Ilse Varga", "Bank of Lantern Bay"]


def test_name_terms_skip_the_first_word_titles_and_calendar_words() -> None:
    # terms are stemmed, as everywhere ("Ilse" is "ils")
    assert name_terms("Mayor Ilse Varga spoke on Monday in Orlen.") == {"ils", "varga", "orlen"}
    assert is_calendar("Friday") and not is_calendar("Varga")
