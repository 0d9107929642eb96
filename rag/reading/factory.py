"""`RAG_READER` -> a reader (or None): "local" (the shipped model), "none", or a
sentence-transformers CrossEncoder folder or Hugging Face id."""

from __future__ import annotations

from rag.config import Settings
from rag.reading.base import Reader


def make_reader(name: str) -> Reader | None:
    match name.lower():
        case "none" | "off":
            return None
        case "local":
            from rag.reading.onnx import OnnxReader

            return OnnxReader()
        case _:
            from rag.reading.crossencoder import CrossEncoderReader

            return CrossEncoderReader(name)


def reader_for(settings: Settings) -> Reader | None:
    """The reader `settings` name; ReaderError (one line) when it cannot be loaded."""
    return make_reader(settings.reader)
