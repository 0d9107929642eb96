"""Dates: an article's `published` string as a date, and the calendar words of any text.

    parse_date("2022/10/18") == parse_date("Oct 18, 2022") == date(2022, 10, 18)
    calendar_words("Signed on Tuesday, Sept. 3") == {"tuesday", "september"}

ISO 8601, "2022/10/18", "Oct 18, 2022", "18 October 2022" and RFC 2822 all parse (with
python-dateutil). A string without a full day ("2022", "October 2022") is not a date to
filter on: it gives None rather than a made-up first of the month.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from functools import lru_cache

from dateutil import parser

from rag.language.text import words

MONTHS = tuple(name.lower() for name in calendar.month_name[1:])  # "january", …
WEEKDAYS = tuple(name.lower() for name in calendar.day_name)  # "monday", …
# A month by its name or abbreviation ("sep" and "sept"), for reading "in March 2023".
MONTH_NUMBERS = {name: i for i, name in enumerate(MONTHS, start=1)} | {
    name[:3]: i for i, name in enumerate(MONTHS, start=1)
}
MONTH_NUMBERS["sept"] = 9
# A day of a month ("3 March", "March 3rd") or a year ("2024", not "2024.5" or "2,024").
DAY_OR_YEAR = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{'|'.join(MONTHS)})\b"
    rf"|\b(?:{'|'.join(MONTHS)})\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
    r"|\b(?:19|20)\d\d\b(?![,.]?\d)",
    re.IGNORECASE,
)
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))  # differ in every field


def calendar_words(text: str) -> set[str]:
    """The month and weekday names `text` gives, a month's abbreviation spelled out ("Sept."
    is "september")."""
    out = set()
    for word in words(text):
        word = word.rstrip(".")
        if word in MONTHS or word in WEEKDAYS:
            out.add(word)
        elif number := MONTH_NUMBERS.get(word):
            out.add(MONTHS[number - 1])
    return out


@lru_cache(maxsize=8192)  # an article's date is read for every passage of it
def parse_date(text: str | None) -> date | None:
    """The calendar date `text` names, or None when it names none (or only part of one)."""
    if not text or not text.strip():
        return None
    try:
        a, b = (parser.parse(text.strip(), default=d, fuzzy=False) for d in _DEFAULTS)
    except (ValueError, OverflowError):
        return None
    if (a.year, a.month, a.day) != (b.year, b.month, b.day):
        return None  # some of year, month or day came from the defaults
    day: date = a.date()
    return day
