"""The events an answer streams: its sources, pieces of text, its citations, then the
whole Answer (`done`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

EventName = Literal["sources", "delta", "citation", "done"]


@dataclass(frozen=True)
class Event:
    event: EventName
    data: Any
