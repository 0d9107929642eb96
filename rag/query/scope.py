"""What a question is read against: its filters, the day it is asked on, the window it names.

scope = Scope.of("What happened this week?", Filters(), as_of=None)
scope.filters  # the request's filters, kept to the window (a preference) and to as_of
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rag.query.timeframe import Window, window_in
from rag.store.filters import Filters


@dataclass(frozen=True)
class Scope:
    """What a question is read against: its filters, the day asked, the window it names."""

    filters: Filters
    as_of: date
    window: Window | None

    @classmethod
    def of(cls, question: str, filters: Filters, as_of: date | None) -> Scope:
        day = as_of or date.today()
        window = window_in(question, day)
        if as_of is not None:  # asked as of a past day: nothing from after it
            filters = filters.within(date.min, as_of)
        if window is not None:
            filters = filters.preferring(window.start, window.end)
        return cls(filters, day, window)

    def fields(self) -> dict[str, Any]:
        """The Answer fields that say what the question was read against (rag/schema.py
        `TimeWindow` validates the window's fields)."""
        window = None
        if self.window is not None:
            window = {
                "phrase": self.window.phrase,
                "since": self.window.start.isoformat(),
                "until": self.window.end.isoformat(),
            }
        return {"as_of": self.as_of.isoformat(), "time_window": window}
