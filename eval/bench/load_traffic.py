"""The requests of the load run (eval/bench/load.py): made-up documents, one call of each
kind, and the tally of what every call got back.

    docs = made_up_documents(200, seed=0)       # each with a question only it answers
    reply = await send(http, tally, "ask-stream", {"question": docs[0].question}, "rid-1")
    reply.status, reply.cited, reply.broken     # 200, ["load-0-000"], None

A stream is broken when it ends without its terminal event (`done` for the native SSE,
`data: [DONE]` and a `stop` chunk for the OpenAI one), carries an `error` event or chunk,
or is cut off. Every request carries its own `X-Request-ID`, so a failure in the tally
leads to its line in the server log.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

Stream = Literal["rag", "openai"] | None

# kind: (method, path, how its body streams); a request body with `stream: true` or not.
KINDS: dict[str, tuple[str, str, Stream]] = {
    "ask": ("POST", "/v1/ask", None),
    "ask-stream": ("POST", "/v1/ask", "rag"),
    "compare": ("POST", "/v1/ask", None),
    "chat": ("POST", "/v1/chat", None),
    "chat-stream": ("POST", "/v1/chat", "rag"),
    "openai": ("POST", "/v1/chat/completions", None),
    "openai-stream": ("POST", "/v1/chat/completions", "openai"),
    "add": ("POST", "/v1/documents", None),
    "delete": ("DELETE", "/v1/documents/{}", None),
}
INCIDENTS_KEPT = 30  # the first failures, each with its request id; the counts hold the rest

# Made-up places: three consonant-vowel syllables and "ar", so each name is one rare term
# that no seed article holds (vowels a/i/o/u only: the stemmer leaves such endings alone).
_CONSONANTS, _VOWELS = "bdfgklmnprstvz", "aiou"
_SYLLABLES = [c + v for c in _CONSONANTS for v in _VOWELS]
_STORIES = (
    (
        "{P} harbour levy approved",
        "The {P} harbour authority approved a levy of {a} crowns on every cargo ship that "
        "docks at {P}. Its chair, {who}, said the money will pay for dredging the northern "
        "channel. The levy takes effect in {month} and should raise {b} thousand crowns a "
        "year. Fishing crews in {P} said the levy would fall on small boats too.",
        "What levy did the {P} harbour authority approve?",
    ),
    (
        "Record quince harvest in {P}",
        "Growers in the {P} valley harvested {a} tonnes of quinces this autumn, a record for "
        "{P}. The cooperative manager, {who}, credited a wet spring. Prices for {P} quinces "
        "fell by {c} percent at the regional market in {month}. Most of the crop goes to jam "
        "makers on the coast.",
        "How many tonnes of quinces did the {P} valley harvest?",
    ),
    (
        "{P} observatory finds variable stars",
        "Astronomers at the {P} observatory catalogued {a} new variable stars in a survey that "
        "ended in {month}. The survey lead, {who}, said the {P} telescope was rebuilt with a "
        "mirror {c} centimetres wider. The catalogue lists {b} candidates still to be checked.",
        "How many new variable stars did the {P} observatory catalogue?",
    ),
    (
        "{P} tram line extended",
        "The {P} transit board voted to extend the tram line by {c} stops at a cost of {a} "
        "million crowns. Board member {who} said the first {P} trams on the new stretch will "
        "run in {month}. Residents collected {b} signatures for the extension.",
        "How many stops will the {P} tram line extension add?",
    ),
)
_NAMES = ("Ines Valdo", "Piet Orlan", "Mara Quist", "Tobin Reyes", "Lena Havik", "Oskar Brun")
_MONTHS = ("March", "April", "May", "June", "September", "October", "November")


@dataclass(frozen=True)
class MadeUp:
    """A made-up article, and a question that only it answers."""

    source_id: str
    title: str
    text: str
    question: str

    def body(self) -> dict[str, str]:
        """The JSON body of POST /v1/documents."""
        return {
            "source_id": self.source_id,
            "title": self.title,
            "outlet": "Load Test Gazette",
            "published": "2025-03-01",
            "text": self.text,
        }


def made_up_documents(count: int, seed: int = 0) -> list[MadeUp]:
    """`count` short invented articles, each about its own invented place with its own
    figures (up to 175,616 of them)."""
    rng = random.Random(seed)
    n = len(_SYLLABLES)
    codes = rng.sample(range(n**3), count)
    docs = []
    for i, code in enumerate(codes):
        place = "".join(_SYLLABLES[code // n**k % n] for k in range(3)).capitalize() + "ar"
        title, text, question = _STORIES[i % len(_STORIES)]
        facts = {
            "P": place,
            "a": 100 + 7 * i + rng.randrange(7),
            "b": rng.randrange(20, 900),
            "c": rng.randrange(3, 40),
            "who": rng.choice(_NAMES),
            "month": rng.choice(_MONTHS),
        }
        docs.append(
            MadeUp(
                source_id=f"load-{seed}-{i:04d}",
                title=title.format(**facts),
                text=text.format(**facts),
                question=question.format(**facts),
            )
        )
    return docs


@dataclass
class Tally:
    """What one kind of request got back."""

    statuses: Counter[int] = field(default_factory=Counter)  # 0: no reply (transport error)
    latencies_ms: list[float] = field(default_factory=list)
    broken: int = 0  # 2xx, but a stream without its terminal event or a body that won't parse


@dataclass
class Tallies:
    kinds: dict[str, Tally] = field(default_factory=dict)
    incidents: list[str] = field(default_factory=list)

    def add(self, kind: str, status: int, ms: float, broken: str | None, rid: str) -> None:
        tally = self.kinds.setdefault(kind, Tally())
        tally.statuses[status] += 1
        tally.latencies_ms.append(ms)
        tally.broken += broken is not None and 200 <= status < 300
        if (broken or not 200 <= status < 300) and len(self.incidents) < INCIDENTS_KEPT:
            self.incidents.append(f"{kind} {rid}: status {status or 'none'}: {broken or ''}")


@dataclass(frozen=True)
class Reply:
    status: int  # 0: no reply
    cited: list[str]  # source ids the answer cites
    data: dict[str, Any]  # the JSON body (a stream's final answer), or {}
    broken: str | None  # why the body is unusable, if it is


async def send(
    http: httpx.AsyncClient, tallies: Tallies, kind: str, body: dict[str, Any] | None, rid: str
) -> Reply:
    """One request of `kind` (for "delete", `body` is {"source_id": ...}), tallied."""
    method, path, stream = KINDS[kind]
    headers = {"X-Request-ID": rid}
    started = time.perf_counter()
    try:
        if kind == "delete":
            assert body is not None
            reply = await _plain(
                http.request(method, path.format(body["source_id"]), headers=headers)
            )
        elif stream is None:
            reply = await _plain(http.request(method, path, json=body, headers=headers))
        else:
            reply = await _streamed(http, path, {**(body or {}), "stream": True}, headers, stream)
    except httpx.HTTPError as exc:
        reply = Reply(0, [], {}, f"{type(exc).__name__}: {exc}")
    tallies.add(kind, reply.status, (time.perf_counter() - started) * 1000, reply.broken, rid)
    return reply


async def _plain(request: Any) -> Reply:
    reply: httpx.Response = await request
    try:
        data = reply.json()
    except ValueError:
        return Reply(reply.status_code, [], {}, f"not JSON: {reply.text[:200]!r}")
    if not reply.is_success:
        return Reply(reply.status_code, [], {}, str(data)[:300])
    return Reply(reply.status_code, _cited(data), data, None)


async def _streamed(
    http: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str], kind: Stream
) -> Reply:
    parts: list[str] = []
    async with http.stream("POST", path, json=body, headers=headers) as reply:
        try:
            async for text in reply.aiter_text():
                parts.append(text)
        except httpx.HTTPError as exc:  # the response started, then the body was cut off
            return Reply(reply.status_code, [], {}, f"cut off: {type(exc).__name__}: {exc}")
    raw = "".join(parts)
    if not reply.is_success:
        return Reply(reply.status_code, [], {}, raw[:300])
    events = sse_events(raw)
    if kind == "openai":
        return _openai_end(reply.status_code, events)
    names = [name for name, _ in events]
    if "error" in names:
        return Reply(reply.status_code, [], {}, f"error event: {dict(events)['error']}")
    if not names or names[-1] != "done":
        return Reply(reply.status_code, [], {}, f"ended without `done` after {names[-3:]}")
    final = events[-1][1]
    return Reply(reply.status_code, _cited(final), final, None)


def _openai_end(status: int, events: list[tuple[str | None, Any]]) -> Reply:
    datas = [data for _, data in events]
    if any(isinstance(d, dict) and "error" in d for d in datas):
        return Reply(status, [], {}, f"error chunk: {datas[-2] if len(datas) > 1 else datas}")
    if not datas or datas[-1] != "[DONE]":
        return Reply(status, [], {}, "ended without `data: [DONE]`")
    stops = [d for d in datas if isinstance(d, dict) and _finish(d) == "stop"]
    if not stops:
        return Reply(status, [], {}, "no chunk with finish_reason `stop`")
    return Reply(status, _cited(stops[-1]), stops[-1], None)


def _finish(chunk: dict[str, Any]) -> Any:
    choices = chunk.get("choices") or [{}]
    return choices[0].get("finish_reason")


def _cited(data: Any) -> list[str]:
    citations = data.get("citations") if isinstance(data, dict) else None
    return [str(c.get("source_id")) for c in citations or () if isinstance(c, dict)]


def sse_events(text: str) -> list[tuple[str | None, Any]]:
    """(event name, decoded data) of every message in an SSE body ("[DONE]" stays a str)."""
    out: list[tuple[str | None, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = None, []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            raw = "\n".join(data)
            try:
                out.append((name, raw if raw == "[DONE]" else json.loads(raw)))
            except ValueError:
                out.append(("error", f"undecodable data: {raw[:200]!r}"))
    return out
