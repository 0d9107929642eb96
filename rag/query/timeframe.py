"""Time in questions: "this week", "last month", "yesterday", read against the day asked.

    window_in("Which city hosted the summit this week?", as_of=date(2023, 3, 30))
    # Window(start=2023-03-24, end=2023-03-30, phrase="this week")

Weeks and days count back from `as_of` (a week is the 7 days ending that day, since news
of "this week" reaches back past the last Monday); months and years are calendar ones.
Named periods ("in March 2023", "in 2022") are windows too. A question with none of
these has no window. Retrieval then keeps to articles from the window (and those with
no date, which it cannot place), and the answer says which window it used.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from rag.language.dates import MONTH_NUMBERS, MONTHS, WEEKDAYS
from rag.language.numbers import SMALL, SMALL_VALUES

_WEEKDAYS = {name: i for i, name in enumerate(WEEKDAYS)}
_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30}


@dataclass(frozen=True)
class Window:
    start: date
    end: date
    phrase: str  # the words of the question that set it

    def describe(self) -> str:
        if self.start == self.end:
            return f"{self.phrase} ({self.start.isoformat()})"
        return f"{self.phrase} ({self.start.isoformat()} to {self.end.isoformat()})"


def _month(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _relative(phrase: str, as_of: date) -> tuple[date, date] | None:
    words = phrase.lower().split()
    match words:
        case ["today"] | ["tonight"]:
            return as_of, as_of
        case ["yesterday"]:
            return as_of - timedelta(days=1), as_of - timedelta(days=1)
        case ["this", "week"] | ["this", "past", "week"] | ["the", "past", "week"]:
            return as_of - timedelta(days=6), as_of
        case ["last", "week"]:
            return as_of - timedelta(days=13), as_of - timedelta(days=7)
        case ["this", "weekend"] | ["last", "weekend"] | ["over", "the", "weekend"]:
            saturday = as_of - timedelta(days=(as_of.weekday() - 5) % 7)
            return saturday, min(saturday + timedelta(days=1), as_of)
        case ["this", "month"]:
            return as_of.replace(day=1), as_of
        case ["last", "month"]:
            previous = as_of.replace(day=1) - timedelta(days=1)
            return _month(previous.year, previous.month)
        case ["this", "year"]:
            return date(as_of.year, 1, 1), as_of
        case ["last", "year"]:
            return date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31)
        case ["last", day] if day in _WEEKDAYS:
            back = (as_of.weekday() - _WEEKDAYS[day]) % 7 or 7
            return as_of - timedelta(days=back), as_of - timedelta(days=back)
        case [_, _, count, unit] if unit in _UNITS:  # "the past 10 days", "the last two weeks"
            n = int(count) if count.isdigit() else SMALL_VALUES.get(count, 0)
            return (as_of - timedelta(days=n * _UNITS[unit] - 1), as_of) if n else None
    return None


_RELATIVE = re.compile(
    r"\b(?:today|tonight|yesterday|(?:this|the)\ past\ week|this\ week(?:end)?|last\ week(?:end)?"
    r"|over\ the\ weekend|this\ month|last\ month|this\ year|last\ year"
    rf"|last\ (?:{'|'.join(_WEEKDAYS)})"
    rf"|(?:the|in\ the)?\ ?(?:past|last)\ (?:\d{{1,3}}|{'|'.join(SMALL[2:])})"
    r"\ (?:days?|weeks?|months?))\b",
    re.IGNORECASE | re.VERBOSE,
)
_NAMED = re.compile(
    rf"\b(?:in|during|since)\ (?:(?P<month>{'|'.join(MONTHS)})\ )?"
    r"(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE | re.VERBOSE,
)


def window_in(question: str, as_of: date) -> Window | None:
    """The period a question speaks of, relative to `as_of`; None when it names none."""
    found = _RELATIVE.search(question)
    if found:
        phrase = " ".join(found.group().split()).lower()
        key = phrase.removeprefix("in ")
        if len(key.split()) == 3 and key.split()[0] in ("past", "last"):
            key = f"the {key}"  # "past 10 days" reads as "the past 10 days"
        span = _relative(key, as_of)
        if span is not None:
            return Window(span[0], span[1], phrase)
    named = _NAMED.search(question)
    if named:
        year, month = int(named.group("year")), named.group("month")
        start, end = (
            _month(year, MONTH_NUMBERS[month.lower()])
            if month
            else (date(year, 1, 1), date(year, 12, 31))
        )
        if named.group().lower().startswith("since"):
            end = as_of
        return Window(start, min(end, as_of) if start <= as_of else end, named.group().lower())
    return None
