"""Domain errors raised by `rag`; `api/` maps them to HTTP responses."""


class RagError(Exception):
    """Base class for every error this package raises on purpose."""


class ConfigError(RagError):
    """A setting is missing or contradicts another."""


class DocumentError(RagError):
    """A document cannot be read, parsed or is empty after cleaning."""


class InvalidSourceIdError(RagError):
    """A source id is malformed (ids are file-stem-like: letters, digits, `._-`)."""


class UnknownSourceError(RagError):
    """A filter or a delete names a source id that is not in the index."""


class SourceConflictError(RagError):
    """A document would replace a different text under the same source id, unasked."""

    def __init__(self, source_id: str, title: str | None) -> None:
        self.source_id = source_id
        self.title = title
        held = f'another article, "{title}"' if title else "another article"
        super().__init__(f"source id {source_id!r} already holds {held}, with different text")


class EmbedderMismatchError(RagError):
    """The collection was built with a different embedder than the configured one."""


class EmbedderError(RagError):
    """The embedding model failed, or gave a vector that cannot be used."""


class StoreError(RagError):
    """The vector store cannot be opened or reached."""


class PromptError(RagError):
    """A prompt file is missing, malformed, or a declared variable was not supplied."""


class GenerationError(RagError):
    """The answer generator failed (unreachable endpoint, bad reply)."""


class EmptyQuestionError(RagError):
    """The question is empty or only whitespace."""


class UnknownConversationError(RagError):
    """No conversation has this id (never created, or deleted)."""


class ReaderError(RagError):
    """The reading model cannot be loaded (unknown name, missing or corrupt file) or failed."""


class VerifierError(RagError):
    """The support verifier cannot be loaded (unknown name, missing or corrupt file)."""


class ServerError(RagError):
    """A child server (rag/supervisor.py) could not run, exited, or never got ready."""
