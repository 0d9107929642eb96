"""Dates: an article's `published` string, in whatever format the crawler gave, as a date.

    parse_date("2022/10/18") == parse_date("Oct 18, 2022") == date(2022, 10, 18)

ISO 8601, "2022/10/18", "Oct 18, 2022", "18 October 2022" and RFC 2822 all parse (with
python-dateutil). A string without a full day ("2022", "October 2022") is not a date to
filter on: it gives None rather than a made-up first of the month.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from dateutil import parser

_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))  # differ in every field


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
