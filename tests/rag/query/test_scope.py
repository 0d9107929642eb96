"""Scope.of: the request's filters kept to `as_of` and to the window a question names."""

from datetime import date

import pytest

from rag.query import scope as scope_module
from rag.query.scope import Scope
from rag.query.timeframe import Window
from rag.schema import TimeWindow
from rag.store.filters import Filters

THURSDAY = date(2023, 3, 30)


def test_as_of_bounds_the_filters_to_nothing_after_that_day() -> None:
    scope = Scope.of("Who runs the Tollmere ferry?", Filters(), as_of=THURSDAY)
    assert scope.as_of == THURSDAY
    assert scope.window is None
    assert scope.filters.window == (date.min, THURSDAY)
    assert scope.filters.prefer is None


def test_without_as_of_nothing_is_bounded_and_today_is_the_day(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Frozen(date):
        @classmethod
        def today(cls) -> "Frozen":
            return cls(2031, 7, 4)

    monkeypatch.setattr(scope_module, "date", Frozen)
    scope = Scope.of("Who runs the Tollmere ferry?", Filters(), as_of=None)
    assert scope.as_of == date(2031, 7, 4)
    assert scope.filters == Filters()  # no window: today bounds nothing
    assert scope.fields() == {"as_of": "2031-07-04", "time_window": None}


def test_a_named_window_is_a_preference_not_a_filter() -> None:
    scope = Scope.of("What did the Varnholt council decide this week?", Filters(), THURSDAY)
    assert scope.window == Window(date(2023, 3, 24), THURSDAY, "this week")
    assert scope.filters.prefer == (date(2023, 3, 24), THURSDAY)
    # The window only ranks its articles higher: the filter itself is as_of's bound alone.
    assert scope.filters.window == (date.min, THURSDAY)
    assert scope.filters.since is None and scope.filters.until is None


def test_the_named_window_is_read_against_as_of_not_today() -> None:
    day = date(2019, 11, 12)
    scope = Scope.of("What happened at the Quillon port yesterday?", Filters(), as_of=day)
    assert scope.filters.prefer == (date(2019, 11, 11), date(2019, 11, 11))


def test_the_request_filters_are_kept() -> None:
    asked = Filters.of(sources=["a1", "b2"], outlets=["Marrow Gazette"], since=date(2023, 1, 1))
    scope = Scope.of("What did the mayor say last week?", asked, THURSDAY)
    assert scope.filters.sources == ("a1", "b2")
    assert scope.filters.outlets == ("Marrow Gazette",)
    assert scope.filters.since == date(2023, 1, 1)
    assert scope.filters.prefer == (date(2023, 3, 17), date(2023, 3, 23))


def test_fields_give_iso_strings_and_the_window() -> None:
    scope = Scope.of("Who resigned from the Pellam board last week?", Filters(), THURSDAY)
    fields = scope.fields()
    assert fields == {
        "as_of": "2023-03-30",
        "time_window": {"phrase": "last week", "since": "2023-03-17", "until": "2023-03-23"},
    }
    TimeWindow.model_validate(fields["time_window"])  # what the Answer schema takes


def test_fields_without_a_window_give_none() -> None:
    fields = Scope.of("Who runs the Tollmere ferry?", Filters(), THURSDAY).fields()
    assert fields == {"as_of": "2023-03-30", "time_window": None}
