"""The LLM generator's stream, closed early: the model's own stream is closed with it (its
HTTP request too), instead of being read on to its end."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from typing import Any

from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from rag.generation.chat import ChatGenerator
from tests.conftest import FakeChat


class EndlessChat(FakeChat):
    """A model that writes without end; `log` notes each piece and, last, "closed"."""

    log: list[str]

    def _stream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        try:
            while True:
                self.log.append("word")
                time.sleep(0.002)
                yield ChatGenerationChunk(message=AIMessageChunk(content="word "))
        finally:
            self.log.append("closed")


def test_closing_the_answer_stream_closes_the_models_stream() -> None:
    model = EndlessChat(replies=[], log=[])
    stream = ChatGenerator(model, "openai").stream("What was decided?", [])
    assert isinstance(stream, Generator) and next(stream) == "word "
    stream.close()  # as a stopped answer does (rag/llm/stop.py)
    deadline = time.monotonic() + 5
    while "closed" not in model.log:
        assert time.monotonic() < deadline, f"the model read on: {len(model.log)} pieces"
        time.sleep(0.01)
    read = len(model.log)
    time.sleep(0.05)
    assert len(model.log) == read  # nothing reads it any more
