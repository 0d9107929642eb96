"""Relative time in questions, read against the day asked (made-up questions)."""

from datetime import date

import pytest

from rag.query.timeframe import window_in

THURSDAY = date(2023, 3, 30)


@pytest.mark.parametrize(
    ("question", "start", "end", "phrase"),
    [
        ("Which city hosted the summit this week?", date(2023, 3, 24), THURSDAY, "this week"),
        ("Who resigned last week?", date(2023, 3, 17), date(2023, 3, 23), "last week"),
        ("What did the mayor say yesterday?", date(2023, 3, 29), date(2023, 3, 29), "yesterday"),
        ("What happened today at the port?", THURSDAY, THURSDAY, "today"),
        ("How did the markets do last month?", date(2023, 2, 1), date(2023, 2, 28), "last month"),
        ("What changed this month?", date(2023, 3, 1), THURSDAY, "this month"),
        ("Who won the league last year?", date(2022, 1, 1), date(2022, 12, 31), "last year"),
        (
            "What did the council decide last Monday?",
            date(2023, 3, 27),
            date(2023, 3, 27),
            "last monday",
        ),
        ("Any strikes in the past 10 days?", date(2023, 3, 21), THURSDAY, "in the past 10 days"),
        (
            "Which team won over the last two weeks?",
            date(2023, 3, 17),
            THURSDAY,
            "the last two weeks",
        ),
        (
            "What did the ferry company announce this weekend?",
            date(2023, 3, 25),
            date(2023, 3, 26),
            "this weekend",
        ),
        ("What was reported in March 2023?", date(2023, 3, 1), THURSDAY, "in march 2023"),
        ("Who led the polls in 2022?", date(2022, 1, 1), date(2022, 12, 31), "in 2022"),
        ("What has the harbour earned since 2021?", date(2021, 1, 1), THURSDAY, "since 2021"),
    ],
)
def test_windows(question: str, start: date, end: date, phrase: str) -> None:
    window = window_in(question, THURSDAY)
    assert window is not None
    assert (window.start, window.end, window.phrase) == (start, end, phrase)


@pytest.mark.parametrize(
    "question",
    [
        "Which city hosts the final?",
        "What does the weekly report say?",  # "weekly" is not a window
        "Who won 2023 awards for journalism?",  # a bare year is a name, not "in 2023"
        "What did the last weekday of trading bring?",
    ],
)
def test_no_window(question: str) -> None:
    assert window_in(question, THURSDAY) is None


def test_the_window_describes_itself() -> None:
    window = window_in("What happened this week?", THURSDAY)
    assert window is not None and window.describe() == "this week (2023-03-24 to 2023-03-30)"
